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

// Upload form: preview the chosen photo and show upload progress.
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches(".upload-form input[type=file]")) return;
    var preview = input.form.querySelector(".upload-preview");
    var file = input.files && input.files[0];
    if (!preview || !file) return;
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
    input.form.querySelector(".drop-zone-text").textContent = file.name;
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("[data-upload-progress]");
    if (!form || !event.detail.lengthComputable) return;
    var bar = form.querySelector(".upload-progress");
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
    bar.textContent = bar.value + "%";
  });
})();
