"""Paper for the lobby's notice board: the meeting notice (会议通知), the resolution notice
(决议公示) and the minutes (会议纪要) as A4 PDFs, drawn on the server by WeasyPrint from HTML
templates (templates/meetings/print/), with the CJK font embedded and a QR code (segno) that leads
from the paper to the page. The figures come from the same selectors as the pages."""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from cms.qr import qr_png_data_uri
from deliberation.services.notifications import absolute_url

from .selectors import minutes_context, motions_with_tallies, parties_with_attendance


def pdf_from_template(template: str, context: dict) -> bytes:
    """The template rendered in the current language, as a PDF (A4 is set in the print CSS).

    The HTML is rendered every time, the PDF drawn from it only once: it is kept in the
    ``printing`` cache under a hash of the HTML (and of WeasyPrint's version), so the same notice
    downloaded again costs a cache read, and anything that changes on the paper changes the key."""
    import weasyprint  # imported on use: it loads pango, which only these pages need

    html = render_to_string(template, {**context, "language": translation.get_language()})
    digest = hashlib.sha256(f"{weasyprint.__version__}\n{settings.SITE_URL}\n{html}".encode()).hexdigest()
    cache, key = caches["printing"], f"pdf:{digest}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = weasyprint.HTML(string=html, base_url=settings.SITE_URL).write_pdf()
        cache.set(key, pdf)
    return pdf


def meeting_notice_pdf(meeting) -> bytes:
    url = absolute_url(reverse("meeting_detail", kwargs={"meeting_id": meeting.pk}))
    return pdf_from_template(
        "meetings/print/meeting_notice.html",
        {
            "meeting": meeting,
            "agenda": list(meeting.agenda_items.all()),
            "parties": parties_with_attendance(meeting),
            "url": url,
            "qr": qr_png_data_uri(url),
        },
    )


def resolution_notice_pdf(resolution) -> bytes:
    url = absolute_url(reverse("resolution_detail", kwargs={"resolution_id": resolution.pk}))
    return pdf_from_template(
        "meetings/print/resolution_notice.html",
        {
            "resolution": resolution,
            "meeting": resolution.meeting,
            "vote": resolution.owners_vote,
            "actions": list(resolution.actions.all()),
            "url": url,
            "qr": qr_png_data_uri(url),
        },
    )


def minutes_pdf(meeting) -> bytes:
    url = absolute_url(reverse("meeting_live", kwargs={"meeting_id": meeting.pk}))
    return pdf_from_template(
        "meetings/print/minutes.html",
        {
            **minutes_context(meeting),
            "meeting": meeting,
            "motions": motions_with_tallies(meeting),
            "url": url,
            "qr": qr_png_data_uri(url),
        },
    )
