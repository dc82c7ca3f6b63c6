"""Files of a person's data handed to a browser (the passport and data export as PDF or JSON, a
reference document, a convocation letter): an attachment under its name, kept in no cache (a shared
computer keeps no copy) and never sniffed as another type."""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any

from flask import Response, current_app, send_file


def private_file(body: bytes, media_type: str, name: str) -> Response:
    """`body` as the attachment `name` (non-ASCII names too), stored by no cache."""
    response = send_file(BytesIO(body), mimetype=media_type, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def private_json(data: Mapping[str, Any], name: str) -> Response:
    """`data` as the JSON attachment `name`, written as the app writes every JSON answer."""
    return private_file(current_app.json.dumps(data).encode("utf-8"), "application/json", name)
