"""The restricted script engine: BPMN scripts, gateway conditions and timer expressions.

SpiffWorkflow's default engine runs model code with `exec`/`eval` and full builtins: a model could
`import os`. Models here are written by modellers, not developers, so every script, condition and
timer expression is compiled with RestrictedPython under a stricter policy (no import, no `while`,
no def/lambda/class, no try, no names or attributes starting with `_`) and run with a small
allow-list of builtins and date helpers (`script_helpers.HELPERS`). Every evaluation runs under the
budgets of `budgets.py` (time, loop turns, sizes, depth), enforced by the guards of `guards.py`; timer
values and multi-instance cardinalities are held to theirs (`timer_values.py`). Going over a budget is a
`BudgetExceeded` naming it, never a hang.

`check_source` and `check_timer_expression` are the publish-time checks the model loader calls.
"""

from __future__ import annotations

import ast
import functools
import textwrap
from collections.abc import Iterable, Sequence
from types import CodeType
from typing import Any, Literal, NamedTuple

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import BasePythonScriptEngineEnvironment, PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task

from parcours_engine.domain.errors import ScriptError
from parcours_engine.domain.script_messages import Said
from parcours_engine.engine import budgets, guards, script_messages
from parcours_engine.engine.budgets import BudgetExceeded
from parcours_engine.engine.script_messages import Refusal
from parcours_engine.engine.timer_values import (
    ISO_LOOKING,
    KIND_LABELS,
    TimerKind,
    check_cardinality,
    is_cardinality,
    is_iso8601_literal,
    string_literal,
    timer_kind,
    timer_value,
)
from parcours_engine.engine.timers import install_clock

Mode = Literal["exec", "eval"]
VisitResult = ast.AST | Iterable[ast.AST] | None  # what RestrictedPython's visitors return


# --- compiling -------------------------------------------------------------------------------------


