"""The live meeting WebSocket: parse, authorise, call a service, send. The protocol is in live.py.

Client → server messages (JSON objects with a ``type``):

- ``hello {last_seq}``: start (or resume) the stream; the server replays what was missed.
- ``replay {since}``: resend events after ``since`` (the client saw a gap).
- ``ping``.
- writes, each with a ``client_id`` (a retry with the same id is answered, never stored twice):
  ``entry.add {kind, text, party?}``, ``agenda.next``, ``checkin {participant}``,
  ``checkin.self {code}``, ``motion.open {text, rule, matter?, agenda_item}`` (an item id or null),
  ``motion.close {motion}``, ``ballot.cast {motion, choice, owner?}``,
  ``ballot.proxy {motion, owner, choice, proxy_holder}``.

Server → client: ``event {seq, kind, data, at}`` strictly in seq order, ``hello {last_seq}``
once a replay is done, ``ack {client_id, seq?}``, ``error {code, message, client_id?}``, ``pong``.
"""

import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.converters import is_id
from cms.fields import clean_text
from deliberation.services import ServiceError

from . import live
from .models import Meeting, Motion
from .services import minutes as minutes_services
from .services import motions as motion_services

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024
# Protocol messages are two levels deep at most; a deeper frame is refused before json.loads,
# which would otherwise recurse once per level (a RecursionError on a few thousand levels).
MAX_MESSAGE_DEPTH = 8
RATE_PER_SECOND = 15
RATE_BURST = 40
#: A replay the client asks for (hello, replay) costs one token per this many events sent, on top
#: of the message itself: resending history is the expensive thing a client can ask for.
REPLAY_EVENTS_PER_TOKEN = 10
# A client that keeps flooding after being told is disconnected.
FLOOD_CLOSE_AFTER = 400

# message type → permission asked on every message
PERMISSIONS = {
    "hello": "meetings.view_live",
    "replay": "meetings.view_live",
    "ping": "meetings.view_live",
    "entry.add": "meetings.keep_minutes",
    "agenda.next": "meetings.keep_minutes",
    "checkin": "meetings.keep_minutes",
    "checkin.self": "meetings.check_in_self",
    "motion.open": "meetings.chair_meeting",
    "motion.close": "meetings.chair_meeting",
    "ballot.cast": "meetings.cast_ballot",
    "ballot.proxy": "meetings.keep_minutes",
}


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


class TokenBucket:
    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def charge(self, cost: float) -> None:
        """Spend ``cost`` tokens for work already granted; the client pays it back by waiting
        (its next messages are refused until the bucket refills)."""
        self.tokens -= cost


