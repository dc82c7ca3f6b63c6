// A read-only programme diagram (viewer.js) in #diagram: its XML from data-xml-url, the elements of
// data-highlight (comma-separated ids: where a pathway stands) highlighted, the overlays of
// data-overlays (JSON [{element, html}], built and escaped by the server: where people wait) and the
// markers of data-markers (JSON [{element, className}]: what changed since an older version).
// data-ready="true" once drawn.
document.addEventListener('DOMContentLoaded', async () => {
  const el = document.getElementById('diagram');
  if (!el || !window.ParcoursViewer) {
    return;
  }
  const response = await fetch(el.dataset.xmlUrl, { credentials: 'same-origin' });
  if (!response.ok) {
    return;
  }
  const highlight = (el.dataset.highlight || '').split(',').filter(Boolean);
  const overlays = JSON.parse(el.dataset.overlays || '[]');
  const markers = JSON.parse(el.dataset.markers || '[]');
  await window.ParcoursViewer.show(el, await response.text(), { highlight, overlays, markers });
  el.dataset.ready = 'true';
});
