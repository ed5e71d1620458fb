// Starts GOV.UK Frontend's components, on the page and on content htmx swaps in.
//
// A module script runs after the document is parsed but before DOMContentLoaded, which
// is when htmx starts: so the settings below are in place before htmx does anything.
import { initAll } from "../dist/govuk-frontend.min.js";

const htmx = window.htmx;

if (htmx) {
  // With a history cache, the Back button restores a page's HTML snapshot, whose
  // components are already marked as initialised but have no event handlers: dead
  // menus and accordions. Without it, htmx fetches the page afresh.
  htmx.config.historyCacheSize = 0;
  // htmx would add its indicator styles as an inline <style>, which our CSP refuses;
  // incidentdesk.css carries the same rules.
  htmx.config.includeIndicatorStyles = false;
  // hx-on and js: values need eval, which our CSP refuses too: fail plainly instead.
  htmx.config.allowEval = false;

  // htmx calls this once for <body> when it starts, then once for each piece of swapped
  // content. Scoping initAll to that element matters: initialising a component twice
  // throws, so the rest of the page must be left alone.
  htmx.onLoad((element) => initAll({ scope: element }));
} else {
  initAll();
}
