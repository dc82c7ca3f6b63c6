/**
 * Loaded by every page (static/dist/app.js): htmx, and the CSRF token on its requests.
 *
 * Flask-WTF's CSRF protection reads the token from the `X-CSRFToken` header; the base
 * template renders it in `<meta name="csrf-token" content="...">`. htmx sends it on every
 * request that changes something (GET and HEAD are left alone, as Flask-WTF does).
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

window.htmx = htmx;
