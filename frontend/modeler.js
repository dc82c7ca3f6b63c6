/**
 * The BPMN editor of the administration pages: bpmn-js Modeler, the properties panel with our
 * "Parcours" group (parcours-properties.js), bpmnlint's recommended rules (frontend/.bpmnlintrc,
 * packed at build time by build.mjs) and French labels (translate-fr.js).
 *
 * Bundled to static/dist/modeler.js; sets `window.ParcoursModeler`:
 *
 *   const editor = await ParcoursModeler.create(container, {
 *     propertiesPanel: panelElement,   // optional: where the properties panel goes
 *     xml,                             // optional: a new empty diagram otherwise
 *     lint: true,                      // bpmnlint overlays and button (default true)
 *     lang: 'fr',                      // 'fr' or 'en'; default: <html lang>, French first
 *     onChange: (editor) => {},        // after each edit (e.g. mark a form as modified)
 *     forms: () => ['a.schema.json'],  // the form files the properties panel offers
 *   });
 *   await editor.getXML();             // formatted XML string
 *   editor.highlightErrors([{ element: 'Task_x', message: '...' }]);
 *   editor.fit();                      // fitted to the canvas, zoom within [MIN_ZOOM, MAX_ZOOM]
 */

import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';

import bpmnlintConfig from './.bpmnlintrc';
import parcoursPropertiesModule from './parcours-properties.js';
import spiffworkflow from './spiffworkflow-moddle.json';
import translateFrModule from './translate-fr.js';

const ERROR_MARKER = 'parcours-error';

/**
 * The zoom a diagram opens at: fitted to the canvas, but never below MIN_ZOOM (at 1 a new task,
 * 100x80 in the model, is 100x80 px: readable; a large model is then scrolled, from its start)
 * nor above MAX_ZOOM (a three-element model does not fill the screen with giant shapes).
 */
export const MIN_ZOOM = 1;
export const MAX_ZOOM = 1.5;
const MARGIN = 40;

function escapeHtml(text) {
  const span = document.createElement('span');
  span.textContent = String(text);
  return span.innerHTML;
}

function isFrench(lang) {
  const chosen = lang || document.documentElement.lang || 'fr';
  return chosen.toLowerCase().startsWith('fr');
}

function modelerOptions(container, options) {
  const lint = options.lint !== false;
  const additionalModules = [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, parcoursPropertiesModule];
  if (lint) {
    additionalModules.push(lintModule);
  }
  if (isFrench(options.lang)) {
    additionalModules.push(translateFrModule);
  }
  return {
    container,
    additionalModules,
    moddleExtensions: { spiffworkflow },
    propertiesPanel: options.propertiesPanel ? { parent: options.propertiesPanel } : undefined,
    parcoursForms: { list: options.forms || (() => []) },
    linting: lint ? { bpmnlint: bpmnlintConfig, active: true } : undefined,
  };
}

/** The editor handle returned by `create`: a small facade over the bpmn-js Modeler. */
class ParcoursEditor {
  constructor(modeler) {
    /** The underlying bpmn-js Modeler, for what this facade does not cover. */
    this.modeler = modeler;
    this._errorElements = [];
  }

