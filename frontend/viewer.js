/**
 * Read-only diagram of a programme, e.g. where a person stands in their pathway.
 *
 * Bundled to static/dist/viewer.js; sets `window.ParcoursViewer`:
 *
 *   const viewer = await ParcoursViewer.show(container, bpmnXml, {
 *     highlight: ['Task_diagnostic'],                       // marker class `parcours-current`
 *     overlays: [{ element: 'Task_diagnostic', html: '<span>3 j</span>' }],
 *     markers: [{ element: 'Task_bilan', className: 'parcours-changed' }],
 *   });
 *
 * Showing again in the same container replaces the previous diagram. Overlay `html` is
 * inserted as HTML: the host passes markup it built and escaped itself.
 */

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

import spiffworkflow from './spiffworkflow-moddle.json';

const viewers = new WeakMap();

/**
 * Add markers and overlays to elements that exist in the diagram; unknown ids are ignored,
 * so that a page built from an older version of the model still renders.
 */
function decorate(viewer, { highlight = [], overlays = [], markers = [] }) {
  const registry = viewer.get('elementRegistry');
  const canvas = viewer.get('canvas');
  const overlayService = viewer.get('overlays');
  const known = (id) => Boolean(registry.get(id));
  highlight.filter(known).forEach((id) => canvas.addMarker(id, 'parcours-current'));
  markers.filter(({ element }) => known(element)).forEach(({ element, className }) => {
    canvas.addMarker(element, className);
  });
  overlays.filter(({ element }) => known(element)).forEach(({ element, html, position }) => {
    overlayService.add(element, 'parcours', { position: position || { top: -12, right: 12 }, html });
  });
}

/**
 * Render `bpmnXml` read-only in `container`, fitted to the viewport.
 *
 * @param {HTMLElement} container
 * @param {string} bpmnXml
 * @param {{highlight?: string[], overlays?: {element: string, html: string, position?: object}[],
 *          markers?: {element: string, className: string}[]}} [options]
 * @return {Promise<NavigatedViewer>} the bpmn-js viewer, for callers that need more
 */
export async function show(container, bpmnXml, options = {}) {
  const previous = viewers.get(container);
  if (previous) {
    previous.destroy();
  }
  const viewer = new NavigatedViewer({ container, moddleExtensions: { spiffworkflow } });
  viewers.set(container, viewer);
  await viewer.importXML(bpmnXml);
  viewer.get('canvas').zoom('fit-viewport', 'auto');
  decorate(viewer, options);
  if (options.centre) {
    centreOn(viewer, options.highlight || []);
  }
  return viewer;
}

/**
 * Centre the view on the elements `ids` (where a person stands) at a readable zoom: 1 (a task
 * 100 px wide), less when they do not fit side by side. False when none of them is drawn (the
 * person stands in a block called from here): the view stays fitted to the whole diagram.
 */
export function centreOn(viewer, ids, scale = 1) {
  const registry = viewer.get('elementRegistry');
  const canvas = viewer.get('canvas');
  const shapes = ids.map((id) => registry.get(id)).filter((s) => s && s.width !== undefined);
  if (!shapes.length) {
    return false;
  }
  const left = Math.min(...shapes.map((s) => s.x));
  const top = Math.min(...shapes.map((s) => s.y));
  const right = Math.max(...shapes.map((s) => s.x + s.width));
  const bottom = Math.max(...shapes.map((s) => s.y + s.height));
  const size = canvas.getSize();
  const margin = 120;
  const zoom = Math.min(scale, size.width / (right - left + margin), size.height / (bottom - top + margin));
  const width = size.width / zoom;
  const height = size.height / zoom;
  canvas.viewbox({
    x: (left + right) / 2 - width / 2,
    y: (top + bottom) / 2 - height / 2,
    width,
    height,
  });
  return true;
}

/** Zoom by `factor` around the centre of the view (the page's + and − buttons). */
export function zoomBy(viewer, factor) {
  const canvas = viewer.get('canvas');
  const box = canvas.viewbox();
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  canvas.zoom(Math.max(0.2, Math.min(4, canvas.zoom() * factor)), centre);
}

/** The whole diagram in the view. */
export function fit(viewer) {
  viewer.get('canvas').zoom('fit-viewport', 'auto');
}

window.ParcoursViewer = { show, centreOn, zoomBy, fit };
