"""The passport's referential: the social competencies employers expect, their levels, closed lists.

It lives in a data file a coordinator edits, `forms/referentiel_competences.json` (next to the task
forms whose codes it must share: `competences_sociales.schema.json` and
`experience_professionnelle.schema.json`). `$PARCOURS_REFERENTIEL` names another file. The file is
re-read when it changes, so an edit takes effect without a restart; a broken file is refused with a
message naming what to fix, and the last good one is never silently replaced by a partial one.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parcours_engine.domain.errors import ParcoursError

DEFAULT_PATH = Path("forms") / "referentiel_competences.json"
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LISTS = ("niveaux", "competences", "secteurs", "natures_periode", "references_obtenues", "types_documents")


class ReferentialError(ParcoursError):
    """The referential file is missing or malformed: a coordinator must fix it (the problems name the
    file's keys, as a modeller's problems name a model's elements)."""

    http_status = 500


@dataclass(frozen=True)
class Item:
    code: str
    label: str


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    rank: int | None  # None: not assessed yet ("à vérifier"); higher is better


@dataclass(frozen=True)
class PeriodKind:
    code: str
    label: str
    employment: bool  # counts as an employment situation (seed 002 indicator)


@dataclass(frozen=True)
class Referential:
    initial_level: str
    levels: tuple[Level, ...]
    competences: tuple[Item, ...]
    sectors: tuple[Item, ...]
    period_kinds: tuple[PeriodKind, ...]
    references_obtained: tuple[Item, ...]
    document_kinds: tuple[Item, ...]

    def level(self, code: str) -> Level:
        for level in self.levels:
            if level.code == code:
                return level
        return Level(code, code, None)  # a level since removed from the file stays readable

    def label(self, list_name: str, code: str | None) -> str:
        """The French label of a code of one of the lists ('' for None; the code itself if retired)."""
        if code is None:
            return ""
        items: tuple[Any, ...] = getattr(self, list_name)
        return next((item.label for item in items if item.code == code), code)

    def codes(self, list_name: str) -> frozenset[str]:
        items: tuple[Any, ...] = getattr(self, list_name)
        return frozenset(item.code for item in items)


_lock = threading.Lock()
_cached: tuple[Path, float, Referential] | None = None


def path() -> Path:
    """$PARCOURS_REFERENTIEL, else forms/ of the working directory, else of the source checkout."""
    given = os.environ.get("PARCOURS_REFERENTIEL")
    if given:
        return Path(given)
    if DEFAULT_PATH.exists():
        return DEFAULT_PATH
    return Path(__file__).resolve().parents[3] / DEFAULT_PATH


def referential() -> Referential:
    """The referential in force (re-read when its file changed)."""
    global _cached
    where = path()
    try:
        mtime = where.stat().st_mtime
    except OSError as exc:
        raise ReferentialError("referential.missing", file=str(where), reason=exc.strerror) from exc
    with _lock:
        if _cached is not None and _cached[0] == where and _cached[1] == mtime:
            return _cached[2]
    loaded = parse(where.read_text(encoding="utf-8"), str(where))
    with _lock:
        _cached = (where, mtime, loaded)
    return loaded


def parse(text: str, name: str = "referentiel") -> Referential:
    """Check and build a referential from the file's text; ReferentialError names each problem."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ReferentialError("referential.not_json", file=name, detail=str(exc)) from exc
    problems = _problems(raw)
    if problems:
        raise ReferentialError("referential.invalid", file=name, problems="; ".join(problems))
    return Referential(
        initial_level=raw["niveau_initial"],
        levels=tuple(Level(i["code"], i["libelle"], i.get("rang")) for i in raw["niveaux"]),
        competences=_items(raw["competences"]),
        sectors=tuple(Item(i["code"], i["libelle"]) for i in raw["secteurs"]),
        period_kinds=tuple(
            PeriodKind(i["code"], i["libelle"], bool(i.get("emploi"))) for i in raw["natures_periode"]
        ),
        references_obtained=_items(raw["references_obtenues"]),
        document_kinds=_items(raw["types_documents"]),
    )


def _items(raw: list[dict[str, Any]]) -> tuple[Item, ...]:
    return tuple(Item(i["code"], i["libelle"]) for i in raw)


def _problems(raw: Any) -> list[str]:
    if not isinstance(raw, dict):
        return ["the file must hold one JSON object"]
    problems: list[str] = []
    for list_name in _LISTS:
        items = raw.get(list_name)
        if not isinstance(items, list) or not items:
            problems.append(f"{list_name!r} must be a non-empty list")
            continue
        seen: set[str] = set()
        for index, item in enumerate(items):
            code = item.get("code") if isinstance(item, dict) else None
            # Sectors are ROME domain letters (upper case); every other code is snake_case.
            pattern = re.compile(r"^[A-Z]$") if list_name == "secteurs" else _CODE
            if not isinstance(code, str) or not pattern.match(code):
                problems.append(f"{list_name}[{index}]: bad or missing 'code'")
            elif code in seen:
                problems.append(f"{list_name}: code {code!r} appears twice")
            else:
                seen.add(code)
            if not isinstance(item, dict) or not str(item.get("libelle", "")).strip():
                problems.append(f"{list_name}[{index}]: missing 'libelle'")
    levels = {i.get("code") for i in raw.get("niveaux", []) if isinstance(i, dict)}
    if raw.get("niveau_initial") not in levels:
        problems.append("'niveau_initial' must be the code of one of the 'niveaux'")
    return problems