  /** The diagram as formatted BPMN XML. */
  async getXML() {
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  /** bpmn-js's saveXML: resolves to `{ xml }`. */
  saveXML(options = { format: true }) {
    return this.modeler.saveXML(options);
  }

  /** Replace the diagram; resolves to `{ warnings }`. Error highlights are cleared. */
  async importXML(xml) {
    this.clearErrors();
    const result = await this.modeler.importXML(xml);
    this.fit();
    return result;
  }

  /**
   * Fit the diagram to the canvas within [MIN_ZOOM, MAX_ZOOM]. When the whole model does not fit
   * at MIN_ZOOM, its left end (where the start event stands) is shown, centred vertically on the
   * first start event. Returns the zoom applied.
   */
  fit() {
    const canvas = this.modeler.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    const fitted = canvas.zoom();
    if (fitted >= MIN_ZOOM && fitted <= MAX_ZOOM) {
      return fitted;
    }
    const box = canvas.viewbox();
    const inner = box.inner;
    if (fitted > MAX_ZOOM) {
      canvas.zoom(MAX_ZOOM, { x: inner.x + inner.width / 2, y: inner.y + inner.height / 2 });
      return canvas.zoom();
    }
    const { width, height } = box.outer;
    const start = this.modeler.get('elementRegistry').find((element) => element.type === 'bpmn:StartEvent');
    const middle = start ? start.y + start.height / 2 : inner.y + inner.height / 2;
    const top = Math.max(inner.y - MARGIN, Math.min(middle - height / (2 * MIN_ZOOM), inner.y + inner.height + MARGIN - height / MIN_ZOOM));
    canvas.viewbox({ x: inner.x - MARGIN, y: top, width: width / MIN_ZOOM, height: height / MIN_ZOOM });
    return canvas.zoom();
  }

  /**
   * Mark the elements a check found problems with (marker class `parcours-error` and an
   * overlay listing the messages). Replaces earlier highlights.
   *
   * @param {{element: string, message: string}[]} errors
   * @return {{element: string, message: string}[]} the errors whose element is not in the
   *   diagram (problems of the whole model, or of an unknown id), for the page to list
   */
  highlightErrors(errors) {
    this.clearErrors();
    const registry = this.modeler.get('elementRegistry');
    const byElement = new Map();
    const unplaced = [];
    for (const error of errors) {
      if (error.element && registry.get(error.element)) {
        byElement.set(error.element, [...(byElement.get(error.element) || []), error.message]);
      } else {
        unplaced.push(error);
      }
    }
    const canvas = this.modeler.get('canvas');
    const overlays = this.modeler.get('overlays');
    for (const [element, messages] of byElement) {
      canvas.addMarker(element, ERROR_MARKER);
      const items = messages.map((message) => `<li>${escapeHtml(message)}</li>`).join('');
      overlays.add(element, ERROR_MARKER, {
        position: { bottom: -4, left: 0 },
        html: `<ul class="parcours-error-overlay">${items}</ul>`,
      });
      this._errorElements.push(element);
    }
    return unplaced;
  }

  /** Remove the highlights of `highlightErrors`. */
  clearErrors() {
    const canvas = this.modeler.get('canvas');
    const registry = this.modeler.get('elementRegistry');
    for (const element of this._errorElements) {
      if (registry.get(element)) {
        canvas.removeMarker(element, ERROR_MARKER);
      }
    }
    this.modeler.get('overlays').remove({ type: ERROR_MARKER });
    this._errorElements = [];
  }

  /**
   * Run bpmnlint now (it also runs after each change when `lint` is on).
   *
   * @return {Promise<{element: string, rule: string, category: string, message: string}[]>}
   */
  async lint() {
    const results = await this.modeler.get('linting').lint();
    const issues = [];
    for (const [rule, reports] of Object.entries(results)) {
      for (const report of reports) {
        issues.push({ element: report.id, rule, category: report.category, message: report.message });
      }
    }
    return issues.sort((a, b) => `${a.element} ${a.rule}`.localeCompare(`${b.element} ${b.rule}`));
  }

  destroy() {
    this.modeler.destroy();
  }
}

/**
 * Create an editor in `container` and import `options.xml` (or a new empty diagram).
 *
 * @param {HTMLElement} container
 * @param {{propertiesPanel?: HTMLElement, xml?: string, lint?: boolean, lang?: string,
 *          onChange?: (editor: ParcoursEditor) => void, forms?: () => string[]}} [options]
 * @return {Promise<ParcoursEditor>}
 */
export async function create(container, options = {}) {
  const modeler = new Modeler(modelerOptions(container, options));
  const editor = new ParcoursEditor(modeler);
  if (options.xml) {
    await editor.importXML(options.xml);
  } else {
    await modeler.createDiagram();
  }
  if (options.onChange) {
    modeler.on('commandStack.changed', () => options.onChange(editor));
  }
  return editor;
}

window.ParcoursModeler = { create };
