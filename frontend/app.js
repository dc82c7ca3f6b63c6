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

window.htmx = htmx;
