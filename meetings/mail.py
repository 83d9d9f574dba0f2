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

Nothing here sends: ``notify_participants`` stores the notices and their deliveries in the
service's transaction, and the task worker renders each one (``render_delivery``) and sends it
(``deliberation.services.delivery``). A participant with a phone also gets the SMS template.
"""

from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.text import one_line
from deliberation.models import Delivery, Notification, about_key
from deliberation.people import official_name
from deliberation.services.delivery import (
    Email,
    ObjectGone,
    Outgoing,
    Recipient,
    Sms,
    deliver,
    deliver_many,
    short_link,
    sms_not_before,
)
from deliberation.services.notifications import absolute_url

from . import ical
from .signing import participant_token

INVITATION = "invitation"
UPDATE = "update"
CANCELLATION = "cancel"
REMINDER = "reminder"
POLL = "poll"

METHOD_OF_KIND = {INVITATION: ical.REQUEST, UPDATE: ical.REQUEST, CANCELLATION: ical.CANCEL}

#: What the meeting page calls each kind of notice in a participant's delivery list (short: a phone).
KIND_LABELS = {
    INVITATION: gettext_lazy("Invitation"),
    UPDATE: gettext_lazy("Update"),
    CANCELLATION: gettext_lazy("Cancellation"),
    REMINDER: gettext_lazy("Reminder"),
    POLL: gettext_lazy("Time poll"),
    "removed": gettext_lazy("Removed from the meeting"),
}


def notice_kind(key: str) -> str:
    """The kind of a notice from its key (``meeting-<pk>-<kind>[-<sequence>]``)."""
    parts = key.split("-")
    return parts[2] if len(parts) > 2 else ""


def notification_key(key: str, participant_id: int) -> str:
    """The inbox notice of one participant: the notice's key and the participant."""
    return f"{key}-{participant_id}"[:120]


def notice_of_notification(notification_key: str) -> tuple[str, int | None]:
    """``notification_key`` read back: the notice's key and the participant's id."""
    key, _dash, participant = notification_key.rpartition("-")
    return key, int(participant) if participant.isdigit() else None


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


def build_message(*, kind: str, meeting, participant, participants, agenda, calendar: bytes | None) -> Email:
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
        return Email(
            subject=subject_for(kind, meeting),
            text=render_to_string("meetings/mail/meeting_body.txt", context).strip() + "\n",
            html=render_to_string("meetings/mail/meeting_body.html", context),
            calendar=calendar.decode("utf-8") if calendar is not None else "",
            method=METHOD_OF_KIND[kind] if calendar is not None else "",
        )


def sms_when(starts_at: datetime | None) -> str:
    """The time in an SMS, short enough for a template variable: ``12-05 14:00``."""
    if starts_at is None:
        return _("to be fixed")
    return f"{timezone.localtime(starts_at, ical.TZ):%m-%d %H:%M}"


#: The SMS template of each kind of meeting notice (registered with the provider, docs/sms.md).
SMS_TEMPLATE_OF_KIND = {INVITATION: "meeting_invitation", POLL: "meeting_invitation", REMINDER: "reminder"}


def build_sms(*, kind: str, meeting, participant) -> Sms:
    """The SMS of a notice: the provider's pre-approved template, with a short link to answer."""
    with translation.override(participant.mail_language):
        params = {
            "title": one_line(meeting.title),
            "time": sms_when(meeting.starts_at),
            "place": one_line(meeting.location_text) or _("to be announced"),
        }
        template = SMS_TEMPLATE_OF_KIND.get(kind, "meeting_change")
        if template == "meeting_change":
            params["status"] = _("cancelled") if kind == CANCELLATION else _("changed")
    path = reverse("meeting_respond", kwargs={"token": participant_token(participant)})
    return Sms(template, {**params, "link": short_link(path)})


def notice_text(kind: str, meeting, language: str) -> tuple[str, str]:
    """The inbox notice: the subject line and when/where, in one language. Cheap on purpose: the
    full mail is rendered by the worker, so one click invites a hundred people as fast as ten."""
    with translation.override(language):
        when = format_when(meeting.starts_at, meeting.ends_at)
        place = one_line(meeting.location_text) or _("place to be announced")
        return subject_for(kind, meeting), f"{_('When:')} {when}\n{_('Where:')} {place}"


def recipient_of(participant) -> Recipient:
    user = participant.user if participant.user_id else None
    return Recipient(
        name=participant.name,
        email=participant.address,
        phone=str(participant.phone or (user.phone if user else "") or ""),
        wants_email=user.notify_email if user else True,
        wants_sms=user.notify_sms if user else True,
        language=participant.mail_language,
        user=user,
        ref=participant_ref(participant.pk),
    )


def participant_ref(participant_id: int) -> str:
    return f"participant:{participant_id}"


