// The idle-session warning (base.html, for signed-in people). Two minutes before the
// server would sign the person out for inactivity, show a GOV.UK notification banner with
// a "Stay signed in" button; the button POSTs to accounts:stay_signed_in, which records
// activity. The server's timeout (accounts/middleware.py) stays the one that counts: this
// only warns, and once the limit has passed it reloads the page, so the sign-in page
// replaces personal data left on screen.
(function () {
  "use strict";
  var WARN_BEFORE_SECONDS = 120;
  var banner = document.getElementById("session-warning");
  if (!banner) {
    return;
  }
  var idleSeconds = parseInt(banner.getAttribute("data-idle-seconds"), 10);
  if (!(idleSeconds > 0)) {
    return;
  }
  var form = banner.querySelector("form");
  var warnTimer = null;
  var endTimer = null;

  function show() {
    var main = document.getElementById("main-content");
    if (main && banner.parentNode !== main) {
      main.insertBefore(banner, main.firstChild);
    }
    banner.hidden = false;
    banner.setAttribute("tabindex", "-1");
    banner.focus();
  }

  function start() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    banner.hidden = true;
    warnTimer = window.setTimeout(show, Math.max(idleSeconds - WARN_BEFORE_SECONDS, 0) * 1000);
    // A few seconds after the server's limit, so the reload meets the signed-out session.
    endTimer = window.setTimeout(function () {
      window.location.reload();
    }, (idleSeconds + 5) * 1000);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      if (response.status === 204) {
        start();
      } else {
        // Already signed out (or the server said no): show the sign-in page.
        window.location.reload();
      }
    }, function () {
      // Network trouble: leave the banner up so the person can try again.
    });
  });

  start();
})();
