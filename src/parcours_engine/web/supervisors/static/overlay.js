// Programme diagram for supervisors: on each element, how many pathways wait there and their median
// wait (viewer.js). The server built and escaped each overlay's HTML (supervisors/stalled.py).
document.addEventListener('DOMContentLoaded', async () => {
  const el = document.getElementById('diagram');
  if (!el || !window.ParcoursViewer) {
    return;
  }
  const response = await fetch(el.dataset.xmlUrl, { credentials: 'same-origin' });
  if (!response.ok) {
    return;
  }
  const overlays = JSON.parse(el.dataset.overlays || '[]');
  await window.ParcoursViewer.show(el, await response.text(), { overlays });
});
