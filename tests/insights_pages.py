"""Reading what the insight pages and CSV files show, for the insights tests."""

import csv
import io
import re

from tests.pages import page_text


def summary(response) -> dict[str, list[str]]:
    """The totals table: each figure's cells for the last 7, 30 and 90 days."""
    page = page_text(response)
    rows = re.findall(r'<tr data-figure="([a-z-]+)">(.*?)</tr>', page, re.DOTALL)
    return {name: re.findall(r"<td>(.*?)</td>", cells, re.DOTALL) for name, cells in rows}


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))
