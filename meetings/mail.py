"""Meeting mail: invitations, updates and cancellations that calendars understand, polls and reminders.

An invitation is ``multipart/mixed``:

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain
    │   ├── text/html
    │   └── text/calendar; method=REQUEST   (method= equals METHOD: inside)
    └── application/ics  invite.ics         (the same bytes, for clients that only offer files)

Each recipient reads subject and body in their own language (the account's language, or the
language recorded for an email-only participant), always with date, time and place.
"""

from datetime import datetime
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEText
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _

from cms.text import one_line
from deliberation.models import Notification
from deliberation.people import official_name
from deliberation.services.notifications import absolute_url

from . import ical
from .signing import participant_token

INVITATION = "invitation"
UPDATE = "update"
CANCELLATION = "cancel"
REMINDER = "reminder"
POLL = "poll"

METHOD_OF_KIND = {INVITATION: ical.REQUEST, UPDATE: ical.REQUEST, CANCELLATION: ical.CANCEL}


def meeting_url(meeting) -> str:
    return absolute_url(reverse("meeting_detail", kwargs={"meeting_id": meeting.pk}))


def respond_url(participant, answer: str = "") -> str:
    url = absolute_url(reverse("meeting_respond", kwargs={"token": participant_token(participant)}))
    return f"{url}?answer={answer}" if answer else url


def organizer_of(meeting) -> tuple[str, str]:
    """The convener as ORGANIZER of an invitation; the site's sender address when they have none.

    Only participants receive this (their replies go to the address); public calendars use
    ``public_organizer_of``.
    """
    from email.utils import parseaddr

    convener = meeting.convener
    email = convener.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return email, official_name(convener, community=meeting.community)


def public_organizer_of(meeting) -> tuple[str, str]:
    """The convener of a meeting in a public calendar: by name (or role), never by address."""
    return "", official_name(meeting.convener, community=meeting.community)


def ical_labels() -> dict:
    return {"agenda": _("Agenda"), "link": _("Meeting page")}


def format_when(starts_at: datetime | None, ends_at: datetime | None) -> str:
    """``2026-12-05 (Saturday) 14:00–16:00`` in Asia/Shanghai, with the weekday in the active language."""
    if starts_at is None:
        return _("time not fixed yet")
    start = timezone.localtime(starts_at, ical.TZ)
    text = f"{start:%Y-%m-%d} ({dateformat.format(start, 'l')}) {start:%H:%M}"
    if ends_at is not None:
        end = timezone.localtime(ends_at, ical.TZ)
        text += f"–{end:%H:%M}" if end.date() == start.date() else f" – {end:%Y-%m-%d %H:%M}"
    return text


def meeting_calendar(meeting, *, method: str, participants=None, agenda=None, dtstamp=None) -> bytes:
    """The iTIP file for ``meeting`` as it stands now, with every attendee's current PARTSTAT."""
    if participants is None:
        participants = list(meeting.participants.select_related("user"))
    if agenda is None:
        agenda = list(meeting.agenda_items.all())
    return ical.invitation(
        meeting,
        participants=participants,
        agenda=agenda,
        url=meeting_url(meeting),
        organizer=organizer_of(meeting),
        dtstamp=dtstamp or timezone.now(),
        method=method,
        labels=ical_labels(),
    )


