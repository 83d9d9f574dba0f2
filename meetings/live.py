"""The live minutes protocol: sequence numbers, store-then-broadcast, replay, coalescing.

Contract (docs in DESIGN.md, "Live minutes protocol"):

- Every server event gets the meeting's next ``seq`` while the writer holds the meeting's
  ``LiveState`` row lock, is stored as a ``LiveEvent``, and is broadcast only after the
  transaction commits. A broadcast therefore never carries anything that is not stored, and
  commits happen in ``seq`` order.
- A client sends its last ``seq``; ``replay`` returns what it missed, in order.
- A write carrying a ``client_id`` that its sender already stored for the same message type
  returns the stored event. The id is scoped to (meeting, sender, message type): another
  client's id, or the same id on another kind of write, never matches.
- Tally updates are coalesced: ballots only bump ``Motion.ballot_version``; at most one tally
  event per motion per ``TALLY_WINDOW`` per process is stored and sent, with the full tally.

Services call ``lock`` and ``record``; consumers call ``replay``, ``group_name`` and
``coalesce``. Nothing here knows about motions or minutes beyond that.
"""

import asyncio
import contextlib
import json
import logging

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

from .models import LiveEvent, LiveState

logger = logging.getLogger(__name__)

#: Seconds a burst of ballots is gathered before one full tally is stored and broadcast.
TALLY_WINDOW = 0.25
#: At most this many events are sent in one replay; the client asks again from the last one.
REPLAY_LIMIT = 500


def group_name(meeting_id: int) -> str:
    return f"meeting-live-{meeting_id}"


