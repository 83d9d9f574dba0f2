"""The catalogue of SMS templates, and the one place that fits parameters into them.

Chinese providers send only templates registered and approved in advance, and reject a message
whose variable is missing, empty or longer than the registered type allows. ``template_params``
checks and fits the parameters before any provider is called, so that a long meeting title costs
an ellipsis, not the message; ``render`` shows the text as the person reads it (console backend,
inbox, tests)."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from .errors import PermanentSmsError

ELLIPSIS = "…"
VARIABLE = re.compile(r"\$\{(\w+)\}")
WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SmsParam:
    """A template variable. ``kind`` says how an over-long value is handled: ``text`` is cut with
    an ellipsis; ``code`` and ``link`` are refused, since a cut code or link is a wrong one.
    ``aliyun_type`` is the variable type to choose when registering the template with Aliyun."""

    name: str
    max_length: int
    aliyun_type: str
    kind: str = "text"


@dataclass(frozen=True)
class SmsTemplate:
    """``zh_hans`` is the text to register (``{site}`` stands for the site address, written into
    the template when it is registered); ``en`` renders it for English readers of the console and
    the inbox. Both use ``${name}`` variables in ``params`` order, which is Tencent's positional
    order ({1}, {2}, ...)."""

    key: str
    params: tuple[SmsParam, ...]
    zh_hans: str
    en: str

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.params)


# Shared by the meeting templates.
TITLE = SmsParam("title", 20, "其他 (others)")
TIME = SmsParam("time", 20, "其他 (others)")
PLACE = SmsParam("place", 20, "其他 (others)")
LINK = SmsParam("link", 35, "链接参数 (link_param)", kind="link")


TEMPLATES: dict[str, SmsTemplate] = {
    template.key: template
    for template in (
        SmsTemplate(
            key="verification_code",
            params=(SmsParam("code", 6, "验证码·仅数字 (numberCaptcha)", kind="code"),),
            zh_hans="您的验证码为${code}，5分钟内有效，请勿泄露。",
            en="Your verification code is ${code}. It is valid for 5 minutes; do not share it.",
        ),
        SmsTemplate(
            key="request_update",
            params=(
                SmsParam("ref", 20, "其他号码 (other_number2)"),
                SmsParam("status", 10, "其他 (others)"),
                LINK,
            ),
            zh_hans="诉求${ref}有新进展：${status}。详情：{site}/${link}",
            en="Request ${ref} has a new step: ${status}. Details: {site}/${link}",
        ),
        SmsTemplate(
            key="meeting_invitation",
            params=(TITLE, TIME, PLACE, LINK),
            zh_hans="诚邀您参加${title}，时间：${time}，地点：${place}。详情及回复：{site}/${link}",
            en="You are invited to ${title}, time: ${time}, place: ${place}. Details and reply: {site}/${link}",
        ),
        SmsTemplate(
            key="meeting_change",
            params=(TITLE, SmsParam("status", 10, "其他 (others)"), TIME, PLACE, LINK),
            zh_hans="会议变更：${title}（${status}），时间：${time}，地点：${place}。详情：{site}/${link}",
            en="Meeting change: ${title} (${status}), time: ${time}, place: ${place}. Details: {site}/${link}",
        ),
        SmsTemplate(
            key="reminder",
            params=(TITLE, TIME, PLACE, LINK),
            zh_hans="提醒：${title}将于${time}在${place}举行。详情：{site}/${link}",
            en="Reminder: ${title} takes place at ${time}, ${place}. Details: {site}/${link}",
        ),
        SmsTemplate(
            key="owners_vote_notice",
            params=(TITLE, TIME, LINK),
            zh_hans="业主表决公告：${title}，${time}开始投票。表决事项及材料：{site}/${link}",
            en="Owners' vote announced: ${title}; voting opens ${time}. Matters and documents: {site}/${link}",
        ),
        SmsTemplate(
            key="owners_vote_reminder",
            params=(TITLE, TIME, LINK),
            zh_hans="业主表决提醒：${title}将于${time}截止，您家尚未表决。投票：{site}/${link}",
            en="Owners' vote reminder: ${title} closes ${time}; your household has not voted. Vote: {site}/${link}",
        ),
    )
}


def get_template(key: str) -> SmsTemplate:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise PermanentSmsError(
            gettext("There is no SMS template “%(key)s”.") % {"key": key}, code="unknown_template"
        ) from None


def shorten(value: str, max_length: int) -> str:
    """Whitespace (a newline in a title) folded to one space; a value over ``max_length``
    characters cut to fit, ending with an ellipsis. Providers count characters, not bytes."""
    value = WHITESPACE.sub(" ", str(value)).strip()
    if len(value) <= max_length:
        return value
    return value[: max_length - 1].rstrip() + ELLIPSIS


def template_params(template: SmsTemplate, params: dict, *, max_length: int | None = None) -> dict[str, str]:
    """The parameters as the provider must receive them, in the template's order.

    Raises PermanentSmsError before any provider is called when a parameter is missing or empty,
    or when a code or link does not fit (cutting those would send a wrong code or a dead link).
    ``max_length`` lowers every text limit (a provider account with shorter variables)."""
    missing = [name for name in template.param_names if not str(params.get(name) or "").strip()]
    if missing:
        raise PermanentSmsError(
            gettext("The SMS template “%(key)s” needs the parameters: %(names)s.")
            % {"key": template.key, "names": ", ".join(missing)},
            code="missing_params",
        )
    fitted = {}
    for param in template.params:
        limit = min(param.max_length, max_length) if max_length else param.max_length
        value = WHITESPACE.sub(" ", str(params[param.name])).strip()
        if param.kind == "code" and not (value.isascii() and value.isdigit() and 4 <= len(value) <= limit):
            raise PermanentSmsError(
                gettext("A verification code must be 4 to %(limit)s digits.") % {"limit": limit},
                code="invalid_params",
            )
        if param.kind == "link" and len(value) > param.max_length:
            raise PermanentSmsError(
                gettext("The link “%(link)s” is longer than %(limit)s characters: use a short path.")
                % {"link": value, "limit": param.max_length},
                code="invalid_params",
            )
        if param.kind == "link":
            value = value.lstrip("/")  # the template has the slash after the site address
        fitted[param.name] = value if param.kind != "text" else shorten(value, limit)
    return fitted


def sign_name() -> str:
    return getattr(settings, "SMS_SIGN_NAME", "") or gettext("Community Deliberation Hall")


def render(template: str, params: dict, language: str = "zh-hans") -> str:
    """The SMS as its reader sees it: the sign in 【】, then the template filled with the fitted
    parameters. Raises PermanentSmsError like the backends do, so a test that renders a message
    also proves it could be sent."""
    sms_template = get_template(template)
    fitted = template_params(sms_template, params)
    text = sms_template.en if language.lower().startswith("en") else sms_template.zh_hans
    text = text.replace("{site}", settings.SITE_URL)
    with translation.override(language):
        sign = sign_name()
    return f"【{sign}】" + VARIABLE.sub(lambda match: fitted[match.group(1)], text)
