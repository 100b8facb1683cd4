// Small progressive enhancements. Every action also works without JavaScript.
(function () {
  "use strict";

  function showToast(message) {
    var toasts = document.getElementById("toasts");
    if (!toasts) return;
    var toast = document.createElement("div");
    toast.className = "toast";
    toast.appendChild(message);
    toasts.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 6000);
  }

  function plainMessage(text) {
    var message = document.createElement("div");
    message.className = "error-message";
    message.setAttribute("role", "alert");
    message.textContent = text;
    return message;
  }

  // htmx does not swap error responses; show their message fragment as a toast instead.
  // Only our .error-message element is taken from the response; nothing else is inserted.
  document.addEventListener("htmx:responseError", function (event) {
    var parsed = new DOMParser().parseFromString(event.detail.xhr.responseText || "", "text/html");
    var message = parsed.querySelector(".error-message");
    showToast(message ? document.importNode(message, true) : plainMessage("Something went wrong. Please try again."));
  });
  document.addEventListener("htmx:sendError", function () {
    showToast(plainMessage("You seem to be offline. Please try again."));
  });
})();

// Like control: announce the new state in the polite live region once the swap settles
// (focus goes back to the new heart through the block at the end: same id).
(function () {
  "use strict";

  document.addEventListener("htmx:afterSettle", function (event) {
    var control = event.target.closest && event.target.closest(".like-control");
    var status = document.getElementById("live-status");
    if (control && status) status.textContent = control.getAttribute("data-announce") || "";
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

  // Dropping a file anywhere on the drop zone puts it in the form's file field.
  function dropZone(event) {
    return event.target.closest && event.target.closest(".drop-zone");
  }
  document.addEventListener("dragover", function (event) {
    var zone = dropZone(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.add("drop-zone-active");
  });
  document.addEventListener("dragleave", function (event) {
    var zone = dropZone(event);
    if (zone) zone.classList.remove("drop-zone-active");
  });
  document.addEventListener("drop", function (event) {
    var zone = dropZone(event);
    if (!zone || !event.dataTransfer.files.length) return;
    event.preventDefault();
    zone.classList.remove("drop-zone-active");
    var input = zone.querySelector("input[type=file]");
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
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

// Controls htmx swaps (like, follow): the swap replaces the focused button (and disabling it
// during the request drops focus to the page), so give focus to the new element with the
// same id once the swap settles: a second Enter works, Tab goes on from here.
(function () {
  "use strict";

  var focusedId = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    if (active && active.id && event.target.contains(active)) focusedId = active.id;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!focusedId || document.activeElement !== document.body) return;
    var element = document.getElementById(focusedId);
    // Another swap (the notification badge's refresh) can settle while the control's own
    // request is still out: its button is still there, disabled. Wait for its swap.
    if (element && element.disabled) return;
    focusedId = null;
    if (element) element.focus();
  });
})();
