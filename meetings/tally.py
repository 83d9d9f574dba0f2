"""The tally of a motion, drawn once: ``templates/meetings/includes/tally.html``.

The live page includes the template; the live messages (``motion.opened``, ``tally``,
``motion.closed``) carry the same fragment rendered in each of the site's languages
(``tally_html``), and ``live.js`` puts the viewer's one in place. The figures stay in the message
(``result``) for clients that read numbers.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

TEMPLATE = "meetings/includes/tally.html"


def tally_html(result: dict, *, closed: bool) -> dict[str, str]:
    """The fragment for ``result`` (``voting.Result.as_dict()``), by language code."""
    rendered = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            rendered[language] = render_to_string(TEMPLATE, {"tally": result, "closed": closed}).strip()
    return rendered
