"""Tables and their downloads: nothing a spreadsheet could run, numbers kept, Å kept."""

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from ampcase.lib.tables import (
    SUPPRESSED,
    Suppressed,
    Table,
    cell_text,
    neutralise,
    table_response,
    to_csv,
    to_xlsx,
)

DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def table_of(*cells, headers=("Label", "Value")) -> Table:
    return Table("Cases by region", headers, [("row", cell) for cell in cells])


def csv_rows(table: Table) -> list[list[str]]:
    data = to_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def as_read_from_xlsx(text: str) -> str:
    # XML reads a carriage return as a line feed: the cell still starts with the quote.
    return text.replace("\r", "\n")


def xlsx_cells(table: Table):
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    return [[cell for cell in row] for row in sheet.iter_rows()]


# --- Neutralising ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_text_that_could_start_a_formula_is_prefixed_with_a_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", [" =1+1", "\n=1+1", "  @cmd"])
def test_a_formula_behind_blank_space_is_neutralised_too(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Stockholm", "Åland", "1-2", "a=b", "", "'quoted"])
def test_an_ordinary_text_is_left_as_it_is(text):
    assert neutralise(text) == text


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_neutralises_each_dangerous_first_character(text):
    rows = csv_rows(table_of(text))
    assert rows[1] == ["row", "'" + text]


@pytest.mark.parametrize("text", DANGEROUS)
def test_xlsx_neutralises_each_dangerous_first_character_and_writes_a_string(text):
    cell = xlsx_cells(table_of(text))[1][1]
    assert cell.value == as_read_from_xlsx("'" + text)
    assert cell.data_type == "s"


@pytest.mark.parametrize("text", DANGEROUS)
def test_headers_are_neutralised_in_both_files(text):
    table = table_of(1, headers=(text, "Value"))
    assert csv_rows(table)[0][0] == "'" + text
    assert xlsx_cells(table)[0][0].value == as_read_from_xlsx("'" + text)


def test_the_xlsx_file_holds_no_formula_at_all():
    data = to_xlsx(table_of(*DANGEROUS, "#N/A"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert 't="e"' not in sheet


def test_an_error_code_text_is_a_string_in_xlsx():
    cell = xlsx_cells(table_of("#N/A"))[1][1]
    assert (cell.value, cell.data_type) == ("#N/A", "s")


# --- Numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [(12, "12"), (-3, "-3"), (0, "0"), (Decimal("1234.50"), "1234.50"), (2.5, "2.5")],
)
def test_numbers_stay_numbers_in_csv(number, text):
    assert csv_rows(table_of(number))[1] == ["row", text]


@pytest.mark.parametrize("number", [12, -3, 0, Decimal("-1234.50"), 2.5])
def test_numbers_stay_numbers_in_xlsx(number):
    cell = xlsx_cells(table_of(number))[1][1]
    assert cell.data_type == "n"
    assert cell.value == number


def test_a_bool_is_not_a_cell():
    with pytest.raises(TypeError):
        table_of(True)


def test_a_row_must_be_as_long_as_the_headers():
    with pytest.raises(ValueError, match="Row 1"):
        Table("T", ["A", "B"], [("only one",)])


@pytest.mark.parametrize("number", [float("nan"), float("inf"), Decimal("NaN")])
def test_a_number_that_is_not_finite_is_refused(number):
    with pytest.raises(ValueError):
        table_of(number)


# --- The suppressed marker ---------------------------------------------------------------------


def test_there_is_one_suppressed_marker():
    assert Suppressed() is SUPPRESSED


def test_the_suppressed_marker_reads_fewer_than_11_in_english():
    table = table_of(SUPPRESSED)
    with translation.override("en"):
        assert cell_text(SUPPRESSED) == "fewer than 11"
        assert csv_rows(table)[1] == ["row", "fewer than 11"]
        cell = xlsx_cells(table)[1][1]
    assert (cell.value, cell.data_type) == ("fewer than 11", "s")


def test_the_suppressed_marker_names_the_threshold_suppression_applies(monkeypatch):
    # One threshold: the words say the K below which ampcase.lib.suppression hides a count.
    from ampcase.lib import suppression

    monkeypatch.setattr(suppression, "K", 5)
    with translation.override("en"):
        assert cell_text(SUPPRESSED) == "fewer than 5"


# Needs the Swedish translation of "fewer than %(count)d" (in /work/i11/sv-export.po).
def test_the_suppressed_marker_reads_farre_an_11_in_swedish():
    table = table_of(SUPPRESSED)
    with translation.override("sv"):
        assert cell_text(SUPPRESSED) == "färre än 11"
        assert csv_rows(table)[1] == ["row", "färre än 11"]
        assert xlsx_cells(table)[1][1].value == "färre än 11"


# --- Text beyond ASCII -------------------------------------------------------------------------


def test_a_round_trips_through_csv_and_xlsx():
    table = Table("Ärenden per län", ["Län", "Antal"], [("Västra Götaland, Åmål", 12)])
    assert csv_rows(table) == [["Län", "Antal"], ["Västra Götaland, Åmål", "12"]]
    rows = xlsx_cells(table)
    assert [[cell.value for cell in row] for row in rows] == [
        ["Län", "Antal"],
        ["Västra Götaland, Åmål", 12],
    ]


def test_the_sheet_is_named_after_the_title_within_excels_limits():
    table = Table("Cases by region: 2026/01 [all] and a very long rest", ["A"], [(1,)])
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet.title == "Cases by region  2026 01  all"


def test_cell_text_groups_numbers_the_way_the_language_writes_them():
    with translation.override("en"):
        assert cell_text(1234) == "1,234"
        assert cell_text(None) == "–"


# --- The download ------------------------------------------------------------------------------


def test_a_download_is_an_attachment_never_cached():
    table = Table("Ärenden per län", ["Län"], [("Skåne",)])
    response = table_response(table, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="arenden-per-lan.csv"; '
        "filename*=utf-8''%C3%A4renden-per-l%C3%A4n.csv"
    )
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == to_csv(table)


def test_a_download_name_given_by_the_caller_is_made_safe():
    response = table_response(table_of(1), "xlsx", filename='../../etc/passwd"; x=')
    assert response["Content-Disposition"] == 'attachment; filename="etcpasswd-x.xlsx"'
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert load_workbook(io.BytesIO(response.content)).active["B2"].value == 1


def test_display_rows_tell_numbers_and_suppressed_cells_apart():
    table = Table("T", ["Region", "Cases"], [("Skåne", 1234), ("Gotland", SUPPRESSED)])
    with translation.override("en"):
        rows = table.display_rows()
    assert [tuple(cell) for cell in rows[0]] == [("Skåne", False, False), ("1,234", True, False)]
    assert tuple(rows[1][1]) == ("fewer than 11", False, True)
