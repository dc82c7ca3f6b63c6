"""Checks on the shape of a model: loops that wait for nobody, processes that call themselves.

Both would make a pathway run away at run time (the budgets stop it there, as an incident); what can
be known from the model alone is refused at publish instead, located on an element of the loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from lxml import etree

from parcours_engine.domain.errors import ModelProblem
from parcours_engine.engine.xml import Document, local

# Where a token stops until a person, a message, a timer or a called process moves it on.
WAIT_STATES = frozenset(
    {
        "userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "eventBasedGateway",
        "callActivity", "subProcess", "transaction", "adHocSubProcess",
    }
)  # fmt: skip


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, without recursion (models can be large)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _cycles(graph: Mapping[str, list[str]]) -> list[list[str]]:
    return [c for c in strongly_connected(graph) if len(c) > 1 or c[0] in graph.get(c[0], ())]


def check_wait_free_loops(doc: Document, flow_nodes: list[etree._Element]) -> Iterator[ModelProblem]:
    """A loop of sequence flows through automatic steps only (script → gateway → back) never stops."""
    automatic = {node.get("id"): node for node in flow_nodes if local(node) not in WAIT_STATES}
    order = {node_id: position for position, node_id in enumerate(automatic)}
    graph: dict[str, list[str]] = {node_id: [] for node_id in automatic if node_id}
    for flow in doc.elements("bpmn:sequenceFlow"):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in graph and target in graph:
            graph[source].append(target)
    for cycle in _cycles(graph):
        members = [automatic[i] for i in sorted(cycle, key=order.__getitem__)]  # document order
        names = " → ".join(n.get("id") or "" for n in members[:5]) + (" → …" if len(members) > 5 else "")
        yield doc.problem(members[0], "check.endless_loop", names=names)


def recursive(calls: Mapping[str, Iterable[str]]) -> set[str]:
    """The processes of `calls` (process id → the ids it calls) that end up calling themselves."""
    graph = {pid: [c for c in called if c in calls] for pid, called in calls.items()}
    return {pid for cycle in _cycles(graph) for pid in cycle}


def check_calls(
    calls: Mapping[str, list[tuple[Document, etree._Element, str]]], max_depth: int
) -> Iterator[ModelProblem]:
    """Processes that call themselves (directly or through others), and calls nested too deeply.

    `calls` maps a process id to its call activities: (document, element, called process id).
    """
    graph = {pid: [called for _doc, _el, called in found if called in calls] for pid, found in calls.items()}
    in_cycle: set[str] = set()
    for cycle in _cycles(graph):
        members = set(cycle)
        in_cycle |= members
        for pid in sorted(members):
            for doc, element, called in calls[pid]:
                if called in members:
                    if called == pid:
                        yield doc.problem(element, "check.calls_itself")
                    else:
                        yield doc.problem(element, "check.calls_back", called=called, process=pid)
    depth = _call_depths(graph, in_cycle)
    for _pid, found in sorted(calls.items()):
        for doc, element, called in found:
            if called in depth and called not in in_cycle and depth[called] + 1 > max_depth:
                yield doc.problem(element, "check.calls_too_deep", depth=depth[called] + 1, limit=max_depth)


def _call_depths(graph: Mapping[str, list[str]], in_cycle: set[str]) -> dict[str, int]:
    """How many calls deep each process goes (1: calls nothing), processes in a cycle left out."""
    depth: dict[str, int] = {}
    for root in graph:
        if root in depth or root in in_cycle:
            continue
        work = [(root, False)]
        while work:
            node, expanded = work.pop()
            if node in depth:
                continue
            children = [c for c in graph.get(node, ()) if c not in in_cycle]
            if expanded:
                depth[node] = 1 + max((depth.get(c, 1) for c in children), default=0)
                continue
            work.append((node, True))
            work.extend((c, False) for c in children if c not in depth)
    return depth
