// kjede: small progressive enhancements; every page works without them.
// Uploads: a form with data-upload-progress sends its file with XMLHttpRequest
// and shows the progress in the <progress> it names; on success the browser
// follows the server's redirect, on an error the server's page replaces this one.
(function () {
  "use strict";
  function enhance(form) {
    var bar = document.getElementById(form.getAttribute("data-upload-progress"));
    var status = document.getElementById(form.getAttribute("data-upload-status"));
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest || !bar) { return; }
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      bar.value = 0;
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round((e.loaded / e.total) * 100);
          if (status) { status.textContent = bar.value + " %"; }
        }
      });
      request.addEventListener("load", function () {
        if (request.status < 400 && request.responseURL) {
          bar.value = 100;
          window.location.assign(request.responseURL);
          return;
        }
        var parsed = new DOMParser().parseFromString(request.responseText, "text/html");
        document.title = parsed.title;
        document.body.replaceWith(document.adoptNode(parsed.body));
        var summary = document.getElementById("error-summary");
        if (summary) { summary.focus(); }
        var again = document.querySelectorAll("form[data-upload-progress]");
        for (var i = 0; i < again.length; i++) { enhance(again[i]); }
      });
      request.addEventListener("error", function () {
        if (status) { status.textContent = form.getAttribute("data-upload-failed") || "Upload failed"; }
      });
      request.send(new FormData(form));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-upload-progress]");
    for (var i = 0; i < forms.length; i++) { enhance(forms[i]); }
  });
})();
