"""Task forms from JSON Schema: widgets, labels, legal warnings, and posted text back to data."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from parcours_engine.web import create_app
from parcours_engine.web.counsellors import schema_form

SCHEMA = {
    "type": "object",
    "required": ["issue"],
    "properties": {
        "issue": {"title": "Issue", "type": "string", "oneOf": [{"const": "cdi", "title": "CDI"}]},
        "mois": {"title": "Durée", "type": "integer", "minimum": 1},
        "le": {"title": "Date", "type": "string", "format": "date"},
        "ok": {"title": "Accord", "type": "boolean"},
        "freins": {"title": "Freins", "type": "array", "items": {"enum": ["a", "b"]}},
        "note": {"title": "Précision", "type": "string", "maxLength": 200, "x-avertissement": "Visible par la personne."},
        "passeport": {"title": "Passeport", "type": "object", "properties": {"ponctualite": {"type": "string", "enum": ["x", "y"]}}},
    },
}  # fmt: skip


def test_widgets_follow_the_schema():
    with create_app({"DATABASE_URL": "sqlite://", "TESTING": True}).test_request_context():
        fields = {f.name: f for f in schema_form.fields(SCHEMA, {"note": {"ui:widget": "textarea"}})}
    assert fields["issue"].widget == "radio" and fields["issue"].required
    assert fields["mois"].widget == "number" and fields["mois"].attrs["min"] == 1
    assert fields["le"].widget == "date"
    assert fields["ok"].widget == "boolean" and [c[0] for c in fields["ok"].choices] == ["true", "false"]
    assert fields["freins"].widget == "checkboxes"
    assert fields["note"].widget == "textarea" and fields["note"].warning == "Visible par la personne."
    assert [c.name for c in fields["passeport"].children] == ["passeport.ponctualite"]


def test_posted_text_becomes_typed_data():
    posted = MultiDict(
        [
            ("issue", "cdi"),
            ("mois", "6"),
            ("ok", "false"),
            ("freins", "a"),
            ("freins", "b"),
            ("passeport.ponctualite", "x"),
        ]
    )
    data, errors = schema_form.parse(SCHEMA, posted)
    assert errors == {}
    assert data == {
        "issue": "cdi",
        "mois": 6,
        "ok": False,
        "freins": ["a", "b"],
        "passeport": {"ponctualite": "x"},
    }
    # A text that is no number stays as typed: the schema reports it with every other error at once.
    data, errors = schema_form.parse(SCHEMA, MultiDict([("mois", "six"), ("ok", "peut-être")]))
    assert data == {"mois": "six", "ok": "peut-être"} and errors == {}
