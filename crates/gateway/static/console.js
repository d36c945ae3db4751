// The console's only script, served by the gateway itself (CSP script-src 'self'):
// a button with data-copy="ID" copies the text of the element with that id.
"use strict";

function selectText(el) {
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = source.textContent.trim();
  const copied = () => {
    button.textContent = "Copied";
    button.setAttribute("aria-live", "polite");
  };
  if (navigator.clipboard && window.isSecureContext) {
    // Without clipboard permission, select the text so Ctrl+C works.
    navigator.clipboard.writeText(text).then(copied, () => selectText(source));
  } else {
    selectText(source);
  }
});
