// The anonymous receipt page (templates/reporting/anonymous_receipt.html): Copy and Print
// buttons, and a warning on leaving the page before "I have kept my receipt code" is
// ticked. The server does not keep the code, so a reporter who leaves without it has lost
// their only way back to the report: losing receipts is the commonest failure of
// anonymous channels. A module file, because the Content-Security-Policy allows no
// inline script.

const receipt = document.querySelector("[data-receipt]");

if (receipt) {
  const codeElement = receipt.querySelector("[data-receipt-code]");
  const actions = receipt.querySelector("[data-receipt-actions]");
  const status = receipt.querySelector("[data-receipt-status]");
  const confirmForm = receipt.querySelector("[data-receipt-confirm]");
  const code = codeElement ? codeElement.textContent.trim() : "";

  const say = (text) => {
    if (status) status.textContent = text;
  };

  // The older way, for browsers without the asynchronous clipboard (or outside HTTPS):
  // select the code and copy the selection.
  const copyBySelection = () => {
    const selection = window.getSelection();
    const range = document.createRange();
    range.selectNodeContents(codeElement);
    selection.removeAllRanges();
    selection.addRange(range);
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch {
      copied = false;
    }
    return copied;
  };

  const copy = async () => {
    let copied = false;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(code);
        copied = true;
      } catch {
        copied = copyBySelection();
      }
    } else {
      copied = copyBySelection();
    }
    say(
      copied
        ? `Code copied: ${code}. Paste it somewhere only you can open.`
        : "Your browser did not let us copy the code. Select it and copy it yourself, or write it down.",
    );
  };

  if (actions && codeElement) {
    actions.querySelector("[data-receipt-copy]")?.addEventListener("click", copy);
    actions.querySelector("[data-receipt-print]")?.addEventListener("click", () => window.print());
    actions.hidden = false;
  }

  // Until the reporter says they have kept the code, leaving the page asks first.
  const warnBeforeLeaving = (event) => {
    event.preventDefault();
    // Older browsers show the prompt only when returnValue is set.
    event.returnValue = "";
  };
  window.addEventListener("beforeunload", warnBeforeLeaving);
  // Continue goes on to a page of ours, either onwards or back here with an error:
  // neither loses the code, so it must not trigger the warning.
  confirmForm?.addEventListener("submit", () => {
    window.removeEventListener("beforeunload", warnBeforeLeaving);
  });
}
