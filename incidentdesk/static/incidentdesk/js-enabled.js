// Loaded as the first thing in <body>, before anything is drawn, so GOV.UK Frontend's
// "JavaScript is on" styles (hidden conditional reveals, collapsed menus) apply without a
// flash of the no-JavaScript layout. This is GOV.UK's own inline snippet, moved to a file
// because our Content-Security-Policy allows no inline script.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
