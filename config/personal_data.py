"""The shape of a person's own data: what "download my data" exports and what deleting an
account erases. Each app contributes its own part, so accounts (which builds the archive
and purges the account) never imports the apps above it.

An export section is a function ``section(user)`` yielding (file name inside the archive,
contents) pairs, one file at a time so photos stream through, listed in the
DATA_EXPORT_SECTIONS setting. An eraser is
a function ``erase(*, user) -> None`` listed, in the order they must run, in
ACCOUNT_ERASERS; it removes that app's rows about the person, through its services.
"""

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

ExportSection = Callable[[Any], Iterable[tuple[str, bytes]]]
Eraser = Callable[..., None]


def export_sections() -> list[ExportSection]:
    return [import_string(path) for path in settings.DATA_EXPORT_SECTIONS]


def account_erasers() -> list[Eraser]:
    return [import_string(path) for path in settings.ACCOUNT_ERASERS]


def _plain(value: Any) -> Any:
    """Times as UTC ISO 8601, everything else as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def table_files(
    name: str, fields: list[str], rows: Iterable[Mapping[str, Any]]
) -> list[tuple[str, bytes]]:
    """``name.json`` and ``name.csv`` holding the same rows (only ``fields``, in order)."""
    records = [{field: _plain(row[field]) for field in fields} for row in rows]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fields)
    writer.writeheader()
    writer.writerows(records)
    return [
        (f"{name}.json", json_bytes(records)),
        (f"{name}.csv", text.getvalue().encode("utf-8")),
    ]


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_plain).encode("utf-8")
