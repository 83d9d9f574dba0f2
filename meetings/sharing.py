"""What a meeting's or a resolution's page says when it is forwarded into a WeChat group (Open
Graph, see ``cms.templatetags.share_tags``): what it is, when and where, the agenda, the vote and
the notice period. No person's name: participants and conveners stay on the page."""

from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from cms.text import one_line

from .models import Meeting, Resolution

EXCERPT_CHARS = 60


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


def meeting_share(meeting: Meeting) -> dict:
    facts = [str(meeting.get_kind_display()), str(meeting.get_status_display())]
    if meeting.starts_at:
        facts.append(_when(meeting.starts_at))
    if meeting.place:
        facts.append(one_line(meeting.place))
    agenda = "；".join(one_line(item.title) for item in meeting.agenda_items.all()[:3])
    description = " · ".join(facts)
    if agenda:
        description += " — " + _("Agenda: %(items)s") % {"items": agenda}
    return {
        "title": f"{one_line(meeting.title)} · {meeting.community.title}",
        "description": description,
        "type": "article",
    }


def resolution_share(resolution: Resolution) -> dict:
    result = resolution.result or {}
    facts = [_("Resolution")]
    if "passed" in result:
        facts.append(_("Passed") if result["passed"] else _("Not passed"))
    if resolution.in_notice:
        facts.append(_("Public notice (公示) until %(end)s") % {"end": _when(resolution.notice_ends_at)})
    else:
        facts.append(_("Public notice (公示) ended %(end)s") % {"end": _when(resolution.notice_ends_at)})
    excerpt = Truncator(one_line(resolution.text)).chars(EXCERPT_CHARS)
    description = " · ".join(facts) + (f" — {excerpt}" if excerpt else "")
    return {
        "title": _("Resolution notice: %(title)s") % {"title": one_line(resolution.title)}
        + f" · {resolution.community.title}",
        "description": description,
        "type": "article",
    }


def resolutions_share(community, meeting=None) -> dict:
    """The list of a community's (or a meeting's) resolutions: the 公示 board people forward."""
    where = meeting.title if meeting else community.title
    return {
        "title": _("Resolutions and public notices (公示) · %(where)s") % {"where": one_line(where)},
        "description": _(
            "The resolutions of %(where)s's four-party meetings, their votes, notice periods and follow-up."
        )
        % {"where": one_line(where)},
        "type": "website",
    }


def owners_vote_share(vote) -> dict:
    """An owners' vote's notice (公告): its state, its period and what is decided."""
    facts = [_("Owners' vote"), str(vote.get_status_display())]
    facts.append(
        _("voting %(opens)s to %(closes)s") % {"opens": _when(vote.opens_at), "closes": _when(vote.closes_at)}
    )
    matters = "；".join(one_line(q.text) for q in vote.questions.all()[:3])
    description = " · ".join(facts) + (f" — {Truncator(matters).chars(EXCERPT_CHARS)}" if matters else "")
    return {
        "title": f"{one_line(vote.title)} · {vote.community.title}",
        "description": description,
        "type": "article",
    }
