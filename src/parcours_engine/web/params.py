"""Reading request parameters: whole numbers (a field error, never a 500) and a same-site path to go
back to (never an open redirect)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from parcours_engine.domain.errors import FieldError, InvalidInput


def whole_number(values: Mapping[str, str], name: str) -> int | None:
    """`values[name]` as a non-negative int, None when absent or empty; at most 9 digits, so that no
    database integer overflows."""
    raw = (values.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(field_errors={name: [FieldError("field.integer")]})
    return int(raw)


def required_whole_number(values: Mapping[str, str], name: str) -> int:
    found = whole_number(values, name)
    if found is None:
        raise InvalidInput(field_errors={name: [FieldError("field.required")]})
    return found


def same_site_path(target: str | None) -> str | None:
    """`target` when it is a path of this site (`/taches?echeance=week`), else None.

    A browser follows `//host`, `/\\host` and a path with a tab or a newline inside as another site's
    address, so only a single leading "/" with no scheme, no host, no backslash and no control
    character passes.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
