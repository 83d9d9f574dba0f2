"""Cells for exported spreadsheets (.xlsx and .csv) that a spreadsheet shows and never runs.

A household's owner named ``=HYPERLINK("http://x")`` or a category called ``@SUM(1)`` would run
as a formula when a worker opens the export in Excel or WPS (OWASP "CSV injection"), and
openpyxl writes any string starting with ``=`` as a formula. Every exporter passes each cell
through ``safe_cell``.
"""

from django.http import HttpResponse

# What makes Excel, LibreOffice or WPS read a cell as a formula (OWASP CSV injection guidance).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text cell starting like a formula gets a leading ``'``; numbers and dates stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def read_cell(value):
    """Undo ``safe_cell`` on a cell read back from one of our exports, so a re-import is unchanged."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """An .xlsx download named ``filename``."""
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
