"""Scenario files: one person's answers through a programme, to simulate it before publishing.

A coordinator keeps them beside the programme's model, `processes/scenarios/<programme>/*.json` (or
`.yaml`); `processes simulate --scenario FILE` runs one, `processes check --scenarios` runs them all,
the studio's "Simuler" panel runs the one chosen. processes/README.md ("Scenarios") is the guide:

    {"title": "Formation puis CDI",
     "programme": "civis",                      (default: the folder's name)
     "start": "2026-01-05",                     (the virtual clock's first day)
     "seed": 1,                                 (for the answers left to draw)
     "person": {"date_naissance": "today-19y", "niveau_qualification": "V"},
     "answers": {"Choisir la prochaine étape": [{"prochaine_etape": "formation"}, {"prochaine_etape": "emploi"}],
                 "Task_renouvellement": {"renouvellement_civis": true},
                 "Préparer le bilan du contrat CIVIS": "wait"},
     "expect": {"outcome": "cdi", "incidents": 0, "path": ["Prescrire la formation", "Emploi durable"]}}

Answers are keyed by task name or element id. A list is used in order, its last entry again once
used up; an answer gives some fields, the others are drawn valid from the form; `"wait"` leaves the
task open until a timer fires elsewhere. A string `today`, `today+30d`, `today-19y` (d, w, m, y) is
the virtual day then (in `person`: the start day).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from parcours_engine.domain.errors import InvalidInput
from parcours_engine.domain.script_messages import Said
from parcours_engine.engine.script_messages import json_error

# The person's data a model receives at start (pathways.beneficiary_data, processes/README.md "Data").
PERSON_FIELDS: dict[str, Any] = {
    "date_naissance": "today-20y",
    "sexe": "F",
    "niveau_qualification": "V",
    "quartier_prioritaire": False,
    "departement": "13",
    "territoire": None,
    "ase": False,
    "mna": False,
}
WAIT = "wait"
SUFFIXES = (".json", ".yaml", ".yml")
MAX_BYTES = 256 * 1024
DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_KEYS = ("title", "programme", "start", "seed", "person", "answers", "expect")
_EXPECT_KEYS = ("outcome", "incidents", "path", "finished")
_RELATIVE = re.compile(r"today(?:([+-])(\d{1,4})([dwmy]))?")

Answer = Mapping[str, Any] | str  # field values, or WAIT


@dataclass(frozen=True)
class Expectations:
    outcome: str | None = None
    incidents: int = 0
    path: tuple[str, ...] = ()
    finished: bool = True


@dataclass(frozen=True)
class Scenario:
    name: str  # the file's name, or what the page called it
    title: str
    programme: str | None
    start: datetime
    seed: int
    person: dict[str, Any]
    answers: dict[str, tuple[Answer, ...]]
    expect: Expectations | None = None
    source: str = field(default="", compare=False)


def generated(programme: str | None = None, seed: int = 0) -> Scenario:
    """No scenario: the default person, every answer drawn."""
    return Scenario("", "", programme, DEFAULT_START, seed, resolve_person({}, DEFAULT_START.date()), {})


def read_scenario(path: Path) -> Scenario:
    """A scenario file; its programme defaults to its folder's name (`scenarios/<programme>/x.json`)."""
    data = path.read_bytes()
    default = path.parent.name if path.parent.parent.name == "scenarios" else None
    return parse_scenario(data, path.name, default_programme=default)


def scenario_files(scenarios_dir: Path, programme: str) -> list[Path]:
    """The scenario files kept for `programme` in `scenarios_dir` (`<dir>/<programme>/*.json`...)."""
    folder = scenarios_dir / programme
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES)


def parse_scenario(data: bytes | str, name: str, default_programme: str | None = None) -> Scenario:
    """Read a scenario (JSON, or YAML without anchors); InvalidInput with a catalogue code otherwise."""
    raw = _load(data, name)
    if not isinstance(raw, dict):
        raise InvalidInput("simulation.scenario_shape", name=name, key="/")
    unknown = sorted(set(map(str, raw)) - set(_KEYS))
    if unknown:
        raise InvalidInput(
            "simulation.scenario_unknown_key", name=name, key=unknown[0], expected=", ".join(_KEYS)
        )
    start = _start(raw.get("start"), name)
    programme = raw.get("programme", default_programme)
    if not (programme is None or isinstance(programme, str)):
        raise InvalidInput("simulation.scenario_shape", name=name, key="programme")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidInput("simulation.scenario_shape", name=name, key="seed")
    title = raw.get("title") or Path(name).stem
    return Scenario(
        name=name,
        title=str(title)[:200],
        programme=programme,
        start=start,
        seed=seed,
        person=_person(raw.get("person") or {}, start.date(), name),
        answers=_answers(raw.get("answers") or {}, name),
        expect=_expect(raw["expect"], name) if "expect" in raw else None,
        source=data.decode("utf-8", "replace") if isinstance(data, bytes) else data,
    )