def notify_participants(*, meeting, kind: str, participants=None, key: str = "") -> None:
    """Store ``kind`` about ``meeting`` for ``participants`` (default: all), in the caller's
    transaction, as one queued task: the worker writes each person's inbox notice and deliveries
    (``notices_store``), so inviting a hundred people costs the click what inviting ten does.

    The task row commits or rolls back with the caller's change (with the immediate backend of the
    tests and the demo, the notices are stored at once). ``key`` makes the notices idempotent (the
    services pass the kind and the SEQUENCE): a task run twice stores nothing twice.
    """
    from .tasks import store_meeting_notices

    store_meeting_notices.enqueue(
        meeting.pk,
        kind,
        key or f"meeting-{meeting.pk}-{kind}-{meeting.sequence}",
        None if participants is None else [participant.pk for participant in participants],
    )


def notices_store(*, meeting_id: int, kind: str, key: str, participant_ids: list[int] | None = None) -> int:
    """In the worker (or at once with the immediate backend): the inbox notice of each account
    holder (once per key) and one delivery per channel, which the worker renders and sends after
    this commits. Returns the deliveries stored; a meeting deleted meanwhile has none."""
    from .models import Meeting

    meeting = Meeting.objects.select_related("community").filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    recipients = meeting.participants.select_related("user")
    if participant_ids is not None:
        recipients = recipients.filter(pk__in=participant_ids)
    recipients = list(recipients)
    url = reverse("meeting_detail", kwargs={"meeting_id": meeting.pk})
    notices = {}
    languages = {participant.mail_language for participant in recipients}
    by_language = {language: notice_text(kind, meeting, language) for language in languages}
    texts = {participant.pk: by_language[participant.mail_language] for participant in recipients}
    account_holders = [p for p in recipients if p.user_id]
    if account_holders:
        rows = []
        for participant in account_holders:
            subject, body = texts[participant.pk]
            rows.append(
                Notification(
                    user=participant.user,
                    subject=subject[:200],
                    body=body,
                    url=url,
                    key=notification_key(key, participant.pk),
                )
            )
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        stored = Notification.objects.filter(key__in=[row.key for row in rows])
        notices = {(n.user_id, n.key): n for n in stored}
    urgent = kind == REMINDER and reminder_is_urgent(meeting)
    outgoing = []
    for participant in recipients:
        outgoing.append(
            Outgoing(
                key=key,
                recipient=recipient_of(participant),
                label=texts[participant.pk][0],
                renderer=RENDERER,
                renderer_args={"meeting": meeting.pk, "participant": participant.pk, "kind": kind},
                notification=notices.get((participant.user_id, notification_key(key, participant.pk))),
                urgent=urgent,
            )
        )
    return len(deliver_many(outgoing, about=about_key("meeting", meeting.pk), community=meeting.community))


def reminder_is_urgent(meeting, now: datetime | None = None) -> bool:
    """A reminder's SMS may break the quiet hours on the meeting's day, or when waiting for the
    morning would bring it after the start."""
    now = now or timezone.now()
    if meeting.starts_at is None:
        return False
    same_day = (
        timezone.localtime(meeting.starts_at, ical.TZ).date() == timezone.localtime(now, ical.TZ).date()
    )
    return same_day or sms_not_before(now) >= meeting.starts_at


def notify_removed(*, meeting, participant) -> None:
    """The CANCEL for a participant taken off the meeting, rendered now: the row is deleted next."""
    calendar = meeting_calendar(meeting, method=ical.CANCEL, participants=[participant])
    email = build_message(
        kind=CANCELLATION,
        meeting=meeting,
        participant=participant,
        participants=[participant],
        agenda=list(meeting.agenda_items.all()),
        calendar=calendar,
    )
    deliver(
        key=f"meeting-{meeting.pk}-removed-{meeting.sequence}",
        recipient=recipient_of(participant),
        label=email.subject,
        email=email,
        sms_message=build_sms(kind=CANCELLATION, meeting=meeting, participant=participant),
        about=about_key("meeting", meeting.pk),
        community=meeting.community,
    )


RENDERER = "meetings.participant"


def render_delivery(delivery) -> Email | Sms:
    """Render a participant's notice in the worker, from the meeting as it stands."""
    from .models import Meeting, Participant

    args = delivery.payload["args"]
    meeting = Meeting.objects.select_related("community", "convener").filter(pk=args["meeting"]).first()
    participant = Participant.objects.select_related("user").filter(pk=args["participant"]).first()
    if meeting is None or participant is None or participant.meeting_id != meeting.pk:
        raise ObjectGone(_("The meeting or the participant no longer exists."))
    participant.meeting = meeting  # the row just read: the signed links need no query of their own
    kind = args["kind"]
    if delivery.channel == Delivery.Channel.SMS:
        return build_sms(kind=kind, meeting=meeting, participant=participant)
    everyone = list(meeting.participants.select_related("user"))
    agenda = list(meeting.agenda_items.all())
    method = METHOD_OF_KIND.get(kind) if meeting.starts_at is not None else None
    calendar = None
    if method is not None:
        with translation.override(settings.LANGUAGE_CODE):
            calendar = meeting_calendar(meeting, method=method, participants=everyone, agenda=agenda)
    return build_message(
        kind=kind,
        meeting=meeting,
        participant=participant,
        participants=everyone,
        agenda=agenda,
        calendar=calendar,
    )
