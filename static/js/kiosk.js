// A survey kiosk: after a while without a touch or a key, warn, then start the survey
// again for the next person (post the restart form, which clears the answers). The
// server clears them after the same time too, so this is a convenience, not the guard.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("kiosk-idle");
  var dialog = document.getElementById("kiosk-warning");
  var form = document.getElementById("kiosk-reset");
  if (!box || !dialog || !form) {
    return;
  }
  var idle = Number(box.dataset.idleSeconds) * 1000;
  var warning = Number(box.dataset.warningSeconds);
  var countdown = dialog.querySelector(".kiosk-countdown");
  var timer = null;
  var ticker = null;

  function restart() {
    clearInterval(ticker);
    form.submit();
  }

  function warn() {
    var left = warning;
    countdown.textContent = "(" + left + ")";
    dialog.showModal();
    document.getElementById("kiosk-stay").focus();
    ticker = setInterval(function () {
      left -= 1;
      countdown.textContent = "(" + left + ")";
      if (left <= 0) {
        restart();
      }
    }, 1000);
  }

  function active() {
    clearTimeout(timer);
    clearInterval(ticker);
    if (dialog.open) {
      dialog.close();
    }
    timer = setTimeout(warn, idle);
  }

  ["pointerdown", "keydown", "input", "touchstart", "wheel"].forEach(function (name) {
    document.addEventListener(name, active, { passive: true });
  });
  document.getElementById("kiosk-stay").addEventListener("click", active);
  dialog.addEventListener("cancel", active); // Escape means "still here"
  active();
});