class _ModelPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, narrowed for models, with messages a modeller can act on.

    Functions (def, lambda) and classes are refused: model scripts are a few lines of data shaping
    that never need them, and without them there is no recursion and every loop goes through the
    counted `_getiter_`. `while` is refused because only `for` loops can be counted. `try` is refused
    so that a model cannot swallow the iteration limit or hide its own failures: a failing script
    must put its task in error where someone sees it.
    """

    def _refuse(self, node: ast.AST, message: str, code: str, **params: Any) -> VisitResult:
        self.error(node, script_messages.refused(code, message, **params))
        return node

    def error(self, node: ast.AST, info: str | Said) -> None:
        # Each refusal keeps its line and its code, so the studio can say it in French.
        said = info if isinstance(info, Said) else script_messages.restricted(info)
        self.errors.append(_Refused(getattr(node, "lineno", None), said))  # type: ignore[arg-type]

    def visit_Import(self, node: ast.Import) -> VisitResult:
        return self._refuse(node, "import is not allowed", "script.import")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> VisitResult:
        return self._refuse(node, "import is not allowed", "script.import")

    def visit_While(self, node: ast.While) -> VisitResult:
        return self._refuse(node, "while loops are not allowed (use 'for ... in range(n)')", "script.while")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> VisitResult:
        return self._refuse(node, "function definitions (def) are not allowed", "script.def")

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> VisitResult:
        return self._refuse(node, "function definitions (def) are not allowed", "script.def")

    def visit_Lambda(self, node: ast.Lambda) -> VisitResult:
        return self._refuse(node, "lambda is not allowed", "script.lambda")

    def visit_ClassDef(self, node: ast.ClassDef) -> VisitResult:
        return self._refuse(node, "class definitions are not allowed", "script.class")

    def visit_Try(self, node: ast.Try) -> VisitResult:
        return self._refuse(node, "try/except is not allowed", "script.try")

    def visit_TryStar(self, node: ast.AST) -> VisitResult:
        return self._refuse(node, "try/except is not allowed", "script.try")

    def visit_With(self, node: ast.With) -> VisitResult:
        return self._refuse(node, "with is not allowed", "script.with")

    def visit_Global(self, node: ast.Global) -> VisitResult:
        return self._refuse(node, "global is not allowed", "script.global")

    def visit_Nonlocal(self, node: ast.Nonlocal) -> VisitResult:
        return self._refuse(node, "nonlocal is not allowed", "script.nonlocal")

    def visit_Call(self, node: ast.Call) -> VisitResult:
        if isinstance(node.func, ast.Name) and node.func.id in ("eval", "exec"):
            return self._refuse(
                node, f"{node.func.id} is not allowed", "script.call_refused", name=node.func.id
            )
        return super().visit_Call(node)

    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        if name is not None and name.startswith("_"):
            english = f"name {name!r} is not allowed (names starting with '_' are reserved)"
            self.error(node, script_messages.refused("script.underscore_name", english, name=name))
            return
        super().check_name(node, name, allow_magic_methods)

    def visit_Attribute(self, node: ast.Attribute) -> VisitResult:
        if node.attr.startswith("_"):
            english = f"attribute {node.attr!r} is not allowed (it starts with '_')"
            return self._refuse(node, english, "script.underscore_attribute", name=node.attr)
        return super().visit_Attribute(node)

    def visit_BinOp(self, node: ast.BinOp) -> VisitResult:
        # `+`, `*`, `**` and `<<` can build huge strings, lists or integers in one step:
        # route them through `_binop_`, which checks the size before computing.
        node = self.node_contents_visit(node)
        symbol = guards.GUARDED_BINOPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_binop_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        copy_locations(call, node)
        return call

    def visit_FormattedValue(self, node: ast.FormattedValue) -> VisitResult:
        # `f"{x:{width}}"`: the width must be checked before Python pads: route the value, its
        # conversion and its (evaluated) spec through `_format_value_`.
        node = self.node_contents_visit(node)
        spec: ast.expr = node.format_spec if node.format_spec is not None else ast.Constant("")
        call = ast.Call(
            func=ast.Name("_format_value_", ast.Load()),
            args=[node.value, ast.Constant(node.conversion), spec],
            keywords=[],
        )
        copy_locations(call, node)
        replaced = ast.FormattedValue(value=call, conversion=-1, format_spec=None)
        copy_locations(replaced, node)
        return replaced


def _depth(tree: ast.AST, limit: int) -> tuple[int, int | None]:
    """The nesting depth of `tree` (stops past `limit`) and the line where it is deepest."""
    deepest, line, stack = 0, None, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest, line = depth, getattr(node, "lineno", line)
            if deepest > limit:
                break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest, line


class _Refused(NamedTuple):
    line: int | None
    said: Said


def _first_errors(errors: Sequence[_Refused | str]) -> Refusal:
    # One line, "line 2: ...; line 3: ...", in the modeller's words; the first one said for the studio.
    refused = [
        e if isinstance(e, _Refused) else _Refused(None, Said.of("script.not_allowed", e)) for e in errors
    ]
    unique = dict.fromkeys(f"line {e.line}: {e.said.english}" for e in refused)
    first = refused[0]
    return Refusal(
        "; ".join(unique),
        Said(first.said.code, first.said.params, "; ".join(unique)[len(f"line {first.line}: ") :]),
        first.line,
    )


def _refusal(line: int | None, said: Said) -> Refusal:
    return Refusal(f"line {line}: {said.english}", said, line)


def _compile(source: str, mode: Mode) -> tuple[CodeType | None, Refusal | None]:
    """Compile model code once (cached by text); return (code, None) or (None, message)."""
    return _compile_cached(source, mode, min(budgets.current().depth, guards.recursion_headroom()))


@functools.lru_cache(maxsize=2048)
def _compile_cached(source: str, mode: Mode, max_depth: int) -> tuple[CodeType | None, Refusal | None]:
    # BPMN editors indent scripts inside the XML: dedent them instead of failing on the indent.
    text = textwrap.dedent(source) if mode == "exec" else source.strip()
    too_deep = f"nested too deeply: over the depth budget of {max_depth} levels"
    try:
        tree = ast.parse(text, "<string>", mode)
    except SyntaxError as err:
        return None, _refusal(err.lineno, script_messages.syntax(err.msg))
    except (RecursionError, MemoryError):
        # Python's own parser gave up: the longest line is where the nesting is.
        lines = text.splitlines() or [""]
        return None, _refusal(
            lines.index(max(lines, key=len)) + 1, script_messages.too_deep(too_deep, max_depth)
        )
    depth, line = _depth(tree, max_depth)
    if depth > max_depth:
        return None, _refusal(line or 1, script_messages.too_deep(too_deep, max_depth))
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    try:
        result = compiler(tree, "<string>", policy=_ModelPolicy)  # type: ignore[arg-type]
    except (RecursionError, MemoryError):
        return None, _refusal(line or 1, script_messages.too_deep(too_deep, max_depth))
    if result.errors:
        return None, _first_errors(result.errors)
    if result.code is None:
        return None, Refusal("cannot be compiled", Said.of("script.cannot_compile", "cannot be compiled"))
    return result.code, None


def _compiled(source: str, mode: Mode) -> CodeType:
    code, error = _compile(source, mode)
    if code is None:
        raise ScriptError(error or "cannot be compiled")
    return code


def check_source(source: str, mode: Mode) -> Refusal | None:
    """None if `source` compiles under the model restrictions, else a one-line message.

    `mode` is "exec" for script tasks (and pre/post scripts), "eval" for conditions and expressions.
    """
    return _compile(source, mode)[1]


# --- timer expressions ---------------------------------------------------------------------------


def check_timer_expression(expression: str, kind: TimerKind) -> Refusal | None:
    """None if a timer's text is usable, else a one-line message.

    Accepted: unquoted ISO 8601 of the right kind (`P18M`, `R3/P1M`, `2026-01-01T00:00:00+01:00`),
    the same quoted (checked too: `"P18X"` is refused), or a restricted expression, which cannot be
    checked further before it runs.
    """
    text = (expression or "").strip()
    label = KIND_LABELS[kind]
    if not text:
        english = f"the timer {label} is empty"
        return Refusal(english, script_messages.timer_empty(english))
    try:
        if is_iso8601_literal(text, kind):
            return None
        literal = string_literal(text)
        if literal is not None:
            return None if is_iso8601_literal(literal, kind) else _not_iso(literal, kind)
    except BudgetExceeded as over:
        return Refusal(str(over), script_messages.over_budget(over))
    if ISO_LOOKING.match(text):
        return _not_iso(text, kind)
    return check_source(text, "eval")


def _not_iso(text: str, kind: TimerKind) -> Refusal:
    english = f"{text!r} is not an ISO 8601 {KIND_LABELS[kind]}"
    return Refusal(english, script_messages.timer_not_iso(english, text, kind))


# --- running ---------------------------------------------------------------------------------------


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Runs compiled model code over task data; stateless, so one instance serves every thread."""

    def __init__(self) -> None:
        super().__init__({})

    @staticmethod
    def _globals(context: dict[str, Any], external: dict[str, Any]) -> dict[str, Any]:
        # Task data shadows helpers (they live in __builtins__), like any Python name would.
        # Keys starting with "_" stay out: model code cannot name them, and they must never
        # shadow a guard such as `_getattr_`.
        names = {k: v for k, v in {**external, **context}.items() if not k.startswith("_")}
        names["__builtins__"] = guards.run_builtins()
        return names

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        code = _compiled(expression, "eval")
        return eval(code, self._globals(context, external_context or {}))  # noqa: S307 -- restricted code

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        code = _compiled(script, "exec")
        external = external_context or {}
        names = self._globals(context, external)
        exec(code, names)  # noqa: S102 -- restricted code, guarded builtins
        # Only now, after success, does task data change: a failing script leaves it untouched.
        results = {
            key: value
            for key, value in names.items()
            if not key.startswith("_") and key not in external and not callable(value)
        }
        guards.check_data(results)  # what cannot be saved is refused here, naming the script
        for key in [k for k in context if not k.startswith("_") and k not in results]:
            del context[key]
        context.update(results)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise NotImplementedError("service tasks are not supported")


