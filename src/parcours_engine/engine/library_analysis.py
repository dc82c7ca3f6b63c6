"""One pass over a model library (`Analysis`): parse each file, index its processes, run the checks
(XSD, conventions, forms, calls, fields), build SpiffWorkflow's specs and the host's `ProcessModel`s;
problems accumulate, located, instead of raising. `loader` is its public face."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from lxml import etree

from parcours_engine.domain.errors import ModelError, ModelProblem
from parcours_engine.engine import checks
from parcours_engine.engine.form_checks import check_form_file
from parcours_engine.engine.programme_model import ElementMeta, ProcessModel, element_meta, property_value
from parcours_engine.engine.spiff_errors import spiff_problem
from parcours_engine.engine.xml import DOCUMENT, Document, parse_document, xsd_problems

if TYPE_CHECKING:
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser

# The file of a problem about the library as a whole rather than one of its files.
LIBRARY = ""


class Analysis:
    """One pass over a library: parse, check, build specs; problems accumulate in `problems`."""

    def __init__(self, bpmn_files: Mapping[str, bytes], form_files: Mapping[str, bytes], full: bool) -> None:
        self.bpmn_files = dict(bpmn_files)
        self.form_files = dict(form_files)
        self.full = full
        self.problems: list[ModelProblem] = []
        self.docs: dict[str, Document] = {}
        self.excluded: set[str] = set()  # files SpiffWorkflow must not see: invalid, or clashing ids
        self.processes: dict[str, tuple[Document, etree._Element]] = {}  # executable ones, by id
        self.programmes: list[str] = []
        self.failed: set[str] = set()  # processes SpiffWorkflow could not parse
        self.recursive: set[str] = set()  # processes that call themselves, directly or not
        self.parser: SpiffBpmnParser | None = None
        self.shared_forms: frozenset[str] | None = None  # forms whose field names are taken

    def check(self, only: str | None = None, files: frozenset[str] | None = None) -> list[ModelProblem]:
        """Run every step (only what `only`, a programme id, or `files` need when given); sorted."""
        for filename in sorted(self.bpmn_files):
            self._safely(filename, partial(self._parse, filename))
        self._safely(LIBRARY, self._index_processes)
        self._safely(LIBRARY, self._call_problems)
        if only is not None:
            wanted, docs = [only], self._closure_docs([only])
        elif files is not None:
            wanted = [pid for pid, (doc, _node) in self.processes.items() if doc.filename in files]
            docs = self._closure_docs(wanted) | (set(files) & set(self.docs)) - self.excluded
        else:
            wanted, docs = list(self.processes), set(self.docs) - self.excluded
        ctx = checks.Context(
            frozenset(self.programmes), frozenset(self.processes), frozenset(self.form_files), self.full
        )
        for filename in sorted(docs):
            self._safely(filename, partial(checks.check_document, self.docs[filename], ctx))
        forms = self._named_forms(docs) & set(self.form_files) if self.full else set()
        for name in sorted(forms):
            self._safely(name, partial(check_form_file, name, self.form_files[name]))
        known = [pid for pid in wanted if pid in self.processes]
        to_build = known if only is not None else sorted({p for pid in known for p in self._closure(pid)})
        self._safely(LIBRARY, partial(self._build_specs, to_build))
        for programme in [p for p in self.programmes if p in wanted] if only is None else []:
            self._safely(self.processes[programme][0].filename, partial(self._duplicate_ids, programme))
            if self.full:
                self._safely(LIBRARY, partial(self._field_problems, programme))
        unique = dict.fromkeys(self.problems)
        if files is not None:  # a neighbour's mistake is not the named files' fault
            keep = files | docs | forms | self._broken_callees(docs) | {LIBRARY}
            unique = dict.fromkeys(p for p in unique if p.file in keep)
        return sorted(unique, key=lambda p: (p.file, p.line or 0, p.element, p.message))

    def _safely(self, filename: str, run: Callable[[], Iterable[ModelProblem] | None]) -> None:
        """Run one step; an unexpected failure becomes a problem of the file, never a traceback."""
        try:
            self.problems.extend(run() or ())
        except ImportError:
            raise  # a broken installation, not a modeller's mistake
        except Exception as exc:
            self.problems.append(
                ModelProblem.coded(filename, None, DOCUMENT, "check.unreadable", detail=repr(exc))
            )

    def _parse(self, filename: str) -> list[ModelProblem]:
        parsed = parse_document(filename, self.bpmn_files[filename])
        if isinstance(parsed, ModelProblem):
            return [parsed]
        self.docs[filename] = parsed
        problems = xsd_problems(parsed) if self.full else []
        if problems:
            self.excluded.add(filename)
        return problems

    def _index_processes(self) -> list[ModelProblem]:
        problems: list[ModelProblem] = []
        seen: dict[str, Document] = {}
        for filename, doc in sorted(self.docs.items()):
            executable = []
            for node in doc.xpath("./bpmn:process"):
                pid = node.get("id") or ""
                if pid in seen:
                    other = seen[pid]
                    problems.append(
                        doc.problem(
                            node, "check.process_id_duplicate", process=repr(pid), file=other.filename
                        )
                    )
                    self.excluded.add(filename)
                    continue
                seen[pid] = doc
                if node.get("isExecutable", "true") == "true":
                    self.processes[pid] = (doc, node)
                    executable.append(pid)
            if "/" not in filename and filename not in self.excluded:
                self.programmes.extend(executable)
                if not executable:
                    problems.append(doc.problem(DOCUMENT, "check.no_executable", "warning", line=1))
        return problems

    def _broken_callees(self, docs: Iterable[str]) -> set[str]:
        """The excluded (unreadable) files defining a process that one of `docs` calls."""
        called = {
            str(c).strip() for d in docs for c in self.docs[d].xpath(".//bpmn:callActivity/@calledElement")
        }
        return {
            name
            for name in self.excluded & set(self.docs)
            if called.intersection(str(i) for i in self.docs[name].xpath("./bpmn:process/@id"))
        }

    def _named_forms(self, docs: Iterable[str]) -> set[str]:
        named: set[str] = set()
        for filename in set(docs) - self.excluded:
            for task in self.docs[filename].xpath(".//bpmn:userTask"):
                props = checks.properties(task)
                names = (
                    property_value(props, "formJsonSchemaFilename"),
                    property_value(props, "formUiSchemaFilename"),
                )
                named.update(name for name in names if name)
        return named

    def _build_specs(self, process_ids: list[str]) -> list[ModelProblem]:
        from parcours_engine.engine.spiff_parser import Parser

        # No validator: the XSD ran in _parse on the same tree (stored versions passed it when published).
        self.parser = parser = Parser()
        problems: list[ModelProblem] = []
        for filename, doc in sorted(self.docs.items()):
            if filename not in self.excluded:
                try:
                    parser.add_bpmn_xml(doc.tree, filename=filename)
                except Exception as exc:
                    problems.append(spiff_problem(exc, doc, DOCUMENT, self.docs))
                    self.excluded.add(filename)
        for pid in process_ids:
            problems += self._build_one(parser, pid)
        if self.full:
            problems += self._unreachable(parser, process_ids)
        return problems

    def _build_one(self, parser: SpiffBpmnParser, pid: str) -> list[ModelProblem]:
        doc, _node = self.processes[pid]
        if doc.filename in self.excluded:
            self.failed.add(pid)
            return []
        try:
            parser.get_spec(pid)
            # Embedded sub-processes and called blocks are parsed lazily: build them now, so their
            # errors are reported here and their tasks count as reachable. An unknown called
            # process is already reported, with its line, by the conventions check.
            if self._calls_only_known(pid):
                parser.get_subprocess_specs(pid)
        except Exception as exc:
            self.failed.add(pid)
            return [spiff_problem(exc, doc, pid, self.docs)]
        return []

    def _unreachable(self, parser: SpiffBpmnParser, process_ids: list[str]) -> list[ModelProblem]:
        parsed: set[str] = set()
        for process_parser in parser.process_parsers.values():
            if process_parser.spec is not None:
                parsed.update(process_parser.spec.task_specs)
        problems = []
        for pid in process_ids:
            doc, node = self.processes[pid]
            if pid in self.failed or doc.filename in self.excluded:
                continue
            nodes = checks.flow_nodes(doc, node)
            if any(checks.is_reserved_id(n.get("id")) for n in nodes):
                continue  # SpiffWorkflow's own Start/End replaced: the reserved id is the one error to fix
            for flow_node in nodes:
                if flow_node.get("id") not in parsed and flow_node.get("isForCompensation") != "true":
                    problems.append(doc.problem(flow_node, "check.unreachable"))
        return problems

    def _call_problems(self) -> list[ModelProblem]:
        """Processes calling themselves (SpiffWorkflow would expand them without end) or nested too deep."""
        from parcours_engine.engine.budgets import current
        from parcours_engine.engine.graph_checks import check_calls, recursive

        calls = {
            pid: [
                (doc, call, (call.get("calledElement") or "").strip())
                for call in doc.elements("bpmn:callActivity", node=node)
            ]
            for pid, (doc, node) in self.processes.items()
        }
        self.recursive = recursive(
            {pid: [called for _d, _c, called in found] for pid, found in calls.items()}
        )
        return list(check_calls(calls, current().call_depth))

    def _calls_only_known(self, programme: str) -> bool:
        if self.recursive.intersection(self._closure(programme)):
            return False  # SpiffWorkflow would expand the calls without end; reported by _call_problems
        for pid in self._closure(programme):
            doc, node = self.processes[pid]
            called = doc.xpath(".//bpmn:callActivity/@calledElement", node)
            if any(str(c).strip() not in self.processes for c in called):
                return False
        return True

    def _closure(self, programme: str) -> list[str]:
        """The programme and every process it calls, transitively (unknown ids are reported elsewhere)."""
        order, pending = [programme], [programme]
        while pending:
            doc, node = self.processes[pending.pop()]
            for called in doc.xpath(".//bpmn:callActivity/@calledElement", node):
                called_id = str(called).strip()
                if called_id in self.processes and called_id not in order:
                    order.append(called_id)
                    pending.append(called_id)
        return order

    def _closure_docs(self, programmes: list[str]) -> set[str]:
        known = [p for p in programmes if p in self.processes]
        return {self.processes[pid][0].filename for p in known for pid in self._closure(p)}

    def _duplicate_ids(self, programme: str) -> list[ModelProblem]:
        return self._elements(programme)[1]

    def _field_problems(self, programme: str) -> list[ModelProblem]:
        """One meaning per field name across the forms the programme and its blocks fill."""
        from parcours_engine.engine.field_checks import field_problems

        named = [form for pid in self._closure(programme) for form in self._forms_of(*self.processes[pid])]
        return field_problems(named, self._shared_forms(), self.form_files)

    def _forms_of(self, doc: Document, node: etree._Element) -> list[str]:
        tasks = doc.elements("bpmn:userTask", node=node)
        return [
            form for t in tasks if (form := property_value(checks.properties(t), "formJsonSchemaFilename"))
        ]

    def _shared_forms(self) -> frozenset[str]:
        """Forms a block names, or that several programmes name: their field names are taken."""
        if self.shared_forms is None:
            by_file = {
                name: set(self._forms_of(doc, doc.root))
                for name, doc in self.docs.items()
                if name not in self.excluded
            }
            in_blocks = {form for name, forms in by_file.items() if "/" in name for form in forms}
            counts: dict[str, int] = {}
            for name, forms in by_file.items():
                for form in forms if "/" not in name else ():
                    counts[form] = counts.get(form, 0) + 1
            self.shared_forms = frozenset(in_blocks | {form for form, n in counts.items() if n > 1})
        return self.shared_forms

    def _elements(self, programme: str) -> tuple[dict[str, ElementMeta], list[ModelProblem]]:
        """The metadata of every flow node the programme runs, and the ids its files share."""
        elements: dict[str, ElementMeta] = {}
        where: dict[str, str] = {}
        problems = []
        for pid in self._closure(programme):
            doc, node = self.processes[pid]
            in_lane = checks.lanes_by_node(doc)
            for flow_node in checks.flow_nodes(doc, node):
                meta = element_meta(flow_node, in_lane)
                if meta.element_id in elements and where[meta.element_id] != doc.filename:
                    problems.append(
                        doc.problem(
                            flow_node, "check.id_shared", file=where[meta.element_id], programme=programme
                        )
                    )
                elements.setdefault(meta.element_id, meta)
                where.setdefault(meta.element_id, doc.filename)
        return elements, problems

    def models(self, programme_ids: Iterable[str]) -> dict[str, ProcessModel]:
        try:
            return {pid: self._model(pid) for pid in programme_ids}
        except ImportError:
            raise
        except Exception as exc:  # a safety net: checks passed, yet SpiffWorkflow still failed
            problem = ModelProblem.coded(LIBRARY, None, DOCUMENT, "check.unloadable", detail=repr(exc))
            raise ModelError([problem]) from exc

    def _model(self, pid: str) -> ProcessModel:
        if self.parser is None:
            raise RuntimeError("specs were not built")
        doc, node = self.processes[pid]
        closure = self._closure(pid)
        filenames = sorted({self.processes[p][0].filename for p in closure})
        elements, _duplicates = self._elements(pid)
        form_names = {name for meta in elements.values() for name in (meta.form, meta.ui_form) if name}
        days = checks.whole_number(checks.properties(node).get("idleThresholdDays"))
        return ProcessModel(
            process_id=pid,
            name=node.get("name") or pid,
            filename=doc.filename,
            spec=self.parser.get_spec(pid),
            subprocess_specs=self.parser.get_subprocess_specs(pid),
            files={name: _as_bytes(self.bpmn_files[name]) for name in filenames},
            forms={name: _as_bytes(self.form_files[name]) for name in sorted(form_names)},
            idle_threshold_days=days or 0,
            elements=elements,
            appointments_planned=property_value(checks.properties(node), "appointmentsCountAsPlanned")
            == "true",
        )


def _as_bytes(data: Any) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)
