"""CSV and XLSX writing for analysts: plain rows in, files out (written whole or not at all).

Spreadsheets run a cell starting with = + - @ as a formula; such text is written so that it
stays text (CSV: a leading apostrophe; XLSX: a string cell).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from qa_audit.atomic_files import atomic_write, atomic_write_bytes

XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]],
              preamble: str | None = None) -> int:
    """Write rows to `path` atomically (temp file then rename); returns the row count.
    `preamble` (e.g. "# OFFICIAL-SENSITIVE · Manager copy") is a first line of its own,
    before the header, so that the marking travels inside the file."""
    count = 0

    def write(raw: BinaryIO) -> None:
        nonlocal count
        fh = io.TextIOWrapper(raw, newline="", encoding="utf-8-sig")
        try:
            writer = csv.writer(fh)
            if preamble is not None:
                writer.writerow([preamble])
            writer.writerow(header)
            for row in rows:
                writer.writerow([_cell(v) for v in row])
                count += 1
            fh.flush()
        finally:
            with contextlib.suppress(OSError, ValueError):
                fh.detach()  # the raw file stays open for the fsync (or the clean-up)

    atomic_write(path, write)
    return count


def write_text(path: Path, content: str) -> None:
    atomic_write_bytes(path, content.encode("utf-8"))


def _cell(value: Any) -> Any:
    # A leading = + - @ would run as a formula in a spreadsheet (CSV injection).
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value
    return "" if value is None else value


def _xlsx_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    return value


def write_xlsx(path: Path, about: Sequence[tuple[str, str]],
               sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
               marking: str = "") -> dict[str, int]:
    """A workbook with an 'About' sheet, then one sheet per (name, header, rows); a sheet
    longer than Excel allows continues on 'Name 2', 'Name 3'… Every sheet prints with
    `marking` in its page header and footer. Returns rows per name."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    info = book.create_sheet("About")
    _mark(info, marking)
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 90
    for key, value in about:
        label = WriteOnlyCell(info, value=key)
        label.font = bold
        info.append([label, _as_text(info, value, WriteOnlyCell)])

    counts: dict[str, int] = {}
    for name, header, rows in sheets:
        part, count = 1, 0
        sheet = _data_sheet(book, name, header, bold, WriteOnlyCell)
        _mark(sheet, marking)
        used = 1
        for row in rows:
            if used >= XLSX_MAX_ROWS:
                part += 1
                sheet = _data_sheet(book, f"{name} {part}", header, bold, WriteOnlyCell)
                _mark(sheet, marking)
                used = 1
            sheet.append([_as_text(sheet, v, WriteOnlyCell) if isinstance(v, str)
                          else _xlsx_value(v) for v in row])
            used += 1
            count += 1
        counts[name] = count
    atomic_write(path, book.save)
    return counts


def _mark(sheet: Any, marking: str) -> None:
    """The protective marking centred in the printed header and footer, the header row
    repeated on every printed page."""
    if not marking:
        return
    # In header/footer codes "&" starts a code: a literal ampersand is written "&&".
    safe = _ILLEGAL_XML.sub("", marking).replace("&", "&&")
    for part in (sheet.oddHeader.center, sheet.oddFooter.center):
        part.text = safe
        part.font = "Calibri,Bold"
    sheet.oddFooter.right.text = "Page &P of &N"
    sheet.print_title_rows = "1:1"


def _as_text(sheet: Any, value: str, cell_type: Any) -> Any:
    """A string cell that never becomes a formula, whatever it starts with."""
    cell = cell_type(sheet, value=_xlsx_value(value))
    cell.data_type = "s"
    return cell


def _data_sheet(book: Any, name: str, header: Sequence[str], bold: Any, cell_type: Any) -> Any:
    sheet = book.create_sheet(name)
    sheet.freeze_panes = "A2"
    cells = []
    for h in header:
        cell = cell_type(sheet, value=h)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return sheet
