"""`parcours-engine processes check|simulate|publish|diff|export`: BPMN models and their versions.

`diff` shows what the studio shows on the diagram, for deployments without a browser at hand and the
review before `pathways migrate`; `export` writes a published version back as files.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from parcours_engine.cli.context import language, published_version, sessions
from parcours_engine.domain.clock import SystemClock
from parcours_engine.domain.errors import InvalidInput, ModelError, ParcoursError
from parcours_engine.domain.messages import render
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio import versions

if TYPE_CHECKING:
    from parcours_engine.engine.loader import ProcessModel


def _read(paths: tuple[Path, ...], forms_dir: Path | None) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The libraries holding PATHS: a directory is a library; a file stands for the library it is in."""
    from parcours_engine.engine.loader import read_library_dir

    bpmn: dict[str, bytes] = {}
    forms: dict[str, bytes] = {}
    for path in paths:
        root = path if path.is_dir() else path.parent
        if root.name == "blocs":
            root = root.parent
        found_bpmn, found_forms = read_library_dir(root, forms_dir or root.parent / "forms")
        bpmn.update(found_bpmn)
        forms.update(found_forms)
    return bpmn, forms


@click.group()
def processes() -> None:
    """Check and publish BPMN models (processes/) with their forms (forms/)."""


def _library_root(path: Path) -> Path:
    root = path if path.is_dir() else path.parent
    return root.parent if root.name == "blocs" else root


def _read_named(
    paths: tuple[Path, ...], forms_dir: Path | None, blocks_dir: Path | None
) -> tuple[dict[str, bytes], dict[str, bytes], set[str]]:
    """The files PATHS name (a directory: its BPMN files), the blocks they may call and the forms.

    Blocks come from `blocks_dir`, else from the `blocs/` folder of the library each path is in; they
    are read to resolve calls, and checked only when a named file calls them.
    """
    from parcours_engine.engine.loader import read_library_dir

    bpmn: dict[str, bytes] = {}
    forms: dict[str, bytes] = {}
    named: set[str] = set()
    for path in paths:
        root = _library_root(path)
        blocks = blocks_dir or root / "blocs"
        if blocks.is_dir():
            found_blocks, _ = read_library_dir(blocks, blocks / "__no_forms__")
            bpmn.update({f"blocs/{name}": data for name, data in found_blocks.items()})
        found_bpmn, found_forms = read_library_dir(root, forms_dir or root.parent / "forms")
        forms.update(found_forms)
        wanted = path.resolve()
        for name, data in found_bpmn.items():
            where = (root / name).resolve()
            if where == wanted or (path.is_dir() and where.is_relative_to(wanted)):
                bpmn[name] = data
                named.add(name)
    return bpmn, forms, named


_BLOCKS_OPTION = click.option(
    "--blocks",
    "blocks_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Where called blocks are. Default: blocs/ of PATH's library",
)


@processes.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--forms", "forms_dir", type=click.Path(path_type=Path), help="Default: forms/ next to PATH")
@_BLOCKS_OPTION
@click.option(
    "--scenarios",
    "with_scenarios",
    is_flag=True,
    help="Also simulate every scenario kept in scenarios/<programme>/ of PATH's library",
)
def processes_check(
    paths: tuple[Path, ...], forms_dir: Path | None, blocks_dir: Path | None, with_scenarios: bool
) -> None:
    """Check exactly the models named (a folder: its models), with the blocks they call.

    Prints `file:line: element: message` for each problem; exits 1 on any error. With --scenarios,
    then runs each programme's scenarios and prints `scenarios/<programme>/<file>: what went wrong`.
    """
    from parcours_engine.engine.loader import check_library

    bpmn, forms, named = _read_named(paths, forms_dir, blocks_dir)
    problems = check_library(bpmn, forms, files=named)
    for problem in problems:
        click.echo(f"{problem} [{problem.severity}]" if problem.severity != "error" else str(problem))
    errors = [p for p in problems if p.severity == "error"]
    click.echo(f"{len(named)} files, {len(errors)} errors, {len(problems) - len(errors)} warnings", err=True)
    failed = 0
    if with_scenarios and not errors:
        failed = _check_scenarios(paths, bpmn, forms, named)
    sys.exit(1 if errors or failed else 0)


