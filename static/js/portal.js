// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so screen readers announce what went wrong.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  // A table wider than the screen scrolls inside its wrapper. Keyboard users can only
  // scroll what they can focus, so a wrapper that really scrolls becomes a named,
  // focusable region (named after its table's caption). Wrappers that fit stay out of
  // the tab order.
  // A note above it says so (its words come from the page: data-scroll-hint on <body>).
  var hintText = document.body.dataset.scrollHint;

  function markScrollableTables() {
    document.querySelectorAll(".table-responsive").forEach(function (wrapper) {
      var scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
      wrapper.classList.toggle("is-scrollable", scrolls);
      var hint = wrapper.previousElementSibling;
      var hasHint = hint && hint.classList.contains("scroll-hint");
      if (scrolls && !hasHint && hintText) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = hintText;
        wrapper.parentNode.insertBefore(hint, wrapper);
      } else if (!scrolls && hasHint) {
        hint.remove();
      }
      if (scrolls && !wrapper.hasAttribute("tabindex")) {
        var caption = wrapper.querySelector("caption");
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        if (caption && caption.textContent.trim()) {
          wrapper.setAttribute("aria-label", caption.textContent.trim());
        }
      } else if (!scrolls && wrapper.getAttribute("tabindex") === "0") {
        wrapper.removeAttribute("tabindex");
        wrapper.removeAttribute("role");
        wrapper.removeAttribute("aria-label");
      }
    });
  }
  markScrollableTables();
  window.addEventListener("resize", markScrollableTables);
});
