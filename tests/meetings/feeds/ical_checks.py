"""Parse generated calendars with two independent libraries and check the iTIP rules we promise."""

import icalendar
import vobject

ROLES = {"CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT"}
PARTSTATS = {"NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"}
CUTYPES = {"INDIVIDUAL", "GROUP", "RESOURCE", "ROOM", "UNKNOWN"}


def parse_both(data: bytes):
    """Return (icalendar Calendar, vobject component), failing on anything either rejects."""
    assert isinstance(data, bytes)
    text = data.decode("utf-8")
    lines = data.split(b"\r\n")
    assert data.endswith(b"\r\n"), "the file must end with CRLF"
    assert all(b"\n" not in line and b"\r" not in line for line in lines), "every line must end with CRLF"
    assert all(len(line) <= 75 for line in lines), "lines must be folded at 75 octets"
    calendar = icalendar.Calendar.from_ical(text)
    parsed = vobject.readOne(text, validate=True)
    return calendar, parsed


def events(calendar):
    return list(calendar.walk("VEVENT"))


def check_itip(data: bytes, *, method: str | None):
    """The rules of RFC 5545/5546 our files follow. Returns the icalendar Calendar."""
    calendar, parsed = parse_both(data)
    assert calendar.get("METHOD") == method
    assert calendar["VERSION"] == "2.0" and calendar.get("PRODID")
    used_tzids = set()
    for event in events(calendar):
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY", "STATUS", "ORGANIZER"):
            assert name in event, f"{name} missing"
        for name in ("DTSTART", "DTEND"):
            tzid = event[name].params.get("TZID")
            assert tzid == "Asia/Shanghai"
            used_tzids.add(tzid)
        assert event["ORGANIZER"].params.get("CN")
        if method is None:
            # A published calendar names the organiser beside the meeting's page, without an address.
            assert str(event["ORGANIZER"]).startswith(("mailto:", "http://", "https://"))
        else:
            assert str(event["ORGANIZER"]).startswith("mailto:")
        attendees = event.get("ATTENDEE", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        if method == "REQUEST":
            assert attendees, "a REQUEST names its attendees"
        for attendee in attendees:
            assert str(attendee).startswith("mailto:")
            assert attendee.params.get("CN")
            assert attendee.params["ROLE"] in ROLES
            assert attendee.params["PARTSTAT"] in PARTSTATS
            assert attendee.params["CUTYPE"] in CUTYPES
            assert attendee.params["RSVP"] == "TRUE"
        if method == "CANCEL":
            assert event["STATUS"] == "CANCELLED"
        assert "DESCRIPTION" in event
    timezones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert used_tzids <= timezones, "every TZID needs its VTIMEZONE"
    # vobject agrees on the essentials.
    if events(calendar):
        assert [str(e.uid.value) for e in parsed.vevent_list] == [str(e["UID"]) for e in events(calendar)]
    return calendar


def only_event(data: bytes):
    (event,) = events(icalendar.Calendar.from_ical(data))
    return event