class LiveMeetingConsumer(AsyncWebsocketConsumer):
    joined = False

    async def __call__(self, scope, receive, send):
        """Whatever ends this connection — a close, a crash in a handler, a cancelled task — the
        consumer leaves the meeting's relay, so no dead viewer stays in it."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.leave()

    async def connect(self):
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        self.group = live.group_name(self.meeting_id)
        self.sent_seq = None  # nothing is forwarded before the client's hello
        # One replay at a time per connection. While it is read from the database, live events
        # wait in the backlog, so none is lost between the replay's query and its end, and none
        # overtakes it.
        self.replaying = False
        self.replay_done = asyncio.Event()
        self.backlog = []
        self.bucket = TokenBucket(RATE_PER_SECOND, RATE_BURST)
        self.flooded = 0
        try:
            await self.authorise("meetings.view_live")
        except Refused:
            await self.close(code=4403)
            return
        self.joined = True
        try:
            await live.relay_join(self, self.meeting_id)
        except Exception:  # the channel layer is unreachable: the client reconnects later
            self.joined = False
            logger.exception("viewer of meeting %s could not join its relay", self.meeting_id)
            await self.close(code=1011)
            return
        await self.accept()

    async def disconnect(self, code):
        await self.leave()

    async def leave(self):
        if self.joined:
            self.joined = False
            await live.relay_leave(self, self.meeting_id)

    # --- incoming ----------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if not self.bucket.take():
            self.flooded += 1
            if self.flooded >= FLOOD_CLOSE_AFTER:
                await self.close(code=4429)
            elif self.flooded == 1 or self.flooded % 50 == 0:
                await self.error("rate_limited", _("Too many messages; slow down."))
            return
        self.flooded = 0
        if bytes_data is not None or text_data is None:
            return await self.error("bad_message", _("Messages must be JSON text."))
        if len(text_data.encode()) > MAX_MESSAGE_BYTES:
            return await self.error("too_large", _("The message is too large."))
        if nesting_depth(text_data) > MAX_MESSAGE_DEPTH:
            return await self.error("bad_json", _("The message is nested too deeply."))
        try:
            message = json.loads(text_data)
        except ValueError:
            return await self.error("bad_json", _("The message is not valid JSON."))
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return await self.error("bad_message", _("A message is a JSON object with a type."))
        kind = message["type"]
        client_id = message.get("client_id")
        if kind not in PERMISSIONS:
            return await self.error("unknown_type", _("Unknown message type."), client_id)
        try:
            user = await self.authorise(PERMISSIONS[kind])
            handler = getattr(self, "on_" + kind.replace(".", "_"))
            if kind in ("hello", "replay", "ping"):
                await handler(message)
            else:
                if not isinstance(client_id, str) or not 0 < len(client_id) <= 64:
                    raise Refused("bad_message", _("A write needs a client_id of at most 64 characters."))
                await handler(message, user, client_id)
        except Refused as refused:
            await self.error(refused.code, refused.message, client_id)
            if refused.code == "session_expired":
                await self.close(code=4401)
        except Exception:  # a bug or an outage must cost this message, not the connection
            logger.exception("live message %r in meeting %s failed", kind, self.meeting_id)
            await self.error("server_error", _("Something went wrong; please try again."), client_id)

    async def on_hello(self, message):
        last_seq = _int(message.get("last_seq", 0), "last_seq")
        await self.begin_replay()
        try:
            current = await database_sync_to_async(live.last_seq)(self.meeting_id)
            if last_seq > current:  # the client knows a future: its page is from another database
                await self.send_json({"type": "hello", "last_seq": current, "reset": True})
                self.sent_seq = current
                return
            self.sent_seq = await self.send_replay(last_seq, charge=True)
            await self.send_json({"type": "hello", "last_seq": self.sent_seq})
        finally:
            await self.drain_backlog()

    async def on_replay(self, message):
        since = _int(message.get("since", 0), "since")
        await self.begin_replay()
        try:
            sent = await self.send_replay(since, charge=True)
            self.sent_seq = max(self.sent_seq or 0, sent)
        finally:
            await self.drain_backlog()

    async def begin_replay(self):
        """Wait for a replay already in flight on this connection (a gap being filled), then
        mark one as running: never two at once, and live events wait in the backlog meanwhile."""
        while self.replaying:
            self.replay_done.clear()
            await self.replay_done.wait()
        self.replaying = True

    async def resync(self):
        """Send whatever was stored since the last event this viewer got (after a layer outage)."""
        if self.sent_seq is None or self.replaying or not self.joined:
            return
        self.replaying = True
        try:
            self.sent_seq = await self.send_replay(self.sent_seq)
        finally:
            await self.drain_backlog()

    async def drain_backlog(self):
        self.replaying = False
        self.replay_done.set()
        while self.backlog and not self.replaying:
            backlog, self.backlog = self.backlog, []
            for index, message in enumerate(backlog):
                if self.replaying:  # a gap in the backlog started a replay: it drains the rest
                    self.backlog[:0] = backlog[index:]
                    break
                await self.live_event(message)

    async def on_ping(self, message):
        await self.send_json({"type": "pong"})

    async def on_entry_add(self, message, user, client_id):
        event = await self.call(
            minutes_services.minute_add,
            meeting=self.meeting_id,
            by=user,
            kind=_str(message.get("kind", "note")),
            text=_str(message.get("text")),
            party=_str(message.get("party", "")),
            client_id=client_id,
        )
        await self.ack(client_id, event)

    async def on_agenda_next(self, message, user, client_id):
        event = await self.call(
            minutes_services.agenda_advance, meeting=self.meeting_id, by=user, client_id=client_id
        )
        await self.ack(client_id, event)

    async def on_checkin(self, message, user, client_id):
        participant_id = _int(message.get("participant"), "participant")
        event = await self.call(
            _check_in, meeting=self.meeting_id, participant_id=participant_id, by=user, client_id=client_id
        )
        await self.ack(client_id, event)

    async def on_checkin_self(self, message, user, client_id):
        event = await self.call(
            minutes_services.attendance_self_check_in,
            meeting=self.meeting_id,
            user=user,
            code=_str(message.get("code")),
            client_id=client_id,
        )
        await self.ack(client_id, event)

    async def on_motion_open(self, message, user, client_id):
        # The motion names its agenda item (an id, or null for none); nothing defaults to the
        # current item, so a motion never decides an item its chair did not see.
        if "agenda_item" not in message:
            raise Refused("bad_message", _("Name the motion's agenda item, or none."))
        item = message["agenda_item"]
        event = await self.call(
            _motion_open,
            meeting=self.meeting_id,
            by=user,
            text=_str(message.get("text")),
            rule=_str(message.get("rule", Motion.Rule.SIMPLE_MAJORITY)),
            matter=_str(message.get("matter", Motion.Matter.ORDINARY)),
            agenda_item_id=None if item is None else _int(item, "agenda_item"),
            client_id=client_id,
        )
        await self.ack(client_id, event)

    async def on_motion_close(self, message, user, client_id):
        event = await self.call(
            _motion_close,
            meeting=self.meeting_id,
            motion_id=_int(message.get("motion"), "motion"),
            by=user,
            client_id=client_id,
        )
        await self.ack(client_id, event)

    async def on_ballot_cast(self, message, user, client_id):
        motion_id = _int(message.get("motion"), "motion")
        ballot, changed = await self.call(
            _ballot_cast,
            meeting=self.meeting_id,
            motion_id=motion_id,
            by=user,
            choice=_str(message.get("choice")),
            owner_id=_int(message["owner"], "owner") if message.get("owner") else None,
            client_id=client_id,
        )
        await self.send_json(
            {"type": "ack", "client_id": client_id, "ballot": {"motion": motion_id, "choice": ballot.choice}}
        )
        if changed:
            await live.coalesce(("tally", motion_id), motion_services.motion_publish_tally, motion_id)

    async def on_ballot_proxy(self, message, user, client_id):
        motion_id = _int(message.get("motion"), "motion")
        ballot, changed = await self.call(
            _ballot_proxy,
            meeting=self.meeting_id,
            motion_id=motion_id,
            owner_id=_int(message.get("owner"), "owner"),
            by=user,
            choice=_str(message.get("choice")),
            proxy_holder=_str(message.get("proxy_holder")),
            client_id=client_id,
        )
        await self.send_json(
            {"type": "ack", "client_id": client_id, "ballot": {"motion": motion_id, "choice": ballot.choice}}
        )
        if changed:
            await live.coalesce(("tally", motion_id), motion_services.motion_publish_tally, motion_id)

    # --- outgoing ----------------------------------------------------------------------------

    async def live_event(self, message):
        """A stored event, handed over by the process's relay (``live.relay_join``), not through
        Channels' per-consumer dispatch. Sent in strict seq order; a gap is filled from the database."""
        if not self.joined:
            return
        if self.replaying:
            self.backlog.append(message)
            return
        if self.sent_seq is None:
            return
        seq = message["seq"]
        if seq <= self.sent_seq:
            return
        if seq > self.sent_seq + 1:
            self.replaying = True
            try:
                self.sent_seq = await self.send_replay(self.sent_seq, until=seq - 1)
            finally:
                self.backlog.insert(0, message)
                await self.drain_backlog()
            return
        self.sent_seq = seq
        await self.send(text_data=message["text"])

    async def send_replay(self, after: int, until: int | None = None, *, charge: bool = False) -> int:
        """Send the stored events after ``after``; a replay the client asked for (``charge``) is
        paid for from its token bucket, so asking for the whole history again and again is
        refused as a flood instead of costing the server the history every time."""
        while True:
            events = await database_sync_to_async(live.replay)(self.meeting_id, after, until_seq=until)
            if charge:
                self.bucket.charge(len(events) / REPLAY_EVENTS_PER_TOKEN)
            for event in events:
                await self.send_json(event)
                after = event["seq"]
            if len(events) < live.REPLAY_LIMIT:
                return after

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content, ensure_ascii=False))

    async def ack(self, client_id, event):
        await self.send_json({"type": "ack", "client_id": client_id, "seq": event.seq if event else None})

    async def error(self, code, message, client_id=None):
        payload = {"type": "error", "code": code, "message": str(message)}
        if isinstance(client_id, str):
            payload["client_id"] = client_id
        await self.send_json(payload)

    # --- database ----------------------------------------------------------------------------

    async def authorise(self, perm: str):
        result = await database_sync_to_async(self._authorise)(perm)
        if isinstance(result, Refused):
            raise result
        return result

    def _authorise(self, perm: str):
        """The sender's current account and permission, read fresh: a logout or a revoked role
        takes effect on the next message, not at the next reconnect."""
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            session = self.scope.get("session")
            key = getattr(session, "session_key", None)
            if (
                not key
                or not Session.objects.filter(session_key=key, expire_date__gt=timezone.now()).exists()
            ):
                return Refused("session_expired", _("Your session has ended; sign in again."))
            user = get_user_model().objects.filter(pk=user.pk, is_active=True).first()
            if user is None:
                return Refused("session_expired", _("Your session has ended; sign in again."))
            self.scope["user"] = user
        meeting = Meeting.objects.filter(pk=self.meeting_id).select_related("community").first()
        if meeting is None or user is None or not user.has_perm(perm, meeting):
            return Refused("forbidden", _("You may not do this in this meeting."))
        return user

    async def call(self, func, **kwargs):
        try:
            return await database_sync_to_async(_in_language)(func, **kwargs)
        except ServiceError as error:
            raise Refused("refused", error.message) from None
        except LookupError:
            raise Refused("not_found", _("Not found in this meeting.")) from None


