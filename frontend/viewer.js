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
  return viewer;
}

window.ParcoursViewer = { show };
