#!/usr/bin/env python3
"""Compute the diagram (BPMN DI) of a parcours-engine model from its semantic part.

Usage (from the repository root)::

    python processes/tools/bpmn_layout.py processes/civis.bpmn processes/blocs/*.bpmn

Each file is rewritten in place: its `bpmndi:BPMNDiagram` is replaced by a new one; the semantic
part (process, lanes, tasks, flows, properties) is left as it is. Run it after adding or removing
elements by hand; once a coordinator has arranged a diagram in a modeler, do not run it again on
that file (it would discard their arrangement).

The drawing follows the usual conventions: left to right, lanes as horizontal bands in the order of
the `bpmn:laneSet`, one column per step of the longest path from the start, branches of a gateway
on rows below the main row of their lane, loops drawn back under the steps they repeat, expanded
sub-processes as frames around their content, boundary events on the bottom edge of their host.

Only the standard library and lxml are used. Supported: one `bpmn:process` per file, with lanes,
expanded `bpmn:subProcess` (any depth), boundary events, every task, event and gateway type.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI}

# Geometry (pixels).
COL_W = 170          # width of a column (one step of the path)
ROW_H = 140          # height of a row inside a lane
LANE_HEAD = 30       # the lane's title band on the left
ORIGIN_X = 160       # left of the lanes
ORIGIN_Y = 80        # top of the first lane
MARGIN_X = 50        # between the lane title band and the first column
SUB_PAD_X = 22       # sub-process frame around its content
SUB_PAD_TOP = 30
SUB_PAD_BOTTOM = 18

SIZES = {
    "task": (100, 80),
    "event": (36, 36),
    "gateway": (50, 50),
}
NOT_NODES = {"sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "dataStoreReference",
             "textAnnotation", "association", "documentation", "extensionElements", "incoming",
             "outgoing", "ioSpecification", "property", "dataInputAssociation", "dataOutputAssociation",
             "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "script",
             "conditionExpression"}


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def kind_of(tag: str) -> str:
    if tag.endswith("Event"):
        return "event"
    if tag.endswith("Gateway"):
        return "gateway"
    return "task"


class Model:
    """The semantic part of one file, flattened for layout."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        processes = root.findall(f"{{{BPMN}}}process")
        if len(processes) != 1:
            raise SystemExit("exactly one bpmn:process per file is supported")
        self.process = processes[0]
        self.nodes: dict[str, etree._Element] = {}        # every flow node except boundary events
        self.parent: dict[str, str | None] = {}           # node id -> enclosing sub-process id
        self.boundaries: dict[str, list[etree._Element]] = defaultdict(list)  # host id -> events
        self.flows: list[etree._Element] = []
        self.discovered_by: dict[str, str] = {}           # atom -> flow that reached it first
        self.lane_of: dict[str, str] = {}
        self.lanes: list[etree._Element] = self.process.findall("bpmn:laneSet/bpmn:lane", NS)
        self._collect(self.process, None)
        for lane in self.lanes:
            for ref in lane.findall("bpmn:flowNodeRef", NS):
                self.lane_of[ref.text.strip()] = lane.get("id")
        first_lane = self.lanes[0].get("id") if self.lanes else None
        for node_id in list(self.nodes):
            if node_id not in self.lane_of:
                outer = self.parent[node_id]
                self.lane_of[node_id] = self.lane_of.get(outer, first_lane) if outer else first_lane

    def _collect(self, container: etree._Element, parent: str | None) -> None:
        for el in container:
            if not isinstance(el.tag, str) or el.tag.split("}")[0][1:] != BPMN:
                continue
            tag = local(el)
            if tag == "sequenceFlow":
                self.flows.append(el)
            elif tag == "boundaryEvent":
                self.boundaries[el.get("attachedToRef")].append(el)
                self.parent[el.get("id")] = parent
            elif tag not in NOT_NODES:
                self.nodes[el.get("id")] = el
                self.parent[el.get("id")] = parent
                if tag in ("subProcess", "transaction", "adHocSubProcess"):
                    self._collect(el, el.get("id"))

    def is_container(self, node_id: str) -> bool:
        return local(self.nodes[node_id]) in ("subProcess", "transaction", "adHocSubProcess")

    def children(self, sub_id: str) -> list[str]:
        return [n for n, p in self.parent.items() if p == sub_id and n in self.nodes]

    def starts(self, sub_id: str) -> list[str]:
        found = [n for n in self.children(sub_id) if local(self.nodes[n]) == "startEvent"]
        return found or self.children(sub_id)[:1]

    def ends(self, sub_id: str) -> list[str]:
        found = [n for n in self.children(sub_id) if local(self.nodes[n]) == "endEvent"]
        return found or self.children(sub_id)[-1:]

    def host_of(self, boundary_id: str) -> str:
        for host, events in self.boundaries.items():
            if any(e.get("id") == boundary_id for e in events):
                return host
        raise KeyError(boundary_id)

    def entry_atoms(self, node_id: str) -> list[str]:
        """Where a flow into `node_id` lands for layout: a sub-process is entered at its start."""
        if node_id in self.nodes and self.is_container(node_id):
            return [a for s in self.starts(node_id) for a in self.entry_atoms(s)]
        return [node_id]

    def exit_atoms(self, node_id: str) -> list[str]:
        """Where a flow out of `node_id` leaves from: a boundary event leaves from its host."""
        if node_id not in self.nodes:
            node_id = self.host_of(node_id)
        if self.is_container(node_id):
            return [a for e in self.ends(node_id) for a in self.exit_atoms(e)]
        return [node_id]