def resolve_person(person: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The person's start data: the defaults, what the scenario gives, relative dates resolved."""
    merged = {**PERSON_FIELDS, **person}
    return {key: resolve_dates(value, today) for key, value in merged.items()}


def resolve_dates(value: Any, today: date) -> Any:
    """`today`, `today+30d`, `today-19y` (d, w, m, y) as ISO dates, in answers at any depth."""
    if isinstance(value, str):
        match = _RELATIVE.fullmatch(value)
        if match is None:
            return value
        sign, amount, unit = match.groups()
        if sign is None:
            return today.isoformat()
        count = int(amount) * (1 if sign == "+" else -1)
        delta = {"d": relativedelta(days=count), "w": relativedelta(weeks=count)}.get(unit) or (
            relativedelta(months=count) if unit == "m" else relativedelta(years=count)
        )
        return (today + delta).isoformat()
    if isinstance(value, list):
        return [resolve_dates(item, today) for item in value]
    if isinstance(value, dict):
        return {key: resolve_dates(item, today) for key, item in value.items()}
    return value


# --- reading --------------------------------------------------------------------------------------


def _load(data: bytes | str, name: str) -> Any:
    if len(data) > MAX_BYTES:
        raise InvalidInput("simulation.scenario_too_large", name=name, limit=MAX_BYTES // 1024)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if not name.endswith((".yaml", ".yml")):
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:
            if name.endswith(".json"):
                english = str(exc)[:200]
                detail = (
                    json_error(exc.msg)
                    if isinstance(exc, json.JSONDecodeError)
                    else Said.of("detail.json", english)
                )
                raise InvalidInput("simulation.scenario_unreadable", name=name, detail=detail) from None
    return _load_yaml(text, name)


def _load_yaml(text: str, name: str) -> Any:
    import yaml

    try:
        # No anchors or aliases: a few lines of them expand to gigabytes ("billion laughs").
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                anchors = Said.of("detail.yaml_anchors", "YAML anchors (&, *)")
                raise InvalidInput("simulation.scenario_unreadable", name=name, detail=anchors)
        return _plain(yaml.safe_load(text))
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        detail = Said.of("detail.yaml", str(exc)[:200], line=line)
        raise InvalidInput("simulation.scenario_unreadable", name=name, detail=detail) from None


def _plain(value: Any) -> Any:
    """YAML's dates as ISO text, as a form sends them."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _start(value: Any, name: str) -> datetime:
    if value is None:
        return DEFAULT_START
    try:
        if isinstance(value, str) and len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(9), tzinfo=UTC)
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("simulation.scenario_shape", name=name, key="start") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _person(person: Any, today: date, name: str) -> dict[str, Any]:
    if not isinstance(person, dict):
        raise InvalidInput("simulation.scenario_shape", name=name, key="person")
    unknown = sorted(set(person) - set(PERSON_FIELDS))
    if unknown:
        raise InvalidInput(
            "simulation.scenario_person_field", name=name, key=unknown[0], expected=", ".join(PERSON_FIELDS)
        )
    for key, value in person.items():
        if not (value is None or isinstance(value, str | bool)):
            raise InvalidInput("simulation.scenario_shape", name=name, key=f"person.{key}")
    return resolve_person(person, today)


def _answers(answers: Any, name: str) -> dict[str, tuple[Answer, ...]]:
    if not isinstance(answers, dict):
        raise InvalidInput("simulation.scenario_shape", name=name, key="answers")
    found: dict[str, tuple[Answer, ...]] = {}
    for task, given in answers.items():
        entries = given if isinstance(given, list) else [given]
        if not entries or not all(isinstance(e, dict) or e == WAIT for e in entries):
            raise InvalidInput("simulation.scenario_shape", name=name, key=f"answers.{task}")
        found[str(task)] = tuple(entries)
    return found


def _expect(expect: Any, name: str) -> Expectations:
    if not isinstance(expect, dict) or set(expect) - set(_EXPECT_KEYS):
        raise InvalidInput("simulation.scenario_shape", name=name, key="expect")
    outcome, incidents = expect.get("outcome"), expect.get("incidents", 0)
    path, finished = expect.get("path", []), expect.get("finished", True)
    valid = (
        (outcome is None or isinstance(outcome, str))
        and isinstance(incidents, int)
        and not isinstance(incidents, bool)
        and isinstance(path, list)
        and all(isinstance(step, str) for step in path)
        and isinstance(finished, bool)
    )
    if not valid:
        raise InvalidInput("simulation.scenario_shape", name=name, key="expect")
    return Expectations(outcome, incidents, tuple(path), finished)
