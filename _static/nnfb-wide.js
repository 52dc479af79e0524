// Marks each table box that is wider than the column (class nnfb-wide), so
// that nnfb-layout.css can say that it scrolls. A ResizeObserver keeps the
// mark right when the window changes size or MathJax typesets a cell.
(() => {
  "use strict";
  const HINT = "Wide table: scroll sideways inside this box";

  function mark(box) {
    const wide = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("nnfb-wide", wide);
    if (wide) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", HINT);
      box.tabIndex = 0;
    } else if (box.getAttribute("aria-label") === HINT) {
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }

  function start() {
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        mark(entry.target.closest(".pst-scrollable-table-container"));
      }
    });
    for (const box of document.querySelectorAll(
      ".pst-scrollable-table-container",
    )) {
      observer.observe(box);
      if (box.firstElementChild) observer.observe(box.firstElementChild);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
