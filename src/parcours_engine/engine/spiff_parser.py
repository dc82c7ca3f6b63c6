"""SpiffWorkflow's BPMN parser, with its one quadratic step replaced by a linear one.

`ProcessParser._index_process_nodes` looks up every element with an id through the XPath
`.//*[@id]`. libxml2 merges the node sets of a `//` step with a duplicate check per node, which is
quadratic in the number of siblings: on a 10,000-element process it was most of the parsing time.
The same elements, in the same document order, come from a plain walk of the tree.
"""

from __future__ import annotations

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, SpiffProcessParser


class LinearProcessParser(SpiffProcessParser):
    def _index_process_nodes(self) -> None:
        for node in self.node.iterdescendants():
            node_id = node.get("id") if isinstance(node.tag, str) else None
            if node_id is None:
                continue
            self.nodes_by_id[node_id] = node
            tag = node.tag
            if tag.endswith("sequenceFlow"):
                self.outgoing_sequence_flows.setdefault(node.get("sourceRef"), []).append(node)
            elif tag.endswith("boundaryEvent"):
                self.boundary_events_by_attached.setdefault(node.get("attachedToRef"), []).append(node)
            elif tag.endswith("dataObjectReference"):
                self.data_object_references[node_id] = node
            elif tag.endswith("dataStoreReference"):
                self.data_store_references[node_id] = node


class Parser(SpiffBpmnParser):
    """`SpiffBpmnParser` (the spiffworkflow: extensions) using `LinearProcessParser`."""

    PROCESS_PARSER_CLASS = LinearProcessParser
