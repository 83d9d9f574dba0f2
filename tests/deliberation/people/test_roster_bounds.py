"""Issue 9, item 17: bounded roster imports, and exports whose cells never run as formulas."""

import csv
import io
from io import BytesIO
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from deliberation.exports import safe_cell
from deliberation.models import Building, Category, Household, Owner, Request
from deliberation.services.roster import COLUMNS, roster_import

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x")', "@SUM(1)", "+1+1", "-1+1", "\t=1", "\r=1"]


def xlsx(rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_of_text(rows) -> bytes:
    """``xlsx(rows)`` for rows of text, written in openpyxl's own form of a row (the test below
    checks that the sheets agree) inside the workbook openpyxl writes around the headers: a
    hundred thousand rows take a second instead of ten."""

    def row(number, values):
        cells = "".join(
            f'<c r="{get_column_letter(column)}{number}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
            if value
            else f'<c r="{get_column_letter(column)}{number}" t="inlineStr" />'
            for column, value in enumerate(values, start=1)
        )
        return f'<row r="{number}">{cells}</row>'

    around = ZipFile(BytesIO(xlsx([])))
    out = BytesIO()
    with ZipFile(out, "w", ZIP_DEFLATED) as copy:
        for info in around.infolist():
            content = around.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                before, rest = content.decode().split("<sheetData>")
                _headers, after = rest.split("</sheetData>")
                lines = "".join(row(number, values) for number, values in enumerate([COLUMNS, *rows], 1))
                content = f"{before}<sheetData>{lines}</sheetData>{after}".encode()
            copy.writestr(info.filename, content)
    return out.getvalue()


def sheet_xml(data: bytes) -> bytes:
    return ZipFile(BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_the_fast_roster_writer_writes_what_openpyxl_writes():
    rows = [*bad_rows(30), ["1号楼", "<&>\"'", "", "80", "业主", ""]]
    assert sheet_xml(xlsx_of_text(rows)) == sheet_xml(xlsx(rows))
    assert read_back(xlsx_of_text(rows)) == read_back(xlsx(rows))


def read_back(data: bytes) -> list:
    return list(load_workbook(BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))


def bad_rows(n):
    return [["9号楼", "1单元", str(i), "abc", "", ""] for i in range(n)]


@pytest.fixture
def buildings(community):
    for name in ("1号楼", "2号楼"):
        Building.objects.get_or_create(community=community, name=name)


def post(client, community, data):
    return client.post(
        f"/communities/{community.pk}/roster/",
        {"file": SimpleUploadedFile("roster.xlsx", data, content_type="application/octet-stream")},
    )


def imported(community):
    return Household.objects.filter(building__community=community, building__name__in=["1号楼", "2号楼"])


def test_100000_bad_rows_are_refused_at_the_cap_with_a_small_page(client, community, worker, buildings):
    data = xlsx_of_text(bad_rows(100_000))
    assert len(data) > 1_000_000
    client.force_login(worker)
    response = post(client, community, data)
    body = response.content.decode()
    assert response.status_code == 200 and len(response.content) < 30_000
    assert "文件超过 5000 户（第 5002 行多出一户），没有导入任何数据" in body
    assert not imported(community).exists() and not Owner.objects.exists()


def test_the_row_cap_follows_the_setting_and_counts_households_not_blank_lines(
    client, community, worker, buildings, settings
):
    settings.ROSTER_MAX_ROWS = 3
    rows = [["1号楼", "1单元", str(100 + i), 80, f"业主{i}", ""] for i in range(3)]
    client.force_login(worker)
    with_blanks = xlsx([rows[0], [None] * 6, [None] * 6, rows[1], rows[2]])
    assert post(client, community, with_blanks).status_code == 302
    assert imported(community).count() == 3
    body = post(
        client, community, xlsx([*rows, ["1号楼", "1单元", "999", 80, "多一户", ""]])
    ).content.decode()
    assert "文件超过 3 户" in body and not imported(community).filter(room="999").exists()


def test_at_most_50_errors_are_listed_with_the_total(client, community, worker, buildings, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(worker)
    body = post(client, community, xlsx(bad_rows(60))).content.decode()
    assert "60 rows are wrong; nothing was imported." in body
    assert body.count("<li>Row ") == 50
    assert "Row 51:" in body and "Row 52:" not in body
    assert "… and 10 more wrong rows (60 in total)." in body
    assert not imported(community).exists()


def test_a_file_that_unpacks_too_large_is_refused_before_reading(
    client, community, worker, buildings, settings
):
    settings.ROSTER_MAX_UNPACKED_BYTES = 20_000
    client.force_login(worker)
    # Repetitive text packs small and unpacks large, like a zip bomb.
    data = xlsx([["1号楼", "1单元", str(i), 80, "张" * 200, ""] for i in range(200)])
    assert len(data) < 20_000
    body = post(client, community, data).content.decode()
    assert "这个文件解压后超过" in body
    assert not imported(community).exists()


def test_the_command_lists_50_errors_and_counts_all(tmp_path, community, buildings, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(bad_rows(60)))
    with pytest.raises(CommandError, match="60"):
        call_command("import_roster", community.slug, str(path))
    assert capsys.readouterr().err.count("\n") == 50
    path.write_bytes(xlsx(bad_rows(5001)))
    with pytest.raises(CommandError):
        call_command("import_roster", community.slug, str(path))
    assert "5000" in capsys.readouterr().err
    assert Household.objects.filter(building__name="9号楼").count() == 0


@pytest.mark.parametrize(
    "value, expected",
    [
        *[(text, "'" + text) for text in HOSTILE],
        ("张三", "张三"),
        ("", ""),
        ("1+1", "1+1"),
        (-5, -5),
        (89.5, 89.5),
        (None, None),
    ],
)
def test_safe_cell_neutralises_text_only(value, expected):
    assert safe_cell(value) == expected


def assert_inert(cell):
    """openpyxl writes a string starting with ``=`` as a formula; an inert cell is plain text."""
    assert cell.data_type == "s", (cell.coordinate, cell.value)
    assert cell.value.startswith("'")


def test_roster_export_cells_are_inert_and_round_trip(client, community, worker, buildings):
    hostile_building = Building.objects.create(community=community, name="@SUM(1)")
    household = Household.objects.create(building=hostile_building, unit="-1+1", room="=1+1", area=80)
    # "/" separates co-owners in the roster, so this formula has none.
    # A mainland phone is exported as 138 0000 0000; an international one keeps its "+" (+1 212-…).
    Owner.objects.create(household=household, name='=HYPERLINK("x.cn")', phone="+12125552368")
    for other in Household.objects.filter(owners__isnull=True):
        Owner.objects.create(household=other, name="社工家")
    client.force_login(worker)
    response = client.get(f"/communities/{community.pk}/roster/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "'@SUM(1)")
    for cell in (row[0], row[1], row[2], row[4], row[5]):
        assert_inert(cell)
    assert row[3].value == 80 and row[3].data_type == "n"
    result = roster_import(community=community, data=response.content)
    assert result.unchanged == Household.objects.for_community(community).count()
    assert Owner.objects.get(household=household).name == '=HYPERLINK("x.cn")'


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_statistics_export_cells_are_inert(client, community, resident, fmt):
    for i, name in enumerate(['=HYPERLINK("http://x")', "@SUM(1)"]):
        category = Category.objects.create(
            name_zh=name, name_en=name, default_party="community", position=90 + i
        )
        Request.objects.create(
            tracking_number=f"SQ-2026-9{i:05d}", community=community, category=category, requester=resident,
            title="t", description="d",
        )  # fmt: skip
    url = reverse("community_statistics_export", kwargs={"community_id": community.pk, "fmt": fmt})
    response = client.get(url)
    assert response.status_code == 200
    if fmt == "csv":
        cells = [c for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for c in row]
        assert """'=HYPERLINK("http://x")""" in cells and "'@SUM(1)" in cells
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    else:
        book = load_workbook(BytesIO(response.content))
        cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
        assert not any(c.data_type == "f" for c in cells)
        hostile = [
            c for c in cells if isinstance(c.value, str) and ("HYPERLINK" in c.value or "SUM" in c.value)
        ]
        assert len(hostile) == 2
        for cell in hostile:
            assert_inert(cell)
