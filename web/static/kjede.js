// kjede: small progressive enhancements; every page works without them.
// Uploads: a form with data-upload-progress sends its file with XMLHttpRequest
// and shows the progress in the <progress> the attribute names.
(function () {
  "use strict";
  function enhance(form) {
    var bar = document.getElementById(form.getAttribute("data-upload-progress"));
    var status = document.getElementById(form.getAttribute("data-upload-status"));
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !bar) { return; }
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      bar.hidden = false;
      bar.value = 0;
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round((e.loaded / e.total) * 100);
          if (status) { status.textContent = bar.value + " %"; }
        }
      });
      request.addEventListener("load", function () {
        bar.value = 100;
        if (request.responseURL) { window.location.assign(request.responseURL); }
        else { document.open(); document.write(request.responseText); document.close(); }
      });
      request.send(new FormData(form));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-upload-progress]");
    for (var i = 0; i < forms.length; i++) { enhance(forms[i]); }
  });
})();
