"""The parser's compiled XPath (issue 13: a first start pays the whole parse of its version)."""

from __future__ import annotations

import json

from bench.model_check import FORM, programme
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from parcours_engine.engine import serializer, spiff_parser
from parcours_engine.engine.loader import load_programme


def _spec_json(bpmn: bytes) -> str:
    model = load_programme({"big.bpmn": bpmn}, {"big.schema.json": FORM}, "big")
    return json.dumps(serializer.registry().convert(model.spec), sort_keys=True)


def test_each_xpath_expression_is_compiled_once_and_the_specs_are_unchanged(monkeypatch) -> None:
    bpmn = programme(200)
    spiff_parser.compiled_xpath.cache_clear()
    compiled = _spec_json(bpmn)
    info = spiff_parser.compiled_xpath.cache_info()
    # ~200 elements ask several questions each: a few distinct expressions, compiled once each.
    assert info.misses < 30 and info.hits > 10 * info.misses
    monkeypatch.setattr(
        spiff_parser.Parser, "OVERRIDE_PARSER_CLASSES", SpiffBpmnParser.OVERRIDE_PARSER_CLASSES
    )
    assert _spec_json(bpmn) == compiled  # SpiffWorkflow's own parsers build the same specs
