"""The parser's compiled XPath (issue 13: a first start pays the whole parse of its version)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.model_check import FORM, programme
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from parcours_engine.engine import serializer, spiff_parser
from parcours_engine.engine.loader import load_library, load_programme, read_library_dir

REPO = Path(__file__).resolve().parents[2]


def _as_json(spec: object) -> str:
    return json.dumps(serializer.registry().convert(spec), sort_keys=True, default=str)


def _big_spec(bpmn: bytes) -> str:
    return _as_json(load_programme({"big.bpmn": bpmn}, {"big.schema.json": FORM}, "big").spec)


def _shipped_specs() -> dict[str, str]:
    library = load_library(*read_library_dir(REPO / "processes", REPO / "forms"))
    return {
        name: _as_json([model.spec, sorted(model.subprocess_specs.items())])
        for name, model in library.programmes.items()
    }


def test_each_xpath_expression_is_compiled_once(monkeypatch) -> None:
    spiff_parser.compiled_xpath.cache_clear()
    compiled = _big_spec(programme(200))
    info = spiff_parser.compiled_xpath.cache_info()
    # ~200 elements ask several questions each: a few distinct expressions, compiled once each.
    assert info.misses < 30 and info.hits > 10 * info.misses
    monkeypatch.setattr(
        spiff_parser.Parser, "OVERRIDE_PARSER_CLASSES", SpiffBpmnParser.OVERRIDE_PARSER_CLASSES
    )
    assert _big_spec(programme(200)) == compiled  # SpiffWorkflow's own parsers build the same specs


def test_the_shipped_programmes_parse_to_the_same_specs_as_with_spiffworkflows_parsers(monkeypatch) -> None:
    compiled = _shipped_specs()
    monkeypatch.setattr(
        spiff_parser.Parser, "OVERRIDE_PARSER_CLASSES", SpiffBpmnParser.OVERRIDE_PARSER_CLASSES
    )
    assert _shipped_specs() == compiled and len(compiled) >= 9
