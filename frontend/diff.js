/**
 * Semantic comparison of two BPMN documents (bpmn-js-differ over bpmn-moddle), e.g. two
 * published versions of a programme. Only element ids come out, sorted, so that a page can
 * list them or mark them on a diagram (ParcoursViewer.show's `markers` option).
 */

import { BpmnModdle } from 'bpmn-moddle';
import { diff } from 'bpmn-js-differ';

import spiffworkflow from './spiffworkflow-moddle.json';

async function definitions(xml) {
  const moddle = new BpmnModdle({ spiffworkflow });
  const { rootElement } = await moddle.fromXML(xml);
  return rootElement;
}

/**
 * Compare two BPMN XML documents.
 *
 * @param {string} oldXml
 * @param {string} newXml
 * @return {Promise<{added: string[], removed: string[], changed: string[], layoutChanged: string[]}>}
 *   ids of elements added, removed, whose attributes changed (name, properties, ...), and whose
 *   position or shape changed only in the diagram.
 */
export async function compare(oldXml, newXml) {
  const [before, after] = await Promise.all([definitions(oldXml), definitions(newXml)]);
  const changes = diff(before, after);
  const ids = (found) => Object.keys(found).sort();
  return {
    added: ids(changes._added),
    removed: ids(changes._removed),
    changed: ids(changes._changed),
    layoutChanged: ids(changes._layoutChanged),
  };
}
