"""Roster import from real .xlsx files the tests generate, through the page and the command."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from deliberation.models import Building, Household, Owner
from deliberation.services.roster import COLUMNS, RosterInvalid, roster_export, roster_import

pytestmark = pytest.mark.django_db


def xlsx(rows, header=COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD = [
    ["1号楼", "1单元", "101", 89.5, "张三、李四", "13800000001、13800000002"],
    ["1号楼", "1单元", "102", "75.20", "王五", ""],
    ["2号楼", "3单元", "1201", 120, "赵六", "13800000003"],
]


@pytest.fixture
def buildings(community):
    for name in ("1号楼", "2号楼"):
        Building.objects.get_or_create(community=community, name=name)


def upload(client, community, data, name="roster.xlsx"):
    return client.post(
        f"/communities/{community.pk}/roster/",
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
        follow=True,
    )


def test_good_file_imports_and_a_second_import_changes_nothing(client, community, worker, buildings):
    client.force_login(worker)
    response = upload(client, community, xlsx(GOOD))
    assert "3 户新增" in response.content.decode()
    households = Household.objects.for_community(community).exclude(building__name="综合楼")
    assert households.count() == 3
    first = households.get(room="101")
    assert first.area == Decimal("89.50")
    assert sorted(first.owners.values_list("name", flat=True)) == ["张三", "李四"]
    assert Owner.objects.get(name="李四").phone == "13800000002"

    snapshot = list(Owner.objects.order_by("pk").values_list("pk", "household_id", "name", "phone"))
    response = upload(client, community, xlsx(GOOD))
    assert "3 户未变" in response.content.decode()
    assert list(Owner.objects.order_by("pk").values_list("pk", "household_id", "name", "phone")) == snapshot


def test_reimport_updates_area_and_owners_in_place(community, buildings):
    roster_import(community=community, data=xlsx(GOOD))
    changed = [list(GOOD[0]), *GOOD[1:]]
    changed[0][3] = 90
    changed[0][4] = "张三"
    changed[0][5] = "13800000001"
    result = roster_import(community=community, data=xlsx(changed))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    household = Household.objects.get(room="101")
    assert household.area == Decimal("90.00")
    assert list(household.owners.values_list("name", flat=True)) == ["张三"]


def test_three_bad_rows_import_nothing_and_are_named(client, community, worker, buildings):
    rows = [
        GOOD[0],
        ["1号楼", "1单元", "", 80, "钱七", ""],  # line 3: missing room
        ["1号楼", "1单元", "103", "-5", "孙八", ""],  # line 4: area not positive
        GOOD[1],
        ["9号楼", "1单元", "101", 80, "周九", ""],  # line 6: unknown building
    ]
    client.force_login(worker)
    response = upload(client, community, xlsx(rows))
    body = response.content.decode()
    assert "3 行有误" in body
    assert "第 3 行" in body and "缺少房号" in body
    assert "第 4 行" in body and "不是正数" in body
    assert "第 6 行" in body and "未知楼栋" in body and "9号楼" in body
    assert not Household.objects.filter(building__name__in=["1号楼", "2号楼"]).exists()
    assert Owner.objects.count() == 0


def test_duplicate_room_in_one_file_is_an_error(community, buildings):
    with pytest.raises(RosterInvalid) as caught:
        roster_import(community=community, data=xlsx([GOOD[0], GOOD[1], GOOD[0]]))
    assert [e.line for e in caught.value.errors] == [4]
    assert "第 2 行" in caught.value.errors[0].reasons[0] or "line 2" in caught.value.errors[0].reasons[0]
    assert Household.objects.count() == 0


def test_a_bad_file_leaves_an_existing_roster_untouched(community, buildings):
    roster_import(community=community, data=xlsx(GOOD))
    before = list(Household.objects.order_by("pk").values_list("pk", "area"))
    bad = [["1号楼", "1单元", "101", 999, "张三", ""], ["1号楼", "1单元", "102", "abc", "王五", ""]]
    with pytest.raises(RosterInvalid):
        roster_import(community=community, data=xlsx(bad))
    assert list(Household.objects.order_by("pk").values_list("pk", "area")) == before


def test_wrong_headers_and_non_xlsx_are_refused_clearly(client, community, worker, buildings):
    client.force_login(worker)
    body = upload(client, community, xlsx(GOOD, header=["a", "b"])).content.decode()
    assert "第一行必须是模板的表头" in body
    body = upload(client, community, b"not a spreadsheet").content.decode()
    assert "无法读取" in body
    body = upload(client, community, b"x", name="roster.csv").content.decode()
    assert "请上传" in body
    assert not Household.objects.filter(building__name__in=["1号楼", "2号楼"]).exists()


def test_export_round_trips(client, community, worker, buildings):
    roster_import(community=community, data=xlsx(GOOD))
    for household in Household.objects.filter(owners__isnull=True):
        Owner.objects.create(household=household, name="社工家")
    client.force_login(worker)
    response = client.get(f"/communities/{community.pk}/roster/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    # Phones are stored in E.164 and exported as people read them; the import reads both.
    assert ("1号楼", "1单元", "101", 89.5, "张三、李四", "138 0000 0001、138 0000 0002") in rows
    assert roster_import(community=community, data=roster_export(community=community)).unchanged == 4


def test_template_download_has_chinese_headers(client, community, worker):
    client.force_login(worker)
    response = client.get(f"/communities/{community.pk}/roster/template.xlsx")
    headers = next(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(headers) == COLUMNS


def test_residents_cannot_import(client, community, resident, buildings):
    client.force_login(resident)
    before = Household.objects.count()
    assert upload(client, community, xlsx(GOOD)).status_code == 403
    assert Household.objects.count() == before


def test_management_command_imports_with_progress(tmp_path, community, buildings, capsys):
    path = tmp_path / "roster.xlsx"
    rows = [["1号楼", "2单元", f"{i}", 60 + i, f"业主{i}", ""] for i in range(1, 251)]
    path.write_bytes(xlsx(rows))
    call_command("import_roster", community.slug, str(path))
    out = capsys.readouterr().out
    assert "250/250" in out and "100/250" in out
    assert Household.objects.count() == 250


def test_management_command_reports_bad_rows(tmp_path, community, buildings, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx([["7号楼", "1单元", "1", 60, "某人", ""]]))
    with pytest.raises(CommandError):
        call_command("import_roster", community.slug, str(path))
    assert "7号楼" in capsys.readouterr().err
    assert Household.objects.count() == 0
