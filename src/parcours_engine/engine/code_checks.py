"""Checks of the code a model holds: scripts, pre- and post-scripts, conditions and timer expressions
(through the restricted script environment's own checks, located at their line in the file), and
multi-instance cardinalities and loop maximums written as numbers, against the budget."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Literal

from lxml import etree

from parcours_engine.domain.errors import ModelProblem
from parcours_engine.engine.script_messages import Refusal
from parcours_engine.engine.xml import Document, local

_TIMER_KINDS: dict[str, Literal["timeDate", "timeDuration", "timeCycle"]] = {
    "timeDate": "timeDate",
    "timeDuration": "timeDuration",
    "timeCycle": "timeCycle",
}
_CODE_LABELS = {
    "script": "script",
    "preScript": "pre-script",
    "postScript": "post-script",
    "timeDate": "timeDate",
    "timeDuration": "timeDuration",
    "timeCycle": "timeCycle",
}


def check_loop_limits(doc: Document) -> Iterator[ModelProblem]:
    """Multi-instance cardinalities and loop maximums written as numbers, against the budget."""
    from parcours_engine.engine.budgets import current

    limit = current().instances
    for cardinality in doc.elements("bpmn:loopCardinality"):
        value = _constant_int(cardinality.text or "")
        characteristics = cardinality.getparent()
        owner = characteristics.getparent() if characteristics is not None else None
        if value is not None and value > limit:
            yield doc.problem(
                owner if owner is not None else cardinality,
                "check.too_many_instances",
                line=cardinality.sourceline,
                count=f"{value:,}",
                limit=f"{limit:,}",
            )
    for loop in doc.elements("bpmn:standardLoopCharacteristics"):
        maximum = _constant_int(loop.get("loopMaximum") or "")
        owner = loop.getparent()
        if maximum is not None and maximum > limit and owner is not None:
            yield doc.problem(
                owner, "check.too_many_turns", line=loop.sourceline, count=f"{maximum:,}", limit=f"{limit:,}"
            )


def _constant_int(text: str) -> int | None:
    """The value of a cardinality written with numbers only (`12`, `10**9`), else None."""
    if not text.strip() or len(text) > 100:
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = node.right
            if not isinstance(exponent, ast.Constant) or not isinstance(exponent.value, int):
                return None
            if exponent.value > 64:
                return 2**64  # over any budget: not worth computing
            stack.append(node.left)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            stack += [node.left, node.right]
        elif not (isinstance(node, ast.Constant) and isinstance(node.value, int)):
            return None
    value = eval(compile(tree, "<cardinality>", "eval"), {"__builtins__": {}})  # noqa: S307 -- small numbers only
    return value if isinstance(value, int) else None


def check_expressions(doc: Document) -> Iterator[ModelProblem]:
    from parcours_engine.engine.scripting import check_source, check_timer_expression

    for owner, text_element, mode in _expressions(doc):
        message = check_source(text_element.text or "", mode)
        if message is not None:
            yield _script_problem(doc, owner, text_element, message)
    for timer in doc.xpath(".//bpmn:timerEventDefinition"):
        owner = timer.getparent()
        owner = timer if owner is None else owner
        values = doc.xpath("./bpmn:timeDate | ./bpmn:timeDuration | ./bpmn:timeCycle", timer)
        if not values:
            yield doc.problem(owner, "check.timer_empty", line=timer.sourceline)
        for value in values:
            message = check_timer_expression(value.text or "", _TIMER_KINDS[local(value)])
            if message is not None:
                yield _script_problem(doc, owner, value, message)


def _expressions(
    doc: Document,
) -> Iterator[tuple[etree._Element, etree._Element, Literal["exec", "eval"]]]:
    """(owner, element holding the code, mode) for every script and condition of the document."""
    for script in doc.xpath(".//bpmn:scriptTask/bpmn:script"):
        yield _owner(script), script, "exec"
    for script in doc.elements("spiffworkflow:preScript", "spiffworkflow:postScript"):
        yield _owner(script), script, "exec"
    conditions = doc.elements(
        "bpmn:conditionExpression",
        "bpmn:condition",
        "bpmn:completionCondition",
        "bpmn:loopCardinality",
        "bpmn:loopCondition",
    )
    for condition in conditions:
        parent = condition.getparent()
        kind = local(condition)
        if kind == "conditionExpression" and (parent is None or local(parent) != "sequenceFlow"):
            continue
        if kind == "condition" and (parent is None or local(parent) != "conditionalEventDefinition"):
            continue
        yield _owner(condition), condition, "eval"


def _owner(element: etree._Element) -> etree._Element:
    """The nearest ancestor with an id: the task, flow or event a script belongs to."""
    current = element.getparent()
    while current is not None and not current.get("id"):
        current = current.getparent()
    return element if current is None else current


def _script_problem(
    doc: Document, owner: etree._Element, text_element: etree._Element, refusal: Refusal
) -> ModelProblem:
    # The code starts right after the opening tag, so its line N is the file's line tag + N - 1.
    line = text_element.sourceline
    if refusal.line is not None and line is not None:
        line = line + refusal.line - 1
    kind = local(text_element) if local(text_element) in _CODE_LABELS else "condition"
    # The detail is said in the reader's language; the command line keeps the checker's English.
    return doc.problem(owner, f"check.code.{kind}", line=line, detail=refusal.said)
