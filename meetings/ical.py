"""iCalendar (RFC 5545) and iTIP (RFC 5546) for meetings: pure functions that return bytes.

Callers pass everything in (participants, agenda, links, the stamp), so the same meeting always
gives the same file and tests can build every kind of file without mail or HTTP.

Rules real calendars rely on:
- the UID never changes for a meeting; SEQUENCE is ``Meeting.sequence``, raised by the services
  on every change of time, place or status and never on attendee replies;
- times carry ``TZID=Asia/Shanghai`` and the calendar holds the matching VTIMEZONE;
- an invitation or update is ``METHOD:REQUEST``; calling a meeting off is ``METHOD:CANCEL`` with
  ``STATUS:CANCELLED``; a feed is a published calendar without METHOD (RFC 5546 §1.4);
- clients ignore URL, so the meeting's address is also written into DESCRIPTION;
- stored text may hold anything: one-line properties (SUMMARY, LOCATION, CN, the calendar's name)
  go through ``one_line`` and DESCRIPTION through ``multi_line``, so a line break or a control
  character can neither break the file nor make icalendar refuse it.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from cms.text import multi_line, one_line

PRODID = "-//Community Deliberation Hall//Meetings//ZH"
TZID = "Asia/Shanghai"
TZ = ZoneInfo(TZID)

REQUEST = "REQUEST"
CANCEL = "CANCEL"

#: ParticipantRole (and whether the person votes) → iCalendar ROLE.
ROLE_CHAIR = "CHAIR"
ROLE_REQUIRED = "REQ-PARTICIPANT"
ROLE_OPTIONAL = "OPT-PARTICIPANT"
ROLE_NON = "NON-PARTICIPANT"

#: Meeting.status → VEVENT STATUS.
EVENT_STATUS = {
    "draft": "TENTATIVE",
    "polling": "TENTATIVE",
    "scheduled": "CONFIRMED",
    "in_progress": "CONFIRMED",
    "closed": "CONFIRMED",
    "cancelled": "CANCELLED",
}


@dataclass(frozen=True)
class FeedEntry:
    """One meeting in a feed, with what the event needs besides the meeting itself."""

    meeting: object
    participants: list
    agenda: list
    url: str


def attendee_role(participant) -> str:
    if participant.role == "chair":
        return ROLE_CHAIR
    if participant.role == "observer":
        return ROLE_NON
    return ROLE_REQUIRED if participant.votes else ROLE_OPTIONAL


def _cal_address(email: str, name: str, *, uri: str = "", **params) -> vCalAddress:
    """A mailto: address; without an e-mail (a public calendar) the name stands beside ``uri``."""
    address = vCalAddress(f"mailto:{email}" if email else uri)
    address.params["CN"] = vText(one_line(name))
    for key, value in params.items():
        address.params[key] = value
    return address


def _description(meeting, agenda: Iterable, url: str, agenda_title: str, link_title: str) -> str:
    lines = []
    if meeting.description:
        lines += [multi_line(meeting.description).strip(), ""]
    items = [item for item in agenda]
    if items:
        lines.append(agenda_title)
        lines += [f"{number}. {one_line(item.title)}" for number, item in enumerate(items, start=1)]
        lines.append("")
    if meeting.online_url:
        lines.append(one_line(meeting.online_url))
    lines.append(f"{link_title}: {url}")
    return "\n".join(lines)


def _event(
    meeting,
    *,
    participants: Iterable,
    agenda: Iterable,
    url: str,
    organizer: tuple[str, str],
    dtstamp: datetime,
    cancelled: bool,
    labels: dict,
) -> Event:
    event = Event()
    event.add("uid", f"{meeting.uid}@meetings")
    event.add("dtstamp", dtstamp)
    event.add("sequence", meeting.sequence)
    event.add("summary", one_line(meeting.title))
    event.add("dtstart", meeting.starts_at.astimezone(TZ))
    event.add("dtend", meeting.ends_at.astimezone(TZ))
    if meeting.location_text:
        event.add("location", one_line(meeting.location_text))
    event.add("description", _description(meeting, agenda, url, labels["agenda"], labels["link"]))
    event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else EVENT_STATUS[meeting.status])
    event.add("transp", "OPAQUE")
    event.add("class", "PUBLIC" if meeting.visibility == "public" else "PRIVATE")
    event.add("organizer", _cal_address(organizer[0], organizer[1], uri=url))
    for participant in participants:
        if not participant.address:
            continue
        event.add(
            "attendee",
            _cal_address(
                participant.address,
                participant.name,
                CUTYPE="INDIVIDUAL",
                ROLE=attendee_role(participant),
                PARTSTAT=participant.partstat,
                RSVP="TRUE",
            ),
        )
    return event


def _calendar(method: str | None, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", one_line(name))
        calendar.add("x-wr-timezone", TZID)
    return calendar


@functools.cache
def _vtimezone(tzid: str) -> Timezone:
    """A zone's VTIMEZONE, built once per process: icalendar derives its observances from the tz
    database (about 50 ms), and every invitation, update and feed needs the same one."""
    return Timezone.from_tzid(tzid)


def _bytes(calendar: Calendar) -> bytes:
    # What ``calendar.add_missing_timezones()`` does, with the zones built once.
    position = len(calendar.timezones)
    for tzid in sorted(calendar.get_missing_tzids()):
        calendar.subcomponents.insert(position, _vtimezone(tzid))
        position += 1
    # icalendar folds lines and ends every line with CRLF, as RFC 5545 §3.1 requires.
    return calendar.to_ical()


DEFAULT_LABELS = {"agenda": "Agenda", "link": "Meeting page"}


def invitation(
    meeting,
    *,
    participants: Iterable,
    agenda: Iterable,
    url: str,
    organizer: tuple[str, str],
    dtstamp: datetime,
    method: str = REQUEST,
    labels: dict | None = None,
) -> bytes:
    """The iTIP message for ``meeting``: REQUEST (invitation or update) or CANCEL.

    ``organizer`` is (email, name) of the convener. ``participants`` should be every attendee:
    a REQUEST carries everyone's current PARTSTAT, a CANCEL of the whole meeting names them all.
    """
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"unsupported iTIP method {method}")
    if meeting.starts_at is None or meeting.ends_at is None:
        raise ValueError("a meeting without a fixed time has no calendar entry")
    calendar = _calendar(method)
    calendar.add_component(
        _event(
            meeting,
            participants=participants,
            agenda=agenda,
            url=url,
            organizer=organizer,
            dtstamp=dtstamp,
            cancelled=method == CANCEL or meeting.status == "cancelled",
            labels=labels or DEFAULT_LABELS,
        )
    )
    return _bytes(calendar)


def feed(
    entries: Iterable[FeedEntry],
    *,
    name: str,
    organizer_of,
    dtstamp: datetime,
    labels: dict | None = None,
) -> bytes:
    """A subscribable calendar of meetings. Cancelled meetings stay in it, as cancelled.

    ``organizer_of(meeting)`` returns (email, name) for the meeting's convener. A public feed
    passes an empty e-mail: the organiser then appears by name, beside the meeting's page.
    """
    calendar = _calendar(None, name=name)
    for entry in entries:
        calendar.add_component(
            _event(
                entry.meeting,
                participants=entry.participants,
                agenda=entry.agenda,
                url=entry.url,
                organizer=organizer_of(entry.meeting),
                dtstamp=dtstamp,
                cancelled=entry.meeting.status == "cancelled",
                labels=labels or DEFAULT_LABELS,
            )
        )
    if not calendar.subcomponents:
        # RFC 5545 wants at least one component; an empty feed still names its time zone.
        calendar.add_component(_vtimezone(TZID))
    return _bytes(calendar)