class InvitationMessage(EmailMultiAlternatives):
    """An EmailMultiAlternatives whose alternatives end with the calendar, as iTIP mail wants.

    Django's ``attach_alternative`` cannot give a part a ``method=`` parameter, so the calendar
    part is added here, after the plain text and HTML parts it stands beside.
    """

    def __init__(self, *args, calendar: bytes, method: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.calendar = calendar
        self.method = method

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        part = SafeMIMEText(self.calendar.decode("utf-8"), "calendar", "utf-8")
        part.set_param("method", self.method)
        msg.attach(part)
        return msg

    def _create_attachments(self, msg):
        attachment = MIMEBase("application", "ics", name="invite.ics")
        attachment.set_payload(self.calendar)
        from email import encoders

        encoders.encode_base64(attachment)
        attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
        self.attachments = [attachment]
        return super()._create_attachments(msg)


def subject_for(kind: str, meeting) -> str:
    """One line, whatever the stored title or place holds: a line break in a header makes Django
    refuse to send the mail."""
    values = {
        "title": one_line(meeting.title),
        "when": format_when(meeting.starts_at, meeting.ends_at),
        "place": one_line(meeting.location_text) or _("place to be announced"),
    }
    if kind == INVITATION:
        return _("Invitation: %(title)s, %(when)s, %(place)s") % values
    if kind == UPDATE:
        return _("Updated: %(title)s, %(when)s, %(place)s") % values
    if kind == CANCELLATION:
        return _("Cancelled: %(title)s, %(when)s, %(place)s") % values
    if kind == REMINDER:
        return _("Reminder: %(title)s, %(when)s, %(place)s") % values
    return _("When can you come? %(title)s") % values


def build_message(*, kind: str, meeting, participant, participants, agenda, calendar: bytes | None):
    """One recipient's mail, rendered in their language."""
    with translation.override(participant.mail_language):
        context = {
            "kind": kind,
            "meeting": meeting,
            "participant": participant,
            "agenda": agenda,
            "slots": list(meeting.slots.all()) if kind == POLL else [],
            "when": format_when(meeting.starts_at, meeting.ends_at),
            "place": meeting.location_text,
            "meeting_url": meeting_url(meeting),
            "respond_url": respond_url(participant),
            "answer_urls": {
                "accept": respond_url(participant, "ACCEPTED"),
                "tentative": respond_url(participant, "TENTATIVE"),
                "decline": respond_url(participant, "DECLINED"),
            },
            "community": meeting.community,
        }
        subject = subject_for(kind, meeting)
        text = render_to_string("meetings/mail/meeting_body.txt", context).strip() + "\n"
        html = render_to_string("meetings/mail/meeting_body.html", context)
        if calendar is not None:
            message = InvitationMessage(
                subject, text, None, [participant.address], calendar=calendar, method=METHOD_OF_KIND[kind]
            )
        else:
            message = EmailMultiAlternatives(subject, text, None, [participant.address])
        message.attach_alternative(html, "text/html")
    return message, subject, text


def _store_notice(participant, meeting, kind: str, subject: str, text: str, key: str) -> None:
    """Account holders also find the mail in their inbox (once per key)."""
    if not participant.user_id:
        return
    try:
        with transaction.atomic():
            Notification.objects.create(
                user=participant.user,
                subject=subject[:200],
                body=text,
                url=reverse("meeting_detail", kwargs={"meeting_id": meeting.pk}),
                key=key[:120],
            )
    except IntegrityError:
        pass


def send_meeting_mail(*, meeting, kind: str, participants=None, key: str = "") -> int:
    """Mail ``kind`` about ``meeting`` to ``participants`` (default: all). Returns mails sent.

    ``key`` makes the inbox notices idempotent (the services pass the kind and the SEQUENCE).
    """
    everyone = list(meeting.participants.select_related("user"))
    recipients = everyone if participants is None else participants
    agenda = list(meeting.agenda_items.all())
    # A meeting called off while its poll was open has no time, so no calendar entry to cancel.
    method = METHOD_OF_KIND.get(kind) if meeting.starts_at is not None else None
    calendar = None
    messages = []
    for participant in recipients:
        if method is not None and calendar is None:
            with translation.override(settings.LANGUAGE_CODE):
                calendar = meeting_calendar(meeting, method=method, participants=everyone, agenda=agenda)
        message, subject, text = build_message(
            kind=kind,
            meeting=meeting,
            participant=participant,
            participants=everyone,
            agenda=agenda,
            calendar=calendar,
        )
        if key:
            _store_notice(participant, meeting, kind, subject, text, f"{key}-{participant.pk}")
        if participant.address:
            messages.append(message)
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0
