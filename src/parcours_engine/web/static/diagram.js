// A read-only programme diagram (viewer.js) in #diagram: its XML from data-xml-url, the elements of
// data-highlight (comma-separated ids: where a pathway stands) highlighted, the overlays of
// data-overlays (JSON [{element, html}], built and escaped by the server: where people wait) and the
// markers of data-markers (JSON [{element, className}]: what changed since an older version);
// data-centre="true" centres the view on the highlighted elements at a readable zoom.
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
  const centre = el.dataset.centre === 'true';
  const viewer = await window.ParcoursViewer.show(el, await response.text(), {
    highlight,
    overlays,
    markers,
    centre,
  });
  // Buttons with data-diagram-action (zoom-in, zoom-out, centre, fit) drive the view; the wheel and a
  // drag do too (bpmn-js's NavigatedViewer).
  document.querySelectorAll('[data-diagram-action]').forEach((button) => {
    button.addEventListener('click', () => {
      const action = button.dataset.diagramAction;
      if (action === 'zoom-in') {
        window.ParcoursViewer.zoomBy(viewer, 1.25);
      } else if (action === 'zoom-out') {
        window.ParcoursViewer.zoomBy(viewer, 0.8);
      } else if (action === 'centre') {
        if (!window.ParcoursViewer.centreOn(viewer, highlight)) {
          window.ParcoursViewer.fit(viewer);
        }
      } else if (action === 'fit') {
        window.ParcoursViewer.fit(viewer);
      }
    });
  });
  el.dataset.ready = 'true';
});
