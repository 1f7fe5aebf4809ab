// A button marked `data-print` prints the page; the print stylesheet decides what shows.
// The button is hidden until this script runs, so that nobody without scripts sees a
// button that does nothing (they print with the browser's own menu).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
