/**
 * Loaded by every page (static/dist/app.js): htmx, and the CSRF token on its requests.
 *
 * Flask-WTF's CSRF protection reads the token from the `X-CSRFToken` header; the base
 * template renders it in `<meta name="csrf-token" content="...">`. htmx sends it on every
 * request that changes something (GET and HEAD are left alone, as Flask-WTF does).
 *
 * The Content-Security-Policy allows no inline script or style (web/security.py), so what pages
 * did inline is here: `data-print` buttons print the page, `data-back` links go back in the
 * history (their href is where to go without it), and htmx adds no <style> of its own.
 *
 * Tables wider than the screen scroll within a `.table-scroll` box instead of widening the page
 * (a 390 px phone): each table of `main` not already in one (or in a `.scroll`) is wrapped, also
 * after an htmx swap. These boxes take the keyboard focus, so that they scroll without a mouse.
 */

import htmx from 'htmx.org';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute('content') : null;
}

document.addEventListener('htmx:configRequest', (event) => {
  const token = csrfToken();
  if (token && !SAFE_METHODS.has(String(event.detail.verb).toUpperCase())) {
    event.detail.headers['X-CSRFToken'] = token;
  }
});

htmx.config.includeIndicatorStyles = false; // an inline <style>: refused by the CSP
htmx.config.allowEval = false; // no eval under the CSP (hx-on, hx-vars and trigger filters unused)

document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (target?.closest('[data-print]')) {
    window.print();
  } else if (target?.closest('a[data-back]') && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

function wrapTables(root) {
  for (const table of root.querySelectorAll('main table')) {
    if (table.closest('.table-scroll, .scroll, .djs-container')) continue;
    const box = document.createElement('div');
    box.className = 'table-scroll';
    table.replaceWith(box);
    box.appendChild(table);
  }
  for (const box of root.querySelectorAll('main .table-scroll, main .scroll')) {
    if (!box.hasAttribute('tabindex')) box.tabIndex = 0;
  }
}

wrapTables(document);
document.addEventListener('htmx:afterSwap', () => wrapTables(document));

window.htmx = htmx;
