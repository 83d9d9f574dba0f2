"""Cells for exported spreadsheets (.xlsx and .csv) that a spreadsheet shows and never runs.

A household's owner named ``=HYPERLINK("http://x")`` or a category called ``@SUM(1)`` would run
as a formula when a worker opens the export in Excel or WPS (OWASP "CSV injection"), and
openpyxl writes any string starting with ``=`` as a formula. Every exporter passes each cell
through ``safe_cell``.
"""

import csv
import io

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


def csv_text(rows) -> str:
    """Rows as CSV text, each cell through ``safe_cell`` (None as empty), with a UTF-8 BOM so
    Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([[safe_cell("" if v is None else v) for v in row] for row in rows])
    return "\ufeff" + out.getvalue()


def csv_response(rows, filename: str) -> HttpResponse:
    """A .csv download named ``filename`` (see ``csv_text``)."""
    response = HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_bytes(tables) -> bytes:
    """An .xlsx with one sheet per ``(title, rows)`` table, each cell through ``safe_cell``; the
    first row of each sheet (its header) is bold and stays in view when scrolling."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, rows in tables:
        sheet = book.create_sheet(title=str(title)[:31])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        if sheet.max_row:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