def _in_language(func, **kwargs):
    by = kwargs.get("by") or kwargs.get("user")
    language = getattr(by, "language", "") or settings.LANGUAGE_CODE
    if isinstance(kwargs.get("meeting"), int):
        kwargs["meeting"] = Meeting.objects.select_related("community").get(pk=kwargs["meeting"])
    with translation.override(language):
        result = func(**kwargs)
        if isinstance(result, ServiceError):
            raise result
        return result


def _check_in(*, meeting, participant_id, by, client_id):
    participant = meeting.participants.filter(pk=participant_id).first()
    if participant is None:
        raise LookupError(participant_id)
    return minutes_services.attendance_check_in(
        meeting=meeting, participant=participant, by=by, client_id=client_id
    )


def _motion_open(*, meeting, agenda_item_id, **kwargs):
    item = None
    if agenda_item_id is not None:
        item = meeting.agenda_items.filter(pk=agenda_item_id).first()
        if item is None:
            raise LookupError(agenda_item_id)
    return motion_services.motion_open(meeting=meeting, agenda_item=item, **kwargs)


def _motion(meeting, motion_id):
    motion = (
        Motion.objects.select_related("meeting", "meeting__community")
        .filter(pk=motion_id, meeting=meeting)
        .first()
    )
    if motion is None:
        raise LookupError(motion_id)
    return motion


