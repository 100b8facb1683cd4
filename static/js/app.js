// Small progressive enhancements. Every action also works without JavaScript.
(function () {
  "use strict";

  function showToast(html) {
    var toasts = document.getElementById("toasts");
    if (!toasts) return;
    var toast = document.createElement("div");
    toast.className = "toast";
    toast.innerHTML = html;
    toasts.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 6000);
  }

  // htmx does not swap error responses; show their message fragment as a toast instead.
  document.addEventListener("htmx:responseError", function (event) {
    var text = event.detail.xhr.responseText || "";
    if (text.indexOf("error-message") === -1) {
      text = '<div class="error-message" role="alert"><p>Something went wrong. Please try again.</p></div>';
    }
    showToast(text);
  });
  document.addEventListener("htmx:sendError", function () {
    showToast('<div class="error-message" role="alert"><p>You seem to be offline. Please try again.</p></div>');
  });
})();
