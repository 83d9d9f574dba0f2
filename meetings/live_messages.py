"""What each client message of the live socket means: its permission, its fields, its service.

The consumer reads a message's fields with the parsers below and calls the service named here,
the same function, with the same arguments, as the console's HTTP view. A bad field is a
``Refused("bad_message", …)`` with a translated reason.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from cms.converters import is_id
from cms.fields import clean_text
from cms.services import ServiceError

from .models import Meeting, Motion
from .services import NotFound
from .services import minutes as minutes_services
from .services import motions as motion_services

# Protocol messages are two levels deep at most; a deeper frame is refused before it is parsed.
MAX_MESSAGE_DEPTH = 8


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON ``text``, brackets inside strings aside."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


class Refused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def number(value, name):
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Refused("bad_message", _("%(field)s must be a number.") % {"field": name})
    try:
        value = int(value)
    except ValueError:
        raise Refused("bad_message", _("%(field)s must be a number.") % {"field": name}) from None
    if not is_id(value):  # negative, or more digits than any key (an overflow in the database)
        raise Refused("bad_message", _("%(field)s must be a number.") % {"field": name})
    return value


def text(value):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Refused("bad_message", _("Expected text."))
    try:
        return clean_text(value, multiline=True)  # the forms' rule: line breaks, no control characters
    except ValidationError as error:
        raise Refused("bad_message", error.messages[0]) from None


# A field reader takes the message and returns the service argument's value.
def read_text(name, default=""):
    return lambda message: text(message.get(name, default))


def read_id(name):
    return lambda message: number(message.get(name), name)


def read_optional_id(name):
    return lambda message: number(message[name], name) if message.get(name) else None


def read_agenda_item(message):
    # The motion names its agenda item (an id, or null for none); nothing defaults to the
    # current item, so a motion never decides an item its chair did not see.
    if "agenda_item" not in message:
        raise Refused("bad_message", _("Name the motion's agenda item, or none."))
    item = message["agenda_item"]
    return None if item is None else number(item, "agenda_item")


#: Reads: type → permission, asked on every message.
READS = {"hello": "meetings.view_live", "replay": "meetings.view_live", "ping": "meetings.view_live"}

#: Writes: type → (permission, service, the argument naming the sender, {argument: reader}).
#: Fields are read in this order, so the first bad one is the one reported.
WRITES = {
    "entry.add": (
        "meetings.keep_minutes",
        minutes_services.minute_add,
        "by",
        {"kind": read_text("kind", "note"), "text": read_text("text"), "party": read_text("party")},
    ),
    "agenda.next": ("meetings.keep_minutes", minutes_services.agenda_advance, "by", {}),
    "checkin": (
        "meetings.keep_minutes",
        minutes_services.attendance_check_in,
        "by",
        {"participant_id": read_id("participant")},
    ),
    "checkin.self": (
        "meetings.check_in_self",
        minutes_services.attendance_self_check_in,
        "user",
        {"code": read_text("code")},
    ),
    "motion.open": (
        "meetings.chair_meeting",
        motion_services.motion_open,
        "by",
        {
            "agenda_item_id": read_agenda_item,
            "text": read_text("text"),
            "rule": read_text("rule", Motion.Rule.SIMPLE_MAJORITY),
            "matter": read_text("matter", Motion.Matter.ORDINARY),
        },
    ),
    "motion.close": (
        "meetings.chair_meeting",
        motion_services.motion_close,
        "by",
        {"motion_id": read_id("motion")},
    ),
    "ballot.cast": (
        "meetings.cast_ballot",
        motion_services.ballot_cast,
        "by",
        {
            "motion_id": read_id("motion"),
            "choice": read_text("choice"),
            "owner_id": read_optional_id("owner"),
        },
    ),
    "ballot.proxy": (
        "meetings.keep_minutes",
        motion_services.ballot_record_proxy,
        "by",
        {
            "motion_id": read_id("motion"),
            "owner_id": read_id("owner"),
            "choice": read_text("choice"),
            "proxy_holder": read_text("proxy_holder"),
        },
    ),
}
#: Writes answered with the ballot as stored (``ack {client_id, ballot {motion, choice}}``).
BALLOTS = ("ballot.cast", "ballot.proxy")


def perform(service, meeting_id, user, kwargs):
    """Run a write's service in the sender's language; a refusal becomes the socket's error code."""
    meeting = Meeting.objects.select_related("community").get(pk=meeting_id)
    try:
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            return service(meeting=meeting, **kwargs)
    except NotFound as error:
        raise Refused("not_found", error.message) from None
    except ServiceError as error:
        raise Refused("refused", error.message) from None