def _describe(err: BaseException) -> str:
    return str(err) if isinstance(err, ScriptError) else f"{type(err).__name__}: {err}"


class RestrictedScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine running model code under `RestrictedEnvironment`.

    Holds no per-workflow state: one instance can be shared by all workflows and threads. The host
    sets `workflow.script_engine` after every load (SpiffWorkflow does not serialize it).
    """

    def __init__(self, environment: BasePythonScriptEngineEnvironment | None = None) -> None:
        # Timer due times must come from the injected clock whichever host built this engine.
        install_clock()
        super().__init__(environment or RestrictedEnvironment())

    def evaluate(self, task: Task, expression: str, external_context: Any = None) -> Any:
        kind = timer_kind(task, expression)
        try:
            if kind is not None and is_iso8601_literal(expression, kind):
                return timer_value(expression, kind)
            result = self.environment.evaluate(expression, task.data, external_context)
            if kind is not None:
                return timer_value(result, kind)
            if is_cardinality(task, expression):
                check_cardinality(result)
            return result
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression {expression.strip()!r}")
            raise
        except Exception as err:
            message = f"Error evaluating expression {expression.strip()!r}: {_describe(err)}"
            raise WorkflowTaskException(message, task=task, exception=err) from err

    def create_task_exec_exception(self, task: Task, script: str, err: Exception) -> Exception:
        # The base class concatenates err.args[0], which fails for non-string arguments.
        if isinstance(err, SpiffWorkflowException):
            return super().create_task_exec_exception(task, script, err)
        line_number, error_line = self.get_error_line_number_and_content(script, err)
        return WorkflowTaskException(
            _describe(err), task=task, exception=err, line_number=line_number, error_line=error_line
        )

    def call_service(self, task: Task, **kwargs: Any) -> Any:
        raise WorkflowTaskException("service tasks are not supported by parcours-engine", task=task)
