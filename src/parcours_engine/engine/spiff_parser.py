"""SpiffWorkflow's BPMN parser, with its one quadratic step replaced by a linear one, and its XPath
expressions compiled once.

`ProcessParser._index_process_nodes` looks up every element with an id through the XPath
`.//*[@id]`. libxml2 merges the node sets of a `//` step with a duplicate check per node, which is
quadratic in the number of siblings: on a 10,000-element process it was most of the parsing time.
The same elements, in the same document order, come from a plain walk of the tree.

A first start of a pathway on a version no process has parsed yet pays the whole parse (the
runtime's own start and save are a few percent of it; issue 13). SpiffWorkflow's element parsers
ask `node.xpath(text)` several times per element, and lxml compiles the text at each call: most of
the parse of a 20,000-element model. `_CompiledXPath` gives every element parser the same
expressions compiled once (`etree.XPath`, same results, same order).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, ClassVar

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.util import DEFAULT_NSMAP
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, SpiffProcessParser
from SpiffWorkflow.spiff.parser.task_spec import SPIFFWORKFLOW_NSMAP, SpiffTaskParser

_Namespaces = tuple[tuple[str, str], ...]


@lru_cache(maxsize=512)
def compiled_xpath(path: str, namespaces: _Namespaces) -> etree.XPath:
    """`path` compiled once per namespace map (expressions naming an element id just miss)."""
    return etree.XPath(path, namespaces=dict(namespaces))


def _key(namespaces: dict[str, str]) -> _Namespaces:
    return tuple(sorted(namespaces.items()))


class _CompiledXPath:
    """Mixed into each of SpiffWorkflow's element parsers: XPath through `compiled_xpath`."""

    nsmap: dict[str, str]

    def _xpath(self, node: Any, xpath: str) -> Any:
        namespaces = _DEFAULT_KEY if self.nsmap is DEFAULT_NSMAP else _key(self.nsmap)
        return compiled_xpath(xpath, namespaces)(node)

    @staticmethod
    def _spiffworkflow_ready_xpath_for_node(node: Any) -> Callable[[str], Any]:
        # What SpiffWorkflow's `xpath_eval(node, SPIFFWORKFLOW_NSMAP)` evaluates with.
        return lambda path: compiled_xpath(path, _SPIFF_KEY)(node)


class _CompiledSpiffExtensions(_CompiledXPath):
    """For the parsers of the spiffworkflow: extensions: `SpiffTaskParser._parse_extensions`, with its
    XPath compiled (the same readers of each extension, through this class)."""

    node: Any

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        node = self.node if node is None else node
        extensions: dict[str, Any] = {}
        for child in compiled_xpath("./bpmn:extensionElements/spiffworkflow:*", _SPIFF_KEY)(node):
            name = etree.QName(child).localname
            reader = _EXTENSION_READERS.get(name)
            extensions[name] = getattr(type(self), reader)(child) if reader is not None else child.text
        return extensions


_EXTENSION_READERS = {
    "properties": "_parse_properties",
    "unitTests": "_parse_script_unit_tests",
    "serviceTaskOperator": "_parse_servicetask_operator",
    "taskMetadataValues": "_parse_task_metadata_values",
}
_DEFAULT_KEY = _key(DEFAULT_NSMAP)
_SPIFF_KEY = _key({**DEFAULT_NSMAP, **SPIFFWORKFLOW_NSMAP})


def _compiled(parser: type) -> type:
    mixin = _CompiledSpiffExtensions if issubclass(parser, SpiffTaskParser) else _CompiledXPath
    return type(parser.__name__, (mixin, parser), {})


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
    OVERRIDE_PARSER_CLASSES: ClassVar[dict[str, tuple[type, type]]] = {
        tag: (_compiled(parser), spec)
        for tag, (parser, spec) in {
            **BpmnParser.PARSER_CLASSES,
            **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        }.items()
    }