def layer(model: Model) -> tuple[dict[str, int], set[str], list[str], dict[str, str], dict[str, list[str]]]:
    """Columns by longest path from the start.

    Returns (column, back-edge flow ids, depth-first visit order, depth-first parent, forward successors).
    """
    atoms = [n for n in model.nodes if not model.is_container(n)]
    succ: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for flow in model.flows:
        for a in model.exit_atoms(flow.get("sourceRef")):
            for b in model.entry_atoms(flow.get("targetRef")):
                succ[a].append((b, flow.get("id")))
    roots = [n for n in atoms if model.parent[n] is None and local(model.nodes[n]) == "startEvent"]
    roots += [n for n in atoms if n not in roots]
    back: set[str] = set()
    order: list[str] = []
    dfs_parent: dict[str, str] = {}
    state: dict[str, int] = {}
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        order.append(root)
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                continue
            target, flow_id = nxt
            if state.get(target) == 1:
                back.add(flow_id)
            elif target not in state:
                state[target] = 1
                order.append(target)
                dfs_parent[target] = node
                model.discovered_by[target] = flow_id
                stack.append((target, iter(succ[target])))
    column = {n: 0 for n in atoms}
    indegree = {n: 0 for n in atoms}
    forward: dict[str, list[str]] = defaultdict(list)
    for a in atoms:
        for b, flow_id in succ[a]:
            if flow_id not in back:
                forward[a].append(b)
                indegree[b] += 1
    ready = [n for n in order if indegree[n] == 0]
    while ready:
        node = ready.pop(0)
        for b in forward[node]:
            column[b] = max(column[b], column[node] + 1)
            indegree[b] -= 1
            if indegree[b] == 0:
                ready.append(b)
    return column, back, order, dfs_parent, forward


