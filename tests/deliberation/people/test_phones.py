"""Issue 11: phones are checked by one rule (``deliberation.phones``) and stored in E.164 on every
path (profile, walk-in, roster, admin), shown as people read them, and each person chooses the
channels their notices take (SMS, e-mail, or the inbox only)."""

import importlib
from io import BytesIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from cms.services import ServiceError
from deliberation import sms
from deliberation.models import (
    Building,
    Delivery,
    Household,
    Notification,
    Owner,
    PropertyCompany,
    Request,
    User,
)
from deliberation.phones import as_e164, display_phone, is_mobile, normalize_phone
from deliberation.selectors import hall_url
from deliberation.services.accounts import profile_update
from deliberation.services.owners import owner_suggestions
from deliberation.services.roster import COLUMNS, RosterInvalid, roster_export, roster_import
from tests.factories import UserFactory, in_english

pytestmark = pytest.mark.django_db

migration = importlib.import_module("deliberation.migrations.0015_phones_e164")


# --- The rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        (" +86 138 0013 8000 ", "+8613800138000"),
        ("+86-13800138000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("0471-1111111", "+864711111111"),
        ("0471 111 1111", "+864711111111"),
        ("010-12345678", "+861012345678"),
        ("+1 212 555 2368", "+12125552368"),
        ("+44 20 7946 0958", "+442079460958"),
        ("１３８００１３８０００", "+8613800138000"),  # full-width digits from a Chinese IME
        ("", ""),
        ("   ", ""),
    ],
)
def test_a_number_as_people_write_it_is_stored_in_e164(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "-12345<script>",
        "notaphone",
        "1380013",  # too short
        "12345",  # a service hotline is not a person's phone
        "12345678901234567890",  # 20 digits
        "+86 138 0013 8000 0000",
        "138001380001",  # one digit too many
    ],
)
def test_anything_else_is_refused_with_a_message_for_the_field(typed):
    with translation.override("en"), pytest.raises(ServiceError) as refused:
        normalize_phone(typed, field="requester_phone")
    assert refused.value.field == "requester_phone"
    assert "is not a phone number" in refused.value.message
    with translation.override("zh-hans"), pytest.raises(ServiceError) as refused:
        normalize_phone(typed)
    assert "不是电话号码" in refused.value.message


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("+8613800138000", "138 0013 8000"),
        ("+864711111111", "0471 111 1111"),
        ("+861012345678", "010 1234 5678"),
        ("+12125552368", "+1 212-555-2368"),
        ("家里座机", "家里座机"),  # kept by the migration as it was written
        ("", ""),
        (None, ""),
    ],
)
def test_numbers_are_shown_as_people_read_them(stored, shown):
    assert display_phone(stored) == shown


def test_only_mobiles_get_sms_and_unreadable_numbers_match_nothing():
    assert is_mobile("+8613800138000") and not is_mobile("+864711111111") and not is_mobile("")
    assert as_e164("138 0013 8000") == "+8613800138000"
    assert as_e164("家里座机") == as_e164("") == ""


# --- The profile: the phone and the channels ----------------------------------------------------


def test_profile_saves_the_phone_in_e164_and_the_channels_chosen():
    user = UserFactory()
    profile_update(
        user=user,
        display_name="王五",
        phone="138 0013 8000",
        language="zh-hans",
        notify_email=False,
        notify_sms=True,
    )
    user.refresh_from_db()
    stored = User.objects.filter(pk=user.pk).values_list("phone", flat=True).get()
    assert str(stored) == "+8613800138000" and (user.notify_email, user.notify_sms) == (False, True)
    with pytest.raises(ServiceError) as refused:
        profile_update(user=user, display_name="王五", phone="notaphone", language="zh-hans")
    assert refused.value.field == "phone"
    user.refresh_from_db()
    assert str(user.phone) == "+8613800138000"


