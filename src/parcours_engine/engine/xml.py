"""Hardened parsing of uploaded BPMN files: the one place where model bytes become an XML tree.

Uploads come from coordinators' browsers, so every file is parsed here with entities, DTDs and network
access off, and any DOCTYPE or entity declaration is refused before the bytes reach anyone else
(SpiffWorkflow, the XSD validator). Problems come back as `ModelProblem`s located by file and line.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from parcours_engine.domain.errors import ModelProblem
from parcours_engine.domain.messages import known
from parcours_engine.engine.script_messages import library_words

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "spiffworkflow": SPIFF_NS}

DOCUMENT = "document"  # the element name of a problem that concerns the whole file

# Cheap first gate on the raw bytes; the parsed tree's docinfo is checked as well, for encodings
# (UTF-16...) where the declaration does not appear as ASCII bytes.
_DTD_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_LXML_POSITION = re.compile(r",? line \d+, column \d+$")
_SHORT_NS = {
    f"{{{BPMN_NS}}}": "bpmn:",
    f"{{{BPMNDI_NS}}}": "bpmndi:",
    f"{{{SPIFF_NS}}}": "spiffworkflow:",
    "{http://www.omg.org/spec/DD/20100524/DC}": "dc:",
    "{http://www.omg.org/spec/DD/20100524/DI}": "di:",
}
# SpiffWorkflow's shared validator keeps its error log on the schema object: one validation at a time.
_XSD_LOCK = threading.Lock()


@dataclass
class Document:
    """One parsed BPMN file, with its elements indexed by id for locating problems."""

    filename: str
    tree: etree._ElementTree
    by_id: dict[str, etree._Element] = field(default_factory=dict)

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()

    def line_of(self, element_id: str | None) -> int | None:
        """The line where the element with this id starts, if the file has one."""
        element = self.by_id.get(element_id) if element_id else None
        return None if element is None else element.sourceline

    def xpath(self, path: str, node: etree._Element | None = None) -> list[etree._Element]:
        found = (self.root if node is None else node).xpath(path, namespaces=NSMAP)
        return found if isinstance(found, list) else []

    def elements(self, *names: str, node: etree._Element | None = None) -> list[etree._Element]:
        """Descendants named `prefix:tag` (e.g. "bpmn:lane"), in document order.

        Use this rather than an XPath union (`.//a | .//b`): libxml2 merges a union's node sets
        with a check per node, quadratic on a large model; a tag filter is linear.
        """
        tags = [f"{{{NSMAP[prefix]}}}{tag}" for prefix, tag in (name.split(":", 1) for name in names)]
        return list((self.root if node is None else node).iterdescendants(*tags))

    def problem(
        self,
        element: etree._Element | str,
        message: str,
        severity: str = "error",
        line: int | None = None,
        **params: Any,
    ) -> ModelProblem:
        """A problem at an element (its id and line) or at a named place of this file. `message` is a
        code of the catalogue (domain.check_messages) with its `params`: the command line prints its
        English text, the studio its French one naming the element by its name."""
        if isinstance(element, str):
            node = self.by_id.get(element)
            where = line if line is not None else self.line_of(element)
            element_id = element
        else:
            node, where = element, line if line is not None else element.sourceline
            element_id = element.get("id") or etree.QName(element).localname
        name = " ".join((node.get("name") or "").split()) if node is not None else ""
        if known(message):
            return ModelProblem.coded(self.filename, where, element_id, message, severity, name, **params)
        return ModelProblem(self.filename, where, element_id, message, severity, name=name)


def _hardened_parser() -> etree.XMLParser:
    # A new parser per call: lxml parser objects must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _refusal(filename: str, line: int) -> ModelProblem:
    return ModelProblem.coded(filename, line, DOCUMENT, "check.dtd")


def parse_document(filename: str, data: bytes) -> Document | ModelProblem:
    """Parse one upload; a problem instead when it is not well-formed, not BPMN or carries a DTD."""
    if isinstance(data, str):  # tolerate text; lxml refuses str with an encoding declaration
        data = data.encode("utf-8")
    marker = _DTD_MARKUP.search(data)
    if marker:
        return _refusal(filename, _line_at(data, marker.start()))
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as exc:
        message = _LXML_POSITION.sub("", str(exc.msg or exc))
        return ModelProblem.coded(
            filename, exc.lineno or 1, DOCUMENT, "check.malformed", detail=library_words("xml", message)
        )
    except (etree.LxmlError, ValueError) as exc:
        return ModelProblem.coded(
            filename, 1, DOCUMENT, "check.malformed", detail=library_words("xml", str(exc))
        )
    if root is None:
        return ModelProblem.coded(filename, 1, DOCUMENT, "check.empty_file")
    tree = root.getroottree()
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        return _refusal(filename, 1)
    # Versions are stored as UTF-8 text: any other encoding must be refused here, not fail at publish.
    declared = (info.encoding or "UTF-8").upper().replace("_", "-")
    if declared not in ("UTF-8", "UTF8"):
        return ModelProblem.coded(filename, 1, DOCUMENT, "check.encoding_declared", encoding=info.encoding)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_at(data, exc.start)
        return ModelProblem.coded(filename, line, DOCUMENT, "check.not_utf8")
    if root.tag != f"{{{BPMN_NS}}}definitions":
        tag = shorten(root.tag) if isinstance(root.tag, str) else "?"
        return ModelProblem.coded(filename, root.sourceline, DOCUMENT, "check.not_bpmn", tag=tag)
    return Document(filename, tree, _index_ids(root))


def _index_ids(root: etree._Element) -> dict[str, etree._Element]:
    by_id: dict[str, etree._Element] = {}
    for element in root.iter(etree.Element):  # elements only: no comments or processing instructions
        element_id = element.get("id")
        if element_id and element_id not in by_id:
            by_id[element_id] = element
    return by_id


def local(element: etree._Element) -> str:
    """The element's tag without its namespace: `userTask`, `sequenceFlow`..."""
    return etree.QName(element).localname


def shorten(text: str) -> str:
    """Replace namespace URIs in braces by the usual prefixes, for readable messages."""
    for uri, prefix in _SHORT_NS.items():
        text = text.replace(uri, prefix)
    return text


def xsd_problems(doc: Document) -> list[ModelProblem]:
    """Every BPMN 2.0 + spiffworkflow XSD violation of the document, each with its line."""
    from SpiffWorkflow.spiff.parser import VALIDATOR

    with _XSD_LOCK:
        # The same rewrite SpiffWorkflow applies before validating (bpmn-js correlation quirk).
        VALIDATOR.preprocess(doc.tree)
        if VALIDATOR.validator.validate(doc.tree):
            return []
        entries = [(entry.line, entry.message) for entry in VALIDATOR.validator.error_log]
    by_line: dict[int, str] = {}
    for element_id, element in doc.by_id.items():
        if element.sourceline is not None:
            by_line.setdefault(element.sourceline, element_id)
    return [
        ModelProblem.coded(
            doc.filename,
            line or None,
            by_line.get(line, DOCUMENT),
            "check.xsd",
            detail=library_words("xsd", shorten(msg)),
        )
        for line, msg in entries
    ]