class Layout:
    def __init__(self, model: Model) -> None:
        self.m = model
        self.column, self.back, self.order, self.dfs_parent, self.forward = layer(model)
        self.bounds: dict[str, tuple[float, float, float, float]] = {}  # id -> x, y, w, h
        self.row: dict[str, int] = {}
        self.lane_rows: dict[str, int] = defaultdict(lambda: 1)
        self._assign_rows()
        self._place()

    def _span(self, sub_id: str) -> tuple[int, int]:
        cols = [self.column[a] for c in self.m.children(sub_id) for a in self._atoms_in(c)]
        return min(cols), max(cols)

    def _atoms_in(self, node_id: str) -> list[str]:
        if self.m.is_container(node_id):
            return [a for c in self.m.children(node_id) for a in self._atoms_in(c)]
        return [node_id]

    def _assign_rows(self) -> None:
        """Rows inside each lane, in depth-first order: a path keeps the row of the step it comes
        from; a new branch takes the first row that is free over every column it will use, so that
        parallel branches and gateway fan-outs are drawn as separate bands instead of interleaving."""
        m = self.m
        taken: set[tuple[str, int, int]] = set()  # lane, column, row
        for node in self.order:
            lane = m.lane_of[node]
            parent = self.dfs_parent.get(node)
            row = self.row[parent] if parent is not None and m.lane_of[parent] == lane else 0
            row = max(row, self._below_boundary_host(node, lane))
            if parent is not None:
                children = [c for c in self.forward[parent] if self.dfs_parent.get(c) == parent]
                if children and children[0] != node:
                    span = self._branch(node)
                    while any((lane, self.column[n], row) in taken for n in span if m.lane_of[n] == lane):
                        row += 1
            while (lane, self.column[node], row) in taken:
                row += 1
            self.row[node] = row
            taken.add((lane, self.column[node], row))
            self.lane_rows[lane] = max(self.lane_rows[lane], row + 1)

    def _below_boundary_host(self, node: str, lane: str) -> int:
        """A path leaving a boundary event starts under its host (the event sits on its bottom edge)."""
        m = self.m
        flow_id = m.discovered_by.get(node)
        flow = next((f for f in m.flows if f.get("id") == flow_id), None)
        if flow is None or flow.get("sourceRef") in m.nodes:
            return 0
        host = m.host_of(flow.get("sourceRef"))
        rows = [self.row[a] for a in self._atoms_in(host) if a in self.row and m.lane_of[a] == lane]
        return max(rows) + 1 if rows else 0

    def _branch(self, start: str) -> list[str]:
        """The steps a branch will lay out: reachable from `start` and not placed yet."""
        seen, todo = [start], [start]
        while todo and len(seen) < 200:
            for nxt in self.forward[todo.pop()]:
                if nxt not in seen and nxt not in self.row:
                    seen.append(nxt)
                    todo.append(nxt)
        return seen

    def _place(self) -> None:
        m = self.m
        max_col = max(self.column.values(), default=0)
        self.lane_y: dict[str, float] = {}
        y = ORIGIN_Y
        for lane in m.lanes:
            lid = lane.get("id")
            self.lane_y[lid] = y
            y += self.lane_rows[lid] * ROW_H
        self.total_h = y - ORIGIN_Y
        self.total_w = LANE_HEAD + MARGIN_X + (max_col + 1) * COL_W + MARGIN_X
        for node, col in self.column.items():
            kind = kind_of(local(m.nodes[node]))
            w, h = SIZES[kind]
            cx = ORIGIN_X + LANE_HEAD + MARGIN_X + col * COL_W + COL_W / 2
            cy = self.lane_y.get(m.lane_of[node], ORIGIN_Y) + self.row[node] * ROW_H + ROW_H / 2
            self.bounds[node] = (cx - w / 2, cy - h / 2, w, h)
        # sub-process frames, innermost first
        subs = [n for n in m.nodes if m.is_container(n)]
        depth = {s: self._depth(s) for s in subs}
        for sub in sorted(subs, key=lambda s: -depth[s]):
            boxes = [self.bounds[c] for c in m.children(sub) if c in self.bounds]
            x0 = min(b[0] for b in boxes) - SUB_PAD_X
            y0 = min(b[1] for b in boxes) - SUB_PAD_TOP
            x1 = max(b[0] + b[2] for b in boxes) + SUB_PAD_X
            y1 = max(b[1] + b[3] for b in boxes) + SUB_PAD_BOTTOM
            self.bounds[sub] = (x0, y0, x1 - x0, y1 - y0)
        # boundary events on the bottom edge of their host, from the right
        for host, events in m.boundaries.items():
            hx, hy, hw, hh = self.bounds[host]
            for i, ev in enumerate(events):
                if m.is_container(host):
                    cx = hx + hw - 60 - i * 70
                else:
                    cx = hx + hw * (i + 1) / (len(events) + 1)
                self.bounds[ev.get("id")] = (cx - 18, hy + hh - 18, 36, 36)

    def _depth(self, node_id: str) -> int:
        d, p = 0, self.m.parent.get(node_id)
        while p:
            d, p = d + 1, self.m.parent.get(p)
        return d

    # -------------------------------------------------------------- edges
    def _center(self, node_id: str) -> tuple[float, float]:
        x, y, w, h = self.bounds[node_id]
        return x + w / 2, y + h / 2

    def _crosses(self, x: float, y0: float, y1: float, ignore: tuple[str, ...]) -> bool:
        """Whether a vertical segment at x from y0 to y1 runs through a shape."""
        lo, hi = min(y0, y1), max(y0, y1)
        for n, (bx, by, bw, bh) in self.bounds.items():
            if n in ignore or (n in self.m.nodes and self.m.is_container(n)):
                continue
            if bx <= x <= bx + bw and by < hi and by + bh > lo:
                return True
        return False

    def waypoints(self, flow: etree._Element, back_index: int) -> list[tuple[float, float]]:
        m = self.m
        src, tgt = flow.get("sourceRef"), flow.get("targetRef")
        sx, sy, sw, sh = self.bounds[src]
        tx, ty, tw, th = self.bounds[tgt]
        scx, scy = sx + sw / 2, sy + sh / 2
        tcx, tcy = tx + tw / 2, ty + th / 2
        src_kind = kind_of(local(m.nodes[src])) if src in m.nodes else "boundary"
        tgt_kind = kind_of(local(m.nodes[tgt]))
        if tgt in m.nodes and m.is_container(tgt):
            tcy = self._center(m.starts(tgt)[0])[1]
        if src in m.nodes and m.is_container(src):
            scy = tcy if sy + 20 < tcy < sy + sh - 20 else self._center(m.ends(src)[0])[1]
            start = (sx + sw, scy)
            if abs(scy - tcy) < 1:
                return [start, (tx, tcy)]
            return [start, (tx - 25, scy), (tx - 25, tcy), (tx, tcy)]
        if flow.get("id") in self.back:
            channel = max(sy + sh, ty + th) + 16 + 8 * back_index
            if self._crosses(tcx, channel, ty + th, (src, tgt)):
                gap_x = tcx - COL_W / 2 + 8 + 6 * back_index
                return [(scx, sy + sh), (scx, channel), (gap_x, channel), (gap_x, tcy), (tx, tcy)]
            return [(scx, sy + sh), (scx, channel), (tcx, channel), (tcx, ty + th)]
        if src_kind == "boundary":
            bottom = sy + sh
            if tcy > bottom + 10:
                return [(scx, bottom), (scx, tcy), (tx, tcy)]
            gap_x = tx - 20
            return [(scx, bottom), (scx, bottom + 20), (gap_x, bottom + 20), (gap_x, tcy), (tx, tcy)]
        start = (sx + sw, scy)
        end = (tx, tcy)
        if abs(scy - tcy) < 1:
            blocking = [b for n, b in self.bounds.items() if n not in (src, tgt) and not (
                n in m.nodes and m.is_container(n)) and b[0] > sx + sw and b[0] + b[2] < tx
                and b[1] < scy < b[1] + b[3]]
            if not blocking:
                return [start, end]
            # skip over the steps in between: go round under them
            channel = max(b[1] + b[3] for b in blocking) + 14
            return [(scx, sy + sh), (scx, channel), (tcx, channel), (tcx, ty + th)]
        if src_kind == "gateway" and not self._crosses(scx, scy, tcy, (src, tgt)):
            vertex = (scx, sy + sh) if tcy > scy else (scx, sy)
            return [vertex, (scx, tcy), end]
        if tgt_kind == "gateway" and not m.is_container(tgt):
            vertex = (tcx, ty) if scy < tcy else (tcx, ty + th)
            return [start, (tcx, scy), vertex]
        mid = tx - 25
        return [start, (mid, scy), (mid, tcy), end]


