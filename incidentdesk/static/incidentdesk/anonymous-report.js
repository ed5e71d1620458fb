// The anonymous report form: a fresh idempotency key when the browser shows the page
// again from its back-forward cache. The key makes a double click or a retry on a bad
// connection one report; but a page restored after sending would carry the key of the
// report already sent, and a second, different report would then reuse it. (The server
// also copes with that case; this keeps the two reports apart from the start.)

const keyInput = document.querySelector("[data-idempotency-key]");

const freshKey = () => {
  if (window.crypto?.randomUUID) {
    return window.crypto.randomUUID().replaceAll("-", "");
  }
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  // A version 4 UUID in hex, like the ones the server makes.
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
};

if (keyInput) {
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      keyInput.value = freshKey();
    }
  });
}