def _motion_close(*, meeting, motion_id, by, client_id):
    return motion_services.motion_close(motion=_motion(meeting, motion_id), by=by, client_id=client_id)


def _ballot_cast(*, meeting, motion_id, by, choice, owner_id, client_id):
    from deliberation.models import Owner

    owner = None
    if owner_id is not None:
        owner = Owner.objects.filter(pk=owner_id).first()
        if owner is None:
            raise LookupError(owner_id)
    return motion_services.ballot_cast(
        motion=_motion(meeting, motion_id),
        by=by,
        choice=choice,
        owner=owner,
        client_id=client_id,
        publish=False,
    )


def _ballot_proxy(*, meeting, motion_id, owner_id, by, choice, proxy_holder, client_id):
    from deliberation.models import Owner

    owner = Owner.objects.select_related("household__building").filter(pk=owner_id).first()
    if owner is None:
        raise LookupError(owner_id)
    return motion_services.ballot_record_proxy(
        motion=_motion(meeting, motion_id),
        by=by,
        owner=owner,
        choice=choice,
        proxy_holder=proxy_holder,
        client_id=client_id,
        publish=False,
    )


def _int(value, name):
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Refused("bad_message", _("%(field)s must be a number.") % {"field": name})
    try:
        number = int(value)
    except ValueError:
        raise Refused("bad_message", _("%(field)s must be a number.") % {"field": name}) from None
    if not is_id(number):  # negative, or more digits than any key (an overflow in the database)
        raise Refused("bad_message", _("%(field)s must be a number.") % {"field": name})
    return number


def _str(value):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Refused("bad_message", _("Expected text."))
    try:
        return clean_text(value, multiline=True)  # the forms' rule: line breaks, no control characters
    except ValidationError as error:
        raise Refused("bad_message", error.messages[0]) from None