def label_bounds(text: str, x: float, y: float) -> tuple[float, float, float, float]:
    width = min(max(len(text) * 7, 30), 120)
    lines = max(1, int(len(text) * 7 // 120) + 1)
    return x, y, width, 14 * lines


def build_diagram(root: etree._Element) -> None:
    model = Model(root)
    lay = Layout(model)
    for old in root.findall(f"{{{BPMNDI}}}BPMNDiagram"):
        root.remove(old)
    pid = model.process.get("id")
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"Diagram_{pid}")
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"Plane_{pid}", bpmnElement=pid)

    def bounds_el(parent: etree._Element, b: tuple[float, float, float, float]) -> None:
        etree.SubElement(parent, f"{{{DC}}}Bounds", x=fmt(b[0]), y=fmt(b[1]), width=fmt(b[2]), height=fmt(b[3]))

    for lane in model.lanes:
        lid = lane.get("id")
        shape = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{lid}_di", bpmnElement=lid,
                                 isHorizontal="true")
        bounds_el(shape, (ORIGIN_X, lay.lane_y[lid], lay.total_w, lay.lane_rows[lid] * ROW_H))

    def add_shape(node_id: str, el: etree._Element) -> None:
        tag = local(el)
        attrs = {"id": f"{node_id}_di", "bpmnElement": node_id}
        if tag == "exclusiveGateway":
            attrs["isMarkerVisible"] = "true"
        if tag in ("subProcess", "transaction", "adHocSubProcess"):
            attrs["isExpanded"] = "true"
        shape = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", attrs)
        b = lay.bounds[node_id]
        bounds_el(shape, b)
        name = el.get("name")
        if name and kind_of(tag) in ("event", "gateway"):
            label = etree.SubElement(shape, f"{{{BPMNDI}}}BPMNLabel")
            lb = label_bounds(name, 0, 0)
            if kind_of(tag) == "gateway":
                pos = (b[0] + b[2] / 2 - lb[2] / 2, b[1] - lb[3] - 6)
            else:
                pos = (b[0] + b[2] / 2 - lb[2] / 2, b[1] + b[3] + 6)
            bounds_el(label, (pos[0], pos[1], lb[2], lb[3]))

    # containers before their content so that content is drawn on top
    for node_id in sorted(model.nodes, key=lay._depth):
        add_shape(node_id, model.nodes[node_id])
        for ev in model.boundaries.get(node_id, []):
            pass
    for events in model.boundaries.values():
        for ev in events:
            add_shape(ev.get("id"), ev)
    back_count: dict[float, int] = defaultdict(int)
    for flow in model.flows:
        fid = flow.get("id")
        index = 0
        if fid in lay.back:
            key = round(lay.bounds[flow.get("targetRef")][1])
            index = back_count[key]
            back_count[key] += 1
        points = lay.waypoints(flow, index)
        edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{fid}_di", bpmnElement=fid)
        for x, y in points:
            etree.SubElement(edge, f"{{{DI}}}waypoint", x=fmt(x), y=fmt(y))
        name = flow.get("name")
        if name:
            # on the longest horizontal segment, just above it
            segs = [(a, b) for a, b in zip(points, points[1:]) if abs(a[1] - b[1]) < 1]
            a, _b = max(segs, key=lambda s: abs(s[1][0] - s[0][0])) if segs else (points[0], points[1])
            lb = label_bounds(name, 0, 0)
            label = etree.SubElement(edge, f"{{{BPMNDI}}}BPMNLabel")
            bounds_el(label, (min(a[0], _b[0]) + 8, a[1] - lb[3] - 4, lb[2], lb[3]))


def fmt(v: float) -> str:
    return str(int(round(v)))


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, load_dtd=False)
    for name in argv:
        path = Path(name)
        tree = etree.parse(str(path), parser)
        build_diagram(tree.getroot())
        etree.indent(tree, space="  ")
        tree.write(str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True)
        print(f"laid out {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
