"""A task's HTML form from its JSON Schema, and the posted form back to typed data.

Supported (what forms/ uses): strings (text, textarea, `format: date`), closed lists (`oneOf` of
`const`/`title`, or `enum`) as radio buttons (≤ 5 choices) or a select, booleans as oui/non radios,
integers and numbers, arrays of a closed list as checkboxes, and one level of nested objects as a
fieldset whose fields are posted as `parent.child`. Labels are the schema's `title`; `description`
and `ui:help` are help texts; `x-avertissement` is the legal warning shown next to a free-text field.
Validation stays with pathways.forms (jsonschema): here we only convert what the browser posts, and a
text that does not convert is kept as typed, so that the schema reports it with every other error in
one pass (a wrong number and a missing field appear together) and the form shows it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from parcours_engine.domain.errors import FieldError

RADIO_MAX = 5


@dataclass
class Field:
    name: str  # posted name; dotted for nested objects
    label: str
    widget: str  # text | textarea | date | number | select | radio | boolean | checkboxes | fieldset
    required: bool
    help: str | None = None
    warning: str | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


def fields(schema: dict[str, Any], ui: dict[str, Any] | None = None, prefix: str = "") -> list[Field]:
    """The fields of an object schema, in `ui:order` then declaration order."""
    ui = ui or {}
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    order = [name for name in ui.get("ui:order", []) if name in properties]
    order += [name for name in properties if name not in order]
    return [_field(prefix + name, properties[name], name in required, ui.get(name, {})) for name in order]


def _field(name: str, prop: dict[str, Any], required: bool, ui: dict[str, Any]) -> Field:
    label = str(prop.get("title") or name.rsplit(".", 1)[-1])
    help_text = ui.get("ui:help") or prop.get("description")
    made = Field(name, label, "text", required, help=help_text, warning=prop.get("x-avertissement"))
    kind = prop.get("type")
    choices = _choices(prop)
    if kind == "object":
        made.widget, made.children = "fieldset", fields(prop, ui, prefix=name + ".")
    elif kind == "array":
        made.widget, made.choices = "checkboxes", _choices(prop.get("items", {}))
    elif kind == "boolean":
        made.widget, made.choices = "boolean", [("true", str(_("Oui"))), ("false", str(_("Non")))]
    elif choices:
        made.choices = choices
        made.widget = "radio" if len(choices) <= RADIO_MAX and ui.get("ui:widget") != "select" else "select"
    elif kind in ("integer", "number"):
        made.widget = "number"
        made.attrs = {
            html: prop[key] for key, html in (("minimum", "min"), ("maximum", "max")) if key in prop
        }
        made.attrs["step"] = "1" if kind == "integer" else "any"
    elif prop.get("format") == "date":
        made.widget = "date"
    else:
        made.widget = "textarea" if ui.get("ui:widget") == "textarea" else "text"
        if "maxLength" in prop:
            made.attrs["maxlength"] = prop["maxLength"]
    return made


def _choices(prop: dict[str, Any]) -> list[tuple[str, str]]:
    if "oneOf" in prop and all("const" in option for option in prop["oneOf"]):
        return [(_text(o["const"]), str(o.get("title", o["const"]))) for o in prop["oneOf"]]
    if "enum" in prop:
        return [(_text(value), str(value)) for value in prop["enum"]]
    return []


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse(
    schema: dict[str, Any], posted: MultiDict[str, str], prefix: str = ""
) -> tuple[dict[str, Any], dict[str, list[FieldError]]]:
    """Typed data from a posted form. A text that does not convert stays a text: the schema's
    validation reports it with all other errors at once, so the second part is always empty (kept for
    callers that raise on it)."""
    data: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        key = prefix + name
        kind = prop.get("type")
        if kind == "object":
            nested, _none = parse(prop, posted, prefix=key + ".")
            if nested:
                data[name] = nested
            continue
        if kind == "array":
            values = [v for v in posted.getlist(key) if v != ""]
            if values or key in posted:
                data[name] = values
            continue
        raw = posted.get(key, "").strip()
        if raw == "":
            continue  # absent: `required` in the schema decides whether that is an error
        try:
            data[name] = _convert(kind, raw)
        except ValueError:
            data[name] = raw  # the schema's `type` says what is wrong, with the other errors
    return data, {}


def _convert(kind: str | None, raw: str) -> Any:
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError(raw)
        return raw == "true"
    if kind == "integer":
        return int(raw)
    if kind == "number":  # "6" stays 6, so that a closed list of numbers shows its choice back
        try:
            return int(raw)
        except ValueError:
            return float(raw)
    return raw


def selected(values: dict[str, Any], name: str) -> Any:
    """The current value of a dotted field name in (re-shown) data."""
    current: Any = values
    for part in name.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current
