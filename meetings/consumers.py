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

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.translation import gettext as _

from . import live
from .live import RATE_BURST, RATE_PER_SECOND, REPLAY_EVENTS_PER_TOKEN  # noqa: F401 (the limits)
from .live_messages import BALLOTS, MAX_MESSAGE_DEPTH, READS, WRITES, Refused, nesting_depth, number, perform
from .models import Meeting

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024
# A client that keeps flooding after being told is disconnected.
FLOOD_CLOSE_AFTER = 400


class LiveMeetingConsumer(AsyncJsonWebsocketConsumer):
    # No channel of its own: the relay hears the layer for the process's viewers; a consumer
    # listening on the layer itself would be closed by a Redis outage.
    channel_layer_alias = None
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
        self.bucket, self.flooded = live.TokenBucket(RATE_PER_SECOND, RATE_BURST), 0
        self.stream = live.Stream(self.meeting_id, lambda text: self.send(text_data=text), self.bucket)
        try:
            await self.authorise("meetings.view_live")
        except Refused:
            return await self.close(code=4403)
        self.joined = True
        try:
            await live.relay_join(self, self.meeting_id)
        except Exception:  # the channel layer is unreachable: the client reconnects later
            self.joined = False
            logger.exception("viewer of meeting %s could not join its relay", self.meeting_id)
            return await self.close(code=1011)
        await self.accept()

    async def disconnect(self, code):
        await self.leave()

    async def leave(self):
        if self.joined:
            self.joined = False
            await live.relay_leave(self, self.meeting_id)

    # The relay's side (``live.relay_join``): events and resyncs go to this viewer's stream.
    async def live_event(self, message):
        if self.joined:
            await self.stream.deliver(message)

    async def resync(self, stored_seq):
        if self.joined:
            await self.stream.resync(stored_seq)

    # --- incoming ----------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        """Rate, size and shape first, then the JSON; a bad frame gets an error, never a close."""
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
        try:
            message = await self.decode_json(text_data)
        except Refused as refused:
            return await self.error(refused.code, refused.message)
        await self.receive_json(message)

    @classmethod
    async def decode_json(cls, text_data):
        # Refused before json.loads, which recurses once per level (RecursionError).
        if nesting_depth(text_data) > MAX_MESSAGE_DEPTH:
            raise Refused("bad_json", _("The message is nested too deeply."))
        try:
            return json.loads(text_data)
        except ValueError:
            raise Refused("bad_json", _("The message is not valid JSON.")) from None

    @classmethod
    async def encode_json(cls, content):
        return json.dumps(content, ensure_ascii=False)

    async def receive_json(self, message):
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return await self.error("bad_message", _("A message is a JSON object with a type."))
        kind, client_id = message["type"], message.get("client_id")
        if kind not in READS and kind not in WRITES:
            return await self.error("unknown_type", _("Unknown message type."), client_id)
        try:
            if kind in READS:
                await self.authorise(READS[kind])
                return await getattr(self, "on_" + kind)(message)
            await self.write(kind, message, client_id)
        except Refused as refused:
            await self.error(refused.code, refused.message, client_id)
            if refused.code == "session_expired":
                await self.close(code=4401)
        except Exception:  # a bug or an outage must cost this message, not the connection
            logger.exception("live message %r in meeting %s failed", kind, self.meeting_id)
            await self.error("server_error", _("Something went wrong; please try again."), client_id)

    async def on_hello(self, message):
        await self.stream.hello(number(message.get("last_seq", 0), "last_seq"))

    async def on_replay(self, message):
        await self.stream.replay_since(number(message.get("since", 0), "since"))

    async def on_ping(self, message):
        await self.send_json({"type": "pong"})

    async def write(self, kind, message, client_id):
        """A write: the service the HTTP view calls, with the same arguments (``live_messages``)."""
        perm, service, sender, fields = WRITES[kind]
        user = await self.authorise(perm)
        if not isinstance(client_id, str) or not 0 < len(client_id) <= 64:
            raise Refused("bad_message", _("A write needs a client_id of at most 64 characters."))
        kwargs = {name: read(message) for name, read in fields.items()}
        kwargs.update({sender: user, "client_id": client_id})
        result = await database_sync_to_async(perform)(service, self.meeting_id, user, kwargs)
        if kind in BALLOTS:  # (ballot, changed): the service publishes the tally itself
            ballot = {"motion": kwargs["motion_id"], "choice": result[0].choice}
            return await self.send_json({"type": "ack", "client_id": client_id, "ballot": ballot})
        await self.send_json({"type": "ack", "client_id": client_id, "seq": result.seq if result else None})

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
            key = getattr(self.scope.get("session"), "session_key", None)
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
