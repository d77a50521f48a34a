// The certificate's Print button. It stays hidden unless this file runs, because the CSP
// forbids inline handlers; without it the page tells people to use the browser's Print.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
});
