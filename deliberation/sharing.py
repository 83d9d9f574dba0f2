"""What a request's page says when it is forwarded into a WeChat group (Open Graph, see
``cms.templatetags.share_tags``): what it is, its state and support, its own words. Never the
requester's name or phone, whatever ``show_name`` says: a forwarded card travels further than
the page's readers."""

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms.text import one_line

from .models import Request

#: How much of the request's own text the card shows.
EXCERPT_CHARS = 60


def request_share(obj: Request) -> dict:
    supports = obj.num_vote_up
    facts = " · ".join(
        [
            _("Resident request"),
            str(obj.get_status_display()),
            ngettext("%(n)d supporter", "%(n)d supporters", supports) % {"n": supports},
        ]
    )
    excerpt = Truncator(one_line(obj.description)).chars(EXCERPT_CHARS)
    return {
        "title": f"{one_line(obj.title)} · {obj.community.title}",
        "description": f"{facts} — {excerpt}" if excerpt else facts,
        "type": "article",
    }
