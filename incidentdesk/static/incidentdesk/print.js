// The "Print" button of the incident's timeline. A module file, because the
// Content-Security-Policy allows no inline script; the button stays hidden without it.

for (const wrapper of document.querySelectorAll("[data-print]")) {
  wrapper.querySelector("button")?.addEventListener("click", () => window.print());
  wrapper.hidden = false;
}
