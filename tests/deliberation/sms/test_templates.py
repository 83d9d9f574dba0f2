"""The template catalogue, ``render`` and the fitting of parameters."""

import re

import pytest
from django.test import override_settings
from django.utils import translation

from deliberation.sms import TEMPLATES, PermanentSmsError, render
from deliberation.sms.templates import shorten, template_params

MEETING = {"title": "业主大会", "time": "2026-12-05 19:30", "place": "3号楼一层活动室", "link": "m/42"}


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=lambda template: template.key)
def test_each_text_uses_exactly_its_params_in_their_order(template):
    """Tencent fills {1}, {2}, ... by position: the order of ``params`` must be the order of the
    variables in the registered text, in both languages."""
    for text in (template.zh_hans, template.en):
        assert tuple(re.findall(r"\$\{(\w+)\}", text)) == template.param_names


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=lambda template: template.key)
def test_no_two_variables_touch(template):
    """Both providers refuse templates with adjacent variables (${a}${b}) at review."""
    assert "}${" not in template.zh_hans


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=lambda template: template.key)
def test_each_param_fits_aliyuns_35_character_variables(template):
    assert all(0 < param.max_length <= 35 for param in template.params)


def test_the_catalogue_has_the_products_templates():
    assert set(TEMPLATES) == {
        "verification_code",
        "request_update",
        "meeting_invitation",
        "meeting_change",
        "reminder",
        "owners_vote_notice",
        "owners_vote_reminder",
    }


def test_render_in_chinese_with_sign_and_site():
    with override_settings(SMS_SIGN_NAME="幸福里社区", SITE_URL="https://yishiting.example.org"):
        text = render("meeting_invitation", MEETING)

        assert text == (
            "【幸福里社区】诚邀您参加业主大会，时间：2026-12-05 19:30，地点：3号楼一层活动室。"
            "详情及回复：https://yishiting.example.org/m/42"
        )


def test_render_in_english():
    with override_settings(SITE_URL="https://yishiting.example.org"):
        text = render(
            "request_update", {"ref": "R-2026-0042", "status": "accepted", "link": "r/42"}, language="en"
        )

        assert text.endswith(
            "Request R-2026-0042 has a new step: accepted. Details: https://yishiting.example.org/r/42"
        )


def test_render_without_a_sign_name_uses_the_sites_name():
    with override_settings(SMS_SIGN_NAME=""):
        assert render("verification_code", {"code": "482193"}).startswith(
            "【社区议事厅】您的验证码为482193，"
        )
        assert render("verification_code", {"code": "482193"}, language="en").startswith(
            "【Community Deliberation Hall】Your verification code is 482193."
        )


def test_an_over_long_text_param_ends_with_an_ellipsis():
    title = "2026年第四季度业主大会暨物业服务合同续签表决会议"

    text = render("reminder", {**MEETING, "title": title})

    assert "提醒：2026年第四季度业主大会暨物业服务合…将于" in text
    assert template_params(TEMPLATES["reminder"], {**MEETING, "title": title})["title"] == title[:19] + "…"


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("业主大会", 20, "业主大会"),
        ("12345678901234567890", 20, "12345678901234567890"),  # exactly at the limit: whole
        ("123456789012345678901", 20, "1234567890123456789…"),
        ("Annual owners    meeting", 13, "Annual owner…"),
        ("第一行\n第二行", 20, "第一行 第二行"),  # a newline would break the SMS layout
        ("ab   cdef", 4, "ab…"),  # no space left before the ellipsis
    ],
)
def test_shorten(value, limit, expected):
    assert shorten(value, limit) == expected
    assert len(shorten(value, limit)) <= limit


def test_missing_or_empty_params_are_named():
    with pytest.raises(PermanentSmsError) as raised:
        render("meeting_invitation", {"title": "业主大会", "time": " ", "link": "m/42"})

    assert raised.value.code == "missing_params"
    assert "time, place" in str(raised.value)


def test_extra_params_are_ignored():
    assert template_params(TEMPLATES["verification_code"], {"code": "4821", "name": "x"}) == {"code": "4821"}


@pytest.mark.parametrize("code", ["12a4", "123", "1234567", "１２３４"])
def test_a_verification_code_must_be_4_to_6_ascii_digits(code):
    with pytest.raises(PermanentSmsError) as raised:
        render("verification_code", {"code": code})

    assert raised.value.code == "invalid_params"


def test_a_link_is_never_cut():
    """A cut link is a dead link: refused, so the caller's tests catch it."""
    with pytest.raises(PermanentSmsError) as raised:
        render("reminder", {**MEETING, "link": "meetings/" + "x" * 40})

    assert raised.value.code == "invalid_params"


def test_a_link_given_from_the_root_has_one_slash():
    with override_settings(SITE_URL="https://yishiting.example.org"):
        assert render("reminder", {**MEETING, "link": "/m/42"}).endswith(
            "：https://yishiting.example.org/m/42"
        )


def test_an_unknown_template_is_permanent():
    with pytest.raises(PermanentSmsError) as raised:
        render("birthday", {})

    assert raised.value.code == "unknown_template"


def test_reasons_are_translated():
    with translation.override("zh-hans"), pytest.raises(PermanentSmsError) as raised:
        render("meeting_invitation", {"title": "业主大会"})

    assert "需要" in str(raised.value)