def _programmes(bpmn: dict[str, bytes], forms: dict[str, bytes], named: set[str]) -> dict[str, ProcessModel]:
    """The programmes of the named files, loaded (the caller checked them first)."""
    from parcours_engine.engine.loader import load_library

    library = load_library(bpmn, forms)
    return {code: model for code, model in library.programmes.items() if model.filename in named}


def _check_scenarios(
    paths: tuple[Path, ...], bpmn: dict[str, bytes], forms: dict[str, bytes], named: set[str]
) -> int:
    """Run the scenarios kept for the named programmes; print each failure; how many failed."""
    from parcours_engine.cli import simulation

    models = _programmes(bpmn, forms, named)
    runs = []
    for root in dict.fromkeys(_library_root(path) for path in paths):
        runs += simulation.run_kept_scenarios(root, models)
    for run in runs:
        for problem in run.problems:
            click.echo(f"{run.file}: {problem}")
    total, failed = simulation.summary(runs)
    click.echo(f"{total} scenarios, {failed} failed", err=True)
    return failed


@processes.command("simulate")
@click.argument("target")
@click.option(
    "--scenario",
    "scenario_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A scenario file (JSON or YAML); repeat for several. Default: answers drawn from each form",
)
@click.option("--seed", type=int, default=None, help="Draw other answers (default: the scenario's, or 0)")
@click.option("--answers", "show_answers", is_flag=True, help="Print the answers given to each task")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run instead of text")
@click.option("--forms", "forms_dir", type=click.Path(path_type=Path), help="Default: forms/ next to TARGET")
@_BLOCKS_OPTION
@click.pass_context
def processes_simulate(
    ctx: click.Context,
    target: str,
    scenario_paths: tuple[Path, ...],
    seed: int | None,
    show_answers: bool,
    as_json: bool,
    forms_dir: Path | None,
    blocks_dir: Path | None,
) -> None:
    """Run TARGET in memory with a virtual clock: a model file or folder of processes/, or a
    published programme's code. Nothing is written; no pathway is touched.

    Prints the path taken (the elements, by name), the outcome and every incident; exits 1 when a run
    does not reach an end, has an incident, or misses what its scenario expects.
    """
    from parcours_engine.cli import simulation
    from parcours_engine.studio import scenarios
    from parcours_engine.studio.simulation import simulate, unmet

    models = _target_models(ctx, target, forms_dir, blocks_dir)
    chosen = [scenarios.read_scenario(path) for path in scenario_paths]
    runs = (
        [(simulation.pick_programme(s, models), s) for s in chosen]
        if chosen
        else [(model, scenarios.generated(code)) for code, model in sorted(models.items())]
    )
    failed = False
    for model, scenario in runs:
        if seed is not None:
            scenario = replace(scenario, seed=seed)
        result = simulate(model, scenario)
        problems = unmet(result, scenario.expect)
        failed = failed or bool(problems)
        if as_json:
            click.echo(
                json.dumps(
                    {**result.as_dict(language()), "unmet": [render(c, p, language()) for c, p in problems]},
                    ensure_ascii=False,
                )
            )
            continue
        for line in simulation.describe(result, show_answers):
            click.echo(line)
        for code, params in problems:
            click.echo(f"unmet: {render(code, params, language())}")
    sys.exit(1 if failed else 0)