def lock(meeting) -> LiveState:
    """Lock the meeting's live row for the rest of the transaction (creating it on first use)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("live.lock() must run inside transaction.atomic")
    LiveState.objects.get_or_create(meeting_id=meeting.pk)
    return LiveState.objects.select_for_update(of=("self",)).get(pk=meeting.pk)


def _sender(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def stored(meeting, *, actor, client_type: str, client_id: str) -> LiveEvent | None:
    """The event ``actor`` already stored with this ``client_id`` for this kind of write (the
    client's message type, e.g. ``entry.add``), if the client is retrying. A write without a
    signed-in sender is never taken for a retry."""
    sender = _sender(actor)
    if not client_id or sender is None:
        return None
    return LiveEvent.objects.filter(
        meeting_id=meeting.pk, actor=sender, client_type=client_type, client_id=client_id
    ).first()


def record(
    *, meeting, kind: str, payload: dict, client_id: str = "", client_type: str = "", actor=None
) -> LiveEvent:
    """Store the next event of ``meeting`` and broadcast it once the transaction commits.

    The caller holds ``lock(meeting)``; the counter is raised with ``F()`` so the database, not
    Python, decides the number. ``client_type`` is the message type that ``client_id`` answers
    (see ``stored``); the database keeps (meeting, actor, client_type, client_id) unique.
    """
    sender = _sender(actor)
    LiveState.objects.filter(pk=meeting.pk).update(last_seq=F("last_seq") + 1)
    seq = LiveState.objects.filter(pk=meeting.pk).values_list("last_seq", flat=True).get()
    event = LiveEvent.objects.create(
        meeting_id=meeting.pk,
        seq=seq,
        kind=kind,
        payload=payload,
        client_id=(client_id or "") if sender is not None else "",
        client_type=client_type if client_id and sender is not None else "",
        actor=sender,
    )
    message = event.as_message()
    transaction.on_commit(lambda: broadcast(meeting.pk, message))
    return event


def broadcast(meeting_id: int, message: dict) -> None:
    """Send a stored event to the meeting's group. A lost broadcast is repaired by replay."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        # Encoded once here, not once per viewer: the layer copies the message for every member.
        text = json.dumps(message, ensure_ascii=False)
        async_to_sync(layer.group_send)(
            group_name(meeting_id), {"type": "live.event", "seq": message["seq"], "text": text}
        )
    except Exception:  # the event is stored; viewers catch up through replay
        logger.exception("broadcast of meeting %s seq %s failed", meeting_id, message.get("seq"))


def replay(
    meeting_id: int, after_seq: int, *, until_seq: int | None = None, limit: int = REPLAY_LIMIT
) -> list[dict]:
    """Stored events after ``after_seq`` (up to ``until_seq``), in ``seq`` order."""
    events = LiveEvent.objects.filter(meeting_id=meeting_id, seq__gt=after_seq)
    if until_seq is not None:
        events = events.filter(seq__lte=until_seq)
    return [event.as_message() for event in events.order_by("seq")[:limit]]


def last_seq(meeting_id: int) -> int:
    return LiveState.objects.filter(pk=meeting_id).values_list("last_seq", flat=True).first() or 0


# --- Fan-out within a process ------------------------------------------------------------------
# Each process joins a meeting's group once (a Relay) and hands every broadcast to its local
# consumers directly. The channel layer then carries one message per process and event instead of
# one per viewer: with the in-memory layer every delivery also scans all channels, and with Redis
# every member is a list push, so per-viewer membership made fan-out cost grow with the audience.


class Relay:
    def __init__(self, layer, meeting_id: int):
        self.layer, self.meeting_id = layer, meeting_id
        self.members: set = set()
        self.channel = None
        self.task = None
        # Every viewer who joins while the relay starts awaits this one task: its failure reaches
        # them all (instead of leaving them waiting for a start that will never come).
        self.starting = None

    async def start(self) -> None:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(group_name(self.meeting_id), self.channel)
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # e.g. Redis restarting: wait, then let every viewer catch up
                logger.exception("relay of meeting %s lost the channel layer", self.meeting_id)
                await asyncio.sleep(1)
                for member in list(self.members):
                    try:
                        await member.resync()
                    except Exception:
                        logger.exception("resync of a viewer of meeting %s failed", self.meeting_id)
                continue
            for member in list(self.members):
                try:
                    await member.live_event(message)
                except Exception:  # one broken viewer must not starve the others
                    logger.exception("relay to a viewer of meeting %s failed", self.meeting_id)

    async def stop(self) -> None:
        if self.starting is not None and not self.starting.done():
            # Stopped while still starting (the last viewer left early): let the start finish,
            # or the task and group membership it creates would outlive the relay.
            with contextlib.suppress(Exception):
                await asyncio.shield(self.starting)
        if self.task is not None:
            self.task.cancel()
        if self.channel is not None:
            await self.layer.group_discard(group_name(self.meeting_id), self.channel)


_relays: dict = {}


async def relay_join(consumer, meeting_id: int) -> None:
    """Add ``consumer`` to this process's relay for the meeting, starting it if needed.

    If the relay cannot start (the channel layer is down), every viewer waiting for it gets the
    error and the relay is forgotten, so the next viewer starts a fresh one.
    """
    key = (id(asyncio.get_running_loop()), meeting_id)
    relay = _relays.get(key)
    if relay is None:
        relay = _relays[key] = Relay(get_channel_layer(), meeting_id)
        relay.starting = asyncio.ensure_future(relay.start())
    relay.members.add(consumer)
    try:
        # Shielded: one viewer giving up (its connection closing) must not cancel the start for
        # the others.
        await asyncio.shield(relay.starting)
    except BaseException:
        relay.members.discard(consumer)
        starting = relay.starting
        failed = starting.done() and (starting.cancelled() or starting.exception() is not None)
        if _relays.get(key) is relay and (failed or not relay.members):
            del _relays[key]
            if not failed:
                await relay.stop()
        raise


async def relay_leave(consumer, meeting_id: int) -> None:
    key = (id(asyncio.get_running_loop()), meeting_id)
    relay = _relays.get(key)
    if relay is None or consumer not in relay.members:
        return
    relay.members.discard(consumer)
    if not relay.members:
        del _relays[key]
        await relay.stop()


# --- Coalescing ------------------------------------------------------------------------------
# One pending flush per key and event loop. The key is removed *before* the flush runs, so a
# change that commits while a flush is computing schedules the next one: the last change is
# never left unsent, and a burst of N changes yields about duration / TALLY_WINDOW messages.
_pending: dict = {}


async def coalesce(key, func, *args, window: float = TALLY_WINDOW) -> None:
    loop = asyncio.get_running_loop()
    task = _pending.get(key)
    if task is not None and not task.done() and task.get_loop() is loop:
        return
    _pending[key] = loop.create_task(_later(key, func, args, window))


async def _later(key, func, args, window):
    try:
        await asyncio.sleep(window)
    finally:
        _pending.pop(key, None)
    try:
        await database_sync_to_async(func)(*args)
    except Exception:
        logger.exception("coalesced flush %s failed", key)


def forget_process_state() -> None:
    """Drop every relay and pending flush of this process.

    Both are keyed by ``id()`` of their event loop; a process that runs one loop after another
    (the test suite) may see a new loop at a dead one's address and must not inherit its state."""
    _relays.clear()
    _pending.clear()
