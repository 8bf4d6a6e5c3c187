"""Writing .xlsx for people who open it in Excel or WPS: a bold, frozen header, sensible
widths, dates as dates, and formula injection neutralised (CSV/formula injection: a text
cell that starts with =, +, -, @, tab or CR is prefixed with an apostrophe and stored as a
string, so no spreadsheet evaluates it)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(value: str) -> str:
    if value and value[0] in FORMULA_START:
        return "'" + value
    return value


def workbook_bytes(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str,
    widths: dict[str, int] | None = None,
) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = (widths or {}).get(name, 12)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for values in rows:
        out: list[Any] = []
        for value in values:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=guard_formula(value))
                cell.data_type = "s"
                out.append(cell)
            elif isinstance(value, dt.datetime):
                cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
                cell.number_format = "yyyy-mm-dd hh:mm"
                out.append(cell)
            elif isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
