"""Tables of figures, and the files they are downloaded as: CSV and a spreadsheet (.xlsx).

A `Table` is a title, column headers and rows of cells. A cell is a number (`int`,
`Decimal`, a finite `float`), a text, `None` (no value) or `SUPPRESSED`: a count hidden to
protect the people counted, which reads "fewer than 11" in the reader's language. The same
table feeds the page (`cell_text`), the charts (`ampcase/lib/charts.py`) and the downloads.

The files are opened in spreadsheet programs, which run a cell that starts with `=`, `+`,
`-` or `@` as a formula (and tab or carriage return lets one slip through): OWASP's "CSV
injection". Every text cell, header and title is therefore neutralised (`neutralise`: a
leading single quote) in both files, and the .xlsx writes every text as a string, never as
a formula. Numbers are written as numbers and never neutralised: -3 is a number.

CSV is comma-separated (RFC 4180), UTF-8 with a byte order mark. Commas, because that is
what the standard, LibreOffice, Google Sheets, R, pandas and IOM's own tools read without
being told, and numbers keep their decimal point unambiguous; the BOM makes Excel read
"Å" as Å. Excel set to Swedish splits on ";" when a CSV is double-clicked: that is what the
.xlsx, which opens the same everywhere, is offered beside it for.

This module imports no project app, so every app may use it.
"""

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

from django.http import HttpResponse
from django.utils import formats
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ampcase.lib import suppression
from ampcase.lib.http import attachment_disposition

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Suppressed:
    """The one marker of a suppressed cell (`SUPPRESSED`); its text is in the reader's language."""

    _instance = None

    def __new__(cls):
        # One marker, so that `cell is SUPPRESSED` holds wherever a table came from.
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return gettext("fewer than %(count)d") % {"count": suppression.K}

    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED = Suppressed()

Number = int | Decimal | float
Cell = Number | str | Promise | Suppressed | None


def is_number(cell: object) -> bool:
    """A number cell (`bool` is not one, although Python counts it as an `int`)."""
    return isinstance(cell, int | Decimal | float) and not isinstance(cell, bool)


def _check_cell(cell: object) -> None:
    if cell is None or cell is SUPPRESSED or isinstance(cell, str | Promise):
        return
    if not is_number(cell):
        raise TypeError(f"A table cell is a number, a text, None or SUPPRESSED, not {cell!r}.")
    if isinstance(cell, float) and not math.isfinite(cell):
        raise ValueError(f"A table cell is a finite number, not {cell!r}.")
    if isinstance(cell, Decimal) and not cell.is_finite():
        raise ValueError(f"A table cell is a finite number, not {cell!r}.")


@dataclass(frozen=True)
class Table:
    """A title, column headers and rows of cells, each row as long as the headers."""

    title: str | Promise
    headers: tuple[str | Promise, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def __init__(
        self,
        title: str | Promise,
        headers: Sequence[str | Promise],
        rows: Sequence[Sequence[Cell]],
    ) -> None:
        headers = tuple(headers)
        rows = tuple(tuple(row) for row in rows)
        for number, row in enumerate(rows, start=1):
            if len(row) != len(headers):
                raise ValueError(
                    f"Row {number} has {len(row)} cells; the table has {len(headers)} columns."
                )
            for cell in row:
                _check_cell(cell)
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "headers", headers)
        object.__setattr__(self, "rows", rows)

    def display_rows(self) -> list[list["DisplayCell"]]:
        """Each cell as the page shows it, for a template: its text (`cell_text`) and whether
        it is a number (set right, to be compared down a column) or suppressed."""
        return [
            [DisplayCell(cell_text(cell), is_number(cell), cell is SUPPRESSED) for cell in row]
            for row in self.rows
        ]

    def filename(self, extension: str) -> str:
        """A download name from the title in the reader's language: "ärenden-per-region.csv"."""
        return f"{slugify(str(self.title), allow_unicode=True) or 'table'}.{extension}"


class DisplayCell(NamedTuple):
    text: str
    number: bool
    suppressed: bool


def cell_text(cell: Cell) -> str:
    """A cell as the page shows it: numbers grouped the way the language writes them
    ("1 234" in Swedish, "1,234" in English), the marker as its words, no value as "–"."""
    if cell is None:
        return "–"
    if is_number(cell):
        return formats.number_format(cell, use_l10n=True, force_grouping=True)
    return str(cell)