def _target_models(
    ctx: click.Context, target: str, forms_dir: Path | None, blocks_dir: Path | None
) -> dict[str, ProcessModel]:
    """A path's programmes (checked first: a model with errors is not run), or a published one's."""
    path = Path(target)
    if path.exists():
        from parcours_engine.engine.loader import check_library

        bpmn, forms, named = _read_named((path,), forms_dir, blocks_dir)
        errors = [p for p in check_library(bpmn, forms, files=named) if p.severity == "error"]
        if errors:
            raise ModelError(errors)
        return _programmes(bpmn, forms, named)
    from parcours_engine.pathways import models_cache

    with unit_of_work(sessions(ctx)) as session:
        try:
            version = versions.latest(session, target)
        except ParcoursError:
            raise InvalidInput("simulation.programme_unknown", name=target) from None
        return {target: models_cache.model_for(version)}


@processes.command("publish")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--forms", "forms_dir", type=click.Path(path_type=Path), help="Default: forms/ next to PATH")
@click.option("--actor", default="cli", show_default=True)
@click.pass_context
def processes_publish(
    ctx: click.Context, paths: tuple[Path, ...], forms_dir: Path | None, actor: str
) -> None:
    """Publish every programme whose model or forms changed as a new version."""
    from parcours_engine.studio.publishing import publish_library

    bpmn, forms = _read(paths, forms_dir)
    try:
        with unit_of_work(sessions(ctx)) as session:
            results = publish_library(session, SystemClock(), bpmn, forms, actor)
    except ModelError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    for result in results:
        state = "published" if result.created else "unchanged"
        click.echo(f"{result.programme} v{result.version} {state} ({result.content_hash[:12]})")


@processes.command("diff")
@click.argument("programme")
@click.argument("old", type=int)
@click.argument("new", type=int, required=False)
@click.pass_context
def diff(ctx: click.Context, programme: str, old: int, new: int | None) -> None:
    """Elements added (+), removed (-) and changed (~) from version OLD to NEW (default: the latest).

    Changed scripts, conditions and timers count, not only names; elements of the blocks a programme
    calls are prefixed with the block's process id.
    """
    try:
        with unit_of_work(sessions(ctx)) as session:
            ids = {v.version: v.id for v in versions.history(session, programme)}
            target = max(ids) if new is None else new
            if old not in ids or target not in ids:
                raise click.ClickException(f"programme {programme!r} has versions {sorted(ids)}")
            comparison = versions.diff(session, ids[old], ids[target])
    except ParcoursError as error:
        raise click.ClickException(str(error)) from error
    elements = comparison.elements
    for mark, changes in (("+", elements.added), ("-", elements.removed), ("~", elements.changed)):
        for change in changes:
            where = "" if change.process_id == programme else f"{change.process_id}/"
            what = f" ({', '.join(change.attributes)})" if change.attributes else ""
            click.echo(f"{mark} {where}{change.element_id} {change.name or ''}{what}".rstrip())
    for mark, names in (("+", comparison.forms_added), ("-", comparison.forms_removed)):
        for name in names:
            click.echo(f"{mark} form {name}")
    for name in comparison.forms_changed:
        click.echo(f"~ form {name}")
    total = len(elements.added) + len(elements.removed) + len(elements.changed)
    click.echo(f"{programme} v{old} → v{target}: {total} elements changed", err=True)


@processes.command("export")
@click.argument("programme")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--version", "number", type=int, help="Default: the latest")
@click.pass_context
def export(ctx: click.Context, programme: str, directory: Path, number: int | None) -> None:
    """Write a published version back as files: DIRECTORY/processes/... and DIRECTORY/forms/..."""
    with unit_of_work(sessions(ctx)) as session:
        version = published_version(session, programme, number)
        files = json.loads(version.files_json)
        forms = json.loads(version.forms_json)
    for root, contents in ((directory / "processes", files), (directory / "forms", forms)):
        for name, text in contents.items():
            target = (root / name).resolve()
            if root.resolve() not in target.parents:  # a stored name never escapes the directory
                raise click.ClickException(f"refusing to write outside {root}: {name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    click.echo(f"{programme} v{version.version}: {len(files)} BPMN files, {len(forms)} forms in {directory}")