def test_the_profile_page_shows_the_number_readably_and_saves_the_choice(client):
    user = UserFactory(email="wang@example.org", phone="+8613800138000")
    in_english(client).force_login(user)
    page = client.get(reverse("profile")).content.decode()
    assert 'value="138 0013 8000"' in page
    assert 'type="tel"' in page and 'autocomplete="tel"' in page and 'inputmode="tel"' in page
    assert "Send me notices by text message (SMS)" in page and "Send me notices by e-mail" in page
    assert "Text messages go to 138 0013 8000." in page and "E-mails go to wang@example.org." in page
    assert "always in your" in page and reverse("inbox") in page

    response = client.post(
        reverse("profile"),
        {"display_name": "王五", "phone": "0471-1111111", "language": "en", "notify_sms": "on"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert str(user.phone) == "+864711111111" and (user.notify_sms, user.notify_email) == (True, False)
    page = client.get(reverse("profile")).content.decode()
    assert "0471 111 1111 is not a mobile number: text messages need a mobile number." in page

    # Both unticked: the inbox only.
    client.post(reverse("profile"), {"display_name": "王五", "phone": "", "language": "en"})
    user.refresh_from_db()
    assert (str(user.phone), user.notify_sms, user.notify_email) == ("", False, False)


def test_a_bad_phone_on_the_profile_is_the_fields_error_and_changes_nothing(client):
    user = UserFactory(display_name="王五", phone="+8613800138000")
    in_english(client).force_login(user)
    response = client.post(
        reverse("profile"),
        {"display_name": "新名字", "phone": "-12345<script>", "language": "en", "notify_sms": "on"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a phone number" in page and "<script>" not in page
    user.refresh_from_db()
    assert (user.display_name, str(user.phone)) == ("王五", "+8613800138000")


# --- A walk-in recorded by a worker --------------------------------------------------------------


def walk_in(client, community, category, phone):
    return client.post(
        hall_url(community, "request_record"),
        {
            "channel": "walk_in",
            "requester_name": "孙大爷",
            "requester_phone": phone,
            "title": "楼下噪音扰民",
            "description": "夜里十点后广场舞音响太大",
            "category": category.pk,
        },
    )


def test_a_walk_in_with_a_bad_phone_is_a_form_error_and_nothing_is_stored(
    client, community, categories, worker
):
    in_english(client).force_login(worker)
    response = walk_in(client, community, categories["设施维修"], "-12345<script>")
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a phone number" in page and "<script>" not in page
    assert 'type="tel"' in page
    assert not Request.objects.exists()


def test_a_walk_in_phone_is_stored_in_e164_and_shown_readably(client, community, categories, worker):
    client.force_login(worker)
    response = walk_in(client, community, categories["设施维修"], "139-0000-1111")
    assert response.status_code == 302
    request = Request.objects.get()
    assert str(Request.objects.values_list("requester_phone", flat=True).get()) == "+8613900001111"
    page = client.get(request.get_absolute_url()).content.decode()
    assert '<a href="tel:+8613900001111">139 0000 1111</a>' in page


# --- The roster ----------------------------------------------------------------------------------


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


ROWS = [
    ["1号楼", "1单元", "101", 89.5, "张三、李四", "138 0013 8000、0471-1111111"],
    ["1号楼", "1单元", "102", 75, "王五", "notaphone"],
    ["1号楼", "1单元", "103", 75, "赵六", 13900001111],  # a number cell, as Excel keeps it
]


@pytest.fixture
def building(community):
    return Building.objects.get_or_create(community=community, name="1号楼")[0]


def test_a_roster_row_with_a_bad_phone_is_that_rows_error_and_nothing_is_imported(community, building):
    with translation.override("en"), pytest.raises(RosterInvalid) as refused:
        roster_import(community=community, data=xlsx(ROWS))
    assert [error.line for error in refused.value.errors] == [3]
    assert "“notaphone” is not a phone number" in refused.value.errors[0].reasons[0]
    assert not Household.objects.filter(building=building).exists() and not Owner.objects.exists()


def test_the_import_command_names_the_row_and_imports_nothing(community, building, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(ROWS))
    with translation.override("en"), pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_roster", str(community.pk), str(path))
    assert "notaphone" in capsys.readouterr().err
    assert not Owner.objects.exists()


def test_roster_phones_are_stored_in_e164_and_exported_readably(community, building):
    roster_import(community=community, data=xlsx([ROWS[0], ROWS[2]]))
    phones = dict(Owner.objects.values_list("name", "phone"))
    assert {name: str(phone) for name, phone in phones.items()} == {
        "张三": "+8613800138000",
        "李四": "+864711111111",
        "赵六": "+8613900001111",
    }
    exported = roster_export(community=community)
    rows = list(load_workbook(BytesIO(exported)).active.iter_rows(values_only=True))
    assert ("1号楼", "1单元", "101", 89.5, "张三、李四", "138 0013 8000、0471 111 1111") in rows
    assert roster_import(community=community, data=exported).unchanged == 2


def test_the_roster_upload_page_shows_the_phone_error(client, community, building, worker):
    in_english(client).force_login(worker)
    response = client.post(
        f"/communities/{community.pk}/roster/",
        {"file": SimpleUploadedFile("roster.xlsx", xlsx(ROWS), content_type="application/octet-stream")},
        follow=True,
    )
    assert response.status_code == 200
    assert "notaphone" in response.content.decode()
    assert not Owner.objects.exists()


def test_an_accounts_phone_matches_roster_owners_in_e164(community, building):
    roster_import(community=community, data=xlsx([ROWS[0]]))
    user = UserFactory(display_name="另一个名字", phone="+864711111111")
    owners = Owner.objects.all()
    assert [o.name for o in owner_suggestions(user=user, owners=owners)] == ["李四"]
    Owner.objects.filter(name="李四").update(phone="")
    assert owner_suggestions(user=user, owners=Owner.objects.all()) == []


# --- The admin's property company form ----------------------------------------------------------


def test_the_property_company_form_takes_a_landline_and_refuses_junk():
    from deliberation.wagtail_hooks import PropertyCompanyViewSet

    PropertyCompanyForm = PropertyCompanyViewSet.edit_handler.bind_to_model(PropertyCompany).get_form_class()
    form = PropertyCompanyForm(
        data={"name": "宜居物业", "contact_phone": "0471-1111111", "contact_email": ""}
    )
    assert form.is_valid(), form.errors
    company = form.save()
    assert str(
        PropertyCompany.objects.filter(pk=company.pk).values_list("contact_phone", flat=True).get()
    ) == ("+864711111111")
    assert PropertyCompanyForm(instance=company)["contact_phone"].value() == "0471 111 1111"
    with translation.override("en"):
        form = PropertyCompanyForm(data={"name": "别的物业", "contact_phone": "-12345<script>"})
        assert not form.is_valid()
        assert "is not a phone number" in form.errors["contact_phone"][0]


def test_the_admins_company_pages_show_the_number_readably_and_store_e164(client, company):
    PropertyCompany.objects.filter(pk=company.pk).update(contact_phone="+864711111111")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = "wagtailsnippets_deliberation_propertycompany"
    assert "0471 111 1111" in client.get(reverse(f"{url}:list")).content.decode()
    page = client.get(reverse(f"{url}:edit", args=[company.pk])).content.decode()
    assert 'value="0471 111 1111"' in page and 'type="tel"' in page
    response = client.post(reverse(f"{url}:add"), {"name": "新物业", "contact_phone": "138-0013-8000"})
    assert response.status_code == 302
    assert str(PropertyCompany.objects.get(name="新物业").contact_phone) == "+8613800138000"
    response = client.post(reverse(f"{url}:add"), {"name": "坏物业", "contact_phone": "-12345<script>"})
    assert response.status_code == 200 and "不是电话号码" in response.content.decode()
    assert not PropertyCompany.objects.filter(name="坏物业").exists()


# --- The data migration -------------------------------------------------------------------------


def test_the_migration_writes_old_numbers_in_e164_and_keeps_what_it_cannot_read(community, building):
    household = Household.objects.create(building=building, unit="1单元", room="101", area=80)
    user = UserFactory()
    other = UserFactory()
    owner = Owner.objects.create(household=household, name="张三")
    company = PropertyCompany.objects.create(name="老物业")
    old = {
        (User, user.pk, "phone"): "138-0013-8000",
        (User, other.pk, "phone"): "家里座机，晚上打",
        (Owner, owner.pk, "phone"): "+86 139 0000 1111",
        (PropertyCompany, company.pk, "contact_phone"): "0471 1111111",
    }
    with connection.cursor() as cursor:
        for (model, pk, field), value in old.items():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"UPDATE {table} SET {field} = %s WHERE id = %s", [value, pk])

    # The models as they were when the migration runs: the columns are still plain text.
    state = MigrationLoader(connection).project_state(("deliberation", "0015_phones_e164"))
    for _ in range(2):  # running it again changes nothing
        migration.normalize(state.apps, None)
        with connection.cursor() as cursor:
            stored = {}
            for (model, pk, field), _value in old.items():
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"SELECT {field} FROM {table} WHERE id = %s", [pk])
                stored[(model, pk)] = cursor.fetchone()[0]
        assert stored == {
            (User, user.pk): "+8613800138000",
            (User, other.pk): "家里座机，晚上打",
            (Owner, owner.pk): "+8613900001111",
            (PropertyCompany, company.pk): "+864711111111",
        }
    # Kept text is shown as written and never gets an SMS.
    other.refresh_from_db()
    assert display_phone(other.phone) == "家里座机，晚上打" and not is_mobile(str(other.phone))


def test_the_migration_normalizes_a_walk_ins_phone(community, categories, worker):
    from deliberation.services.requests import request_record_offline

    walk = request_record_offline(
        community=community,
        by=worker,
        channel="walk_in",
        title="楼下噪音扰民",
        description="夜里十点后广场舞音响太大",
        category=categories["其他"],
        requester_name="孙大爷",
        requester_phone="13900001111",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(Request._meta.db_table)} SET requester_phone = %s WHERE id = %s",
            ["139 0000 1111", walk.pk],
        )
    state = MigrationLoader(connection).project_state(("deliberation", "0015_phones_e164"))
    migration.normalize(state.apps, None)
    assert str(Request.objects.values_list("requester_phone", flat=True).get(pk=walk.pk)) == "+8613900001111"


# --- The outbox follows the person's choice -----------------------------------------------------


@pytest.fixture
def no_quiet_hours(settings):
    settings.SMS_QUIET_HOURS = (24, 0)  # never quiet: the SMS goes out at once whatever the time


@pytest.fixture
def sms_outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def notify_worker(worker, submit, django_capture_on_commit_callbacks, **person):
    """A resident's request is announced to the community's worker (inbox, e-mail, SMS)."""
    User.objects.filter(pk=worker.pk).update(**person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = submit()
    notice = Notification.objects.get(user=worker)
    return request, notice, list(Delivery.objects.filter(user=worker))


@pytest.mark.usefixtures("no_quiet_hours")
def test_a_person_who_turned_sms_off_gets_no_sms(
    worker, submit, sms_outbox, django_capture_on_commit_callbacks
):
    _request, _notice, deliveries = notify_worker(
        worker, submit, django_capture_on_commit_callbacks, phone="+8613800138000", notify_sms=False
    )
    assert [d.channel for d in deliveries] == [Delivery.Channel.EMAIL]
    assert sms_outbox == [] and [m.to for m in mail.outbox] == [[worker.email]]


@pytest.mark.usefixtures("no_quiet_hours")
def test_a_person_with_only_a_phone_gets_only_sms(
    worker, submit, sms_outbox, django_capture_on_commit_callbacks
):
    request, _notice, deliveries = notify_worker(
        worker, submit, django_capture_on_commit_callbacks, email="", phone="+8613800138000"
    )
    assert [(d.channel, d.address, d.status) for d in deliveries] == [
        (Delivery.Channel.SMS, "+8613800138000", Delivery.Status.SENT)
    ]
    assert [m.phone for m in sms_outbox] == ["+8613800138000"]
    assert sms_outbox[0].params["ref"] == request.tracking_number
    assert mail.outbox == []


@pytest.mark.usefixtures("no_quiet_hours")
def test_a_landline_gets_no_sms(worker, submit, sms_outbox, django_capture_on_commit_callbacks):
    _request, _notice, deliveries = notify_worker(
        worker, submit, django_capture_on_commit_callbacks, phone="+864711111111"
    )
    assert [d.channel for d in deliveries] == [Delivery.Channel.EMAIL] and sms_outbox == []


@pytest.mark.usefixtures("no_quiet_hours")
def test_inbox_only_gets_the_notice_and_nothing_else(
    worker, submit, sms_outbox, django_capture_on_commit_callbacks
):
    _request, notice, deliveries = notify_worker(
        worker,
        submit,
        django_capture_on_commit_callbacks,
        phone="+8613800138000",
        notify_sms=False,
        notify_email=False,
    )
    assert notice.subject and deliveries == [] and sms_outbox == [] and mail.outbox == []