# OWASP's list: what makes a spreadsheet program read a cell as a formula (or, with tab and
# carriage return, hides a formula behind what looks like blank space).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Some programs skip leading spaces and line breaks before they look for a formula, so a text
# whose first visible character is a trigger is neutralised too (" =1+1").
_LEADING_BLANKS = re.compile(r"^[ \n\t\r\f\v\u00a0]*")


def neutralise(text: str) -> str:
    """`text` that no spreadsheet program runs: prefixed with "'" when it could start a formula."""
    visible = _LEADING_BLANKS.sub("", text)
    if text.startswith(FORMULA_TRIGGERS) or visible.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _file_cell(cell: Cell) -> Number | str:
    """A cell as written to a file: a number as it is, anything else as neutralised text."""
    if is_number(cell):
        return cell
    if cell is None:
        return ""
    return neutralise(str(cell))


def _file_rows(table: Table) -> list[list[Number | str]]:
    return [[neutralise(str(header)) for header in table.headers]] + [
        [_file_cell(cell) for cell in row] for row in table.rows
    ]


def _csv_number(number: Number) -> str:
    # A plain decimal point and no grouping: what every program reads as a number.
    if isinstance(number, Decimal):
        return format(number, "f")
    return repr(number) if isinstance(number, float) else str(number)


def to_csv(table: Table) -> bytes:
    """The table as CSV: a header line, then a line a row; UTF-8 with a BOM, CRLF line ends."""
    output = io.StringIO()
    # QUOTE_MINIMAL quotes texts with commas, quotes or line breaks; every text is neutralised.
    writer = csv.writer(output, lineterminator="\r\n")
    for row in _file_rows(table):
        writer.writerow([_csv_number(cell) if is_number(cell) else cell for cell in row])
    return output.getvalue().encode("utf-8-sig")


# Excel's limits for a sheet's name.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_NAME_LENGTH = 31


def _xlsx_text(text: str) -> str:
    # Control characters are not allowed in the file format: openpyxl would refuse the cell.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _number_format(number: Number) -> str:
    if isinstance(number, Decimal) and number.as_tuple().exponent < 0:
        return "#,##0." + "0" * -number.as_tuple().exponent
    return "#,##0" if isinstance(number, int) else "General"


def to_xlsx(table: Table) -> bytes:
    """The table as a spreadsheet: one sheet named after the title, the headers in bold and
    kept in view, numbers as numbers, every text as a string (never a formula)."""
    workbook = Workbook()
    sheet = workbook.active
    title = str(table.title)
    sheet.title = _SHEET_NAME_FORBIDDEN.sub(" ", title)[:_SHEET_NAME_LENGTH].strip() or "Table"
    workbook.properties.title = _xlsx_text(title)
    workbook.properties.creator = "ÅMP Case"
    widths: dict[int, int] = {}
    for row_number, row in enumerate(_file_rows(table), start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            if is_number(value):
                cell.value = value
                cell.number_format = _number_format(value)
            else:
                cell.value = _xlsx_text(value)
                # openpyxl takes a text starting with "=" for a formula and "#N/A" for an
                # error: whatever the text, it is written as a string.
                cell.data_type = "s"
            if row_number == 1:
                cell.font = Font(bold=True)
            widths[column] = max(widths.get(column, 0), len(str(cell.value)))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


Format = Literal["csv", "xlsx"]
_WRITERS = {"csv": (to_csv, CSV_CONTENT_TYPE), "xlsx": (to_xlsx, XLSX_CONTENT_TYPE)}


def table_response(table: Table, file_format: Format, *, filename: str = "") -> HttpResponse:
    """A download of `table` as CSV or .xlsx, in the active language.

    Named `filename` (a plain stem: letters, digits, "-", "_"; the extension is added) or
    after the table's title. Always an attachment, never sniffed, sandboxed should it be
    opened anyway, and never cached: the figures are only as current as the request. The
    caller checks permissions and records the export in the audit trail first.
    """
    write, content_type = _WRITERS[file_format]
    name = (
        f"{slugify(filename, allow_unicode=True) or 'table'}.{file_format}"
        if filename
        else table.filename(file_format)
    )
    response = HttpResponse(write(table), content_type=content_type)
    response["Content-Disposition"] = attachment_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response
