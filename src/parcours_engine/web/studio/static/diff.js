// Versions page: draw the newer version with its added and changed elements marked
// (ParcoursDiff.compare over both versions' XML, ParcoursViewer markers).
document.addEventListener('DOMContentLoaded', async () => {
  const el = document.getElementById('diff-diagram');
  if (!el || !window.ParcoursViewer || !window.ParcoursDiff) {
    return;
  }
  const fetchText = async (url) => (await fetch(url, { credentials: 'same-origin' })).text();
  const [oldXml, newXml] = await Promise.all([fetchText(el.dataset.oldUrl), fetchText(el.dataset.newUrl)]);
  const changes = await window.ParcoursDiff.compare(oldXml, newXml);
  const markers = changes.added.map((element) => ({ element, className: 'parcours-added' }))
    .concat(changes.changed.map((element) => ({ element, className: 'parcours-changed' })));
  await window.ParcoursViewer.show(el, newXml, { markers });
  el.dataset.ready = 'true';
});
