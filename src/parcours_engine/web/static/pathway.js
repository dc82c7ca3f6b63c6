// Pathway page: draw the programme's diagram with the current position highlighted (viewer.js).
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
  await window.ParcoursViewer.show(el, await response.text(), { highlight });
});
