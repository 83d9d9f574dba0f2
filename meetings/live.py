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

Services call ``lock``, ``record`` and ``publish_soon``; the consumer drives one ``Stream`` per
connection (replay, backlog, gap filling) and a ``TokenBucket``. Nothing here knows about motions
or minutes beyond that.
"""

import asyncio
import contextlib
import contextvars
import json
import logging
import os
import time

from asgiref.sync import SyncToAsync, async_to_sync
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
#: Messages a connection may send per second, and in one burst.
RATE_PER_SECOND = 15
RATE_BURST = 40
#: A replay the client asks for (hello, replay) costs one token per this many events sent, on top
#: of the message itself: resending history is the expensive thing a client can ask for.
REPLAY_EVENTS_PER_TOKEN = 10
#: Seconds between a relay's checks that it is still in its group and that its viewers have every
#: stored event: a viewer misses an event for at most about twice this long, whatever the layer lost.
RELAY_CHECK = 1.0


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


def relay_message(message: dict) -> dict:
    """A stored event as the relays carry it: encoded once here, not once per viewer."""
    return {"type": "live.event", "seq": message["seq"], "text": json.dumps(message, ensure_ascii=False)}


def broadcast(meeting_id: int, message: dict) -> None:
    """Send a stored event to the meeting's group. A lost broadcast is repaired by replay."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(meeting_id), relay_message(message))
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
#
# The layer may lose a broadcast or the membership itself: a Redis that restarts comes back empty,
# and nothing tells a member that its group is gone. So the relay does not trust it: every
# RELAY_CHECK seconds it joins its group again (idempotent) and reads the meeting's last seq; a
# viewer still behind the seq the database held at the previous check is sent what it missed from
# the database. A viewer that is up to date costs nothing; the database stays the source of truth.
#
# The relay also puts the events in order. Workers broadcast after they commit, so worker A's seq
# 7 can reach the layer after worker B's seq 8; every viewer's stream would then read seq 7 from
# the database, one query per viewer and gap (with three workers and 3,000 viewers that stalled
# each worker for seconds: bench/live_fanout.py --workers 3). The relay reads it once, hands on 7
# and 8 in order, and drops the late 7.


class Relay:
    def __init__(self, layer, meeting_id: int):
        self.layer, self.meeting_id = layer, meeting_id
        self.members: set = set()
        self.channel = None
        self.task = self.watcher = None
        self.failing = False  # the layer failed and has not answered since: log the outage once
        # The last seq handed on (None until the first event): what comes after it is in order.
        self.last_seq = None
        # Every viewer who joins while the relay starts awaits this one task: its failure reaches
        # them all (instead of leaving them waiting for a start that will never come).
        self.starting = None

    async def start(self) -> None:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(group_name(self.meeting_id), self.channel)
        loop = asyncio.get_running_loop()
        self.task = loop.create_task(self.run())
        self.watcher = loop.create_task(self.watch())

    async def run(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # e.g. Redis restarting: ``watch`` rejoins and catches viewers up
                self.outage("receive")
                await asyncio.sleep(RELAY_CHECK)
                continue
            for event in await self.in_order(message):
                for member in list(self.members):
                    try:
                        await member.live_event(event)
                    except Exception:  # one broken viewer must not starve the others
                        logger.exception("relay to a viewer of meeting %s failed", self.meeting_id)

    async def in_order(self, message) -> list[dict]:
        """``message``, after the stored events it overtook; nothing if it was handed on already.

        If the database cannot be read, ``message`` goes on alone and each viewer's stream fills
        the gap itself, as it does for any gap it sees."""
        seq, last = message["seq"], self.last_seq
        if last is not None and seq <= last:
            return []
        missing = []
        if last is not None and seq > last + 1:
            try:
                missing = await database_sync_to_async(replay)(self.meeting_id, last, until_seq=seq - 1)
            except Exception:
                logger.exception("relay of meeting %s could not fill a gap", self.meeting_id)
        self.last_seq = seq
        return [*(relay_message(event) for event in missing), message]

    async def watch(self) -> None:
        """Rejoin the group and catch lagging viewers up from the database, every RELAY_CHECK."""
        stored = None  # the meeting's last seq at the previous check
        while True:
            await asyncio.sleep(RELAY_CHECK)
            try:
                await self.layer.group_add(group_name(self.meeting_id), self.channel)
            except Exception:  # still down: the viewers are caught up from the database below
                self.outage("group_add")
            else:
                if self.failing:
                    self.failing = False
                    logger.warning("relay of meeting %s has the channel layer again", self.meeting_id)
            for member in list(self.members) if stored is not None else ():
                try:
                    await member.resync(stored)
                except Exception:  # one broken viewer must not starve the others
                    logger.exception("catching up a viewer of meeting %s failed", self.meeting_id)
            try:
                stored = await database_sync_to_async(last_seq)(self.meeting_id)
            except Exception:  # the database is away too: try again at the next check
                logger.exception("reading the last seq of meeting %s failed", self.meeting_id)

    def outage(self, operation: str) -> None:
        if not self.failing:
            self.failing = True
            logger.exception("relay of meeting %s lost the channel layer (%s)", self.meeting_id, operation)

    async def stop(self) -> None:
        if self.starting is not None and not self.starting.done():
            # Stopped while still starting (the last viewer left early): let the start finish,
            # or the task and group membership it creates would outlive the relay.
            with contextlib.suppress(Exception):
                await asyncio.shield(self.starting)
        for task in (self.task, self.watcher):
            if task is not None:
                task.cancel()
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
    _coalesce(asyncio.get_running_loop(), key, func, args, window)


def _coalesce(loop, key, func, args, window) -> None:
    task = _pending.get(key)
    if task is not None and not task.done() and task.get_loop() is loop:
        return
    _pending[key] = loop.create_task(_later(key, func, args, window))


def publish_soon(key, func, *args) -> None:
    """Run ``func(*args)`` (a sync flush, e.g. a tally) coalesced per ``key``, from sync code.

    Services call this, so every path (the socket, an HTTP form under ASGI) publishes the same
    way: on the event loop that is running this thread's sync code, gathered over
    ``TALLY_WINDOW``. Sync code without a running loop (a management command, a WSGI worker, a
    plain test) has no loop to gather on and flushes at once."""
    loop = _calling_loop()
    if loop is not None:
        try:
            # A fresh context: the flush must not inherit this thread's "inside sync code" marks
            # (asgiref would refuse its database call as a deadlock).
            loop.call_soon_threadsafe(
                _coalesce, loop, key, func, args, TALLY_WINDOW, context=contextvars.Context()
            )
            return
        except RuntimeError:  # the loop closed in between
            pass
    func(*args)


def _calling_loop():
    with contextlib.suppress(RuntimeError):
        return asyncio.get_running_loop()
    # asgiref records, in each thread it runs sync code in, the loop that awaits that code.
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() and not loop.is_closed() else None


async def _later(key, func, args, window):
    try:
        await asyncio.sleep(window)
    finally:
        _pending.pop(key, None)
    try:
        await database_sync_to_async(func)(*args)
    except Exception:
        logger.exception("coalesced flush %s failed", key)


# --- One viewer's stream ---------------------------------------------------------------------


class TokenBucket:
    def __init__(self, rate: float = RATE_PER_SECOND, burst: int = RATE_BURST):
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


class Stream:
    """The events one viewer gets: strictly in seq order, none twice, none lost.

    Nothing is forwarded before the client's ``hello``. One replay runs at a time; while it reads
    the database, live events wait in the backlog, so none is lost between the replay's query and
    its end, and none overtakes it. A gap in the live events is filled from the database."""

    def __init__(self, meeting_id: int, send, bucket: TokenBucket):
        self.meeting_id, self.send, self.bucket = meeting_id, send, bucket  # send(text) is async
        self.sent_seq = None
        self.replaying = False
        self.replay_done = asyncio.Event()
        self.backlog = []

    async def send_json(self, content) -> None:
        await self.send(json.dumps(content, ensure_ascii=False))

    async def hello(self, client_seq: int) -> None:
        await self._begin_replay()
        try:
            current = await database_sync_to_async(last_seq)(self.meeting_id)
            if client_seq > current:  # the client knows a future: its page is from another database
                await self.send_json({"type": "hello", "last_seq": current, "reset": True})
                self.sent_seq = current
                return
            self.sent_seq = await self._send_stored(client_seq, charge=True)
            await self.send_json({"type": "hello", "last_seq": self.sent_seq})
        finally:
            await self._drain_backlog()

    async def replay_since(self, since: int) -> None:
        await self._begin_replay()
        try:
            sent = await self._send_stored(since, charge=True)
            self.sent_seq = max(self.sent_seq or 0, sent)
        finally:
            await self._drain_backlog()

    async def resync(self, stored_seq: int) -> None:
        """The database held ``stored_seq`` a while ago (``Relay.watch``): if this viewer has not
        been sent that far, the layer lost something; send what was stored since its last event."""
        if self.sent_seq is None or self.replaying or self.sent_seq >= stored_seq:
            return
        self.replaying = True
        try:
            self.sent_seq = await self._send_stored(self.sent_seq)
        finally:
            await self._drain_backlog()

    async def deliver(self, message) -> None:
        """A live event from the relay: sent in order, held back during a replay, a gap filled."""
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
                self.sent_seq = await self._send_stored(self.sent_seq, until=seq - 1)
            finally:
                self.backlog.insert(0, message)
                await self._drain_backlog()
            return
        self.sent_seq = seq
        await self.send(message["text"])

    async def _begin_replay(self) -> None:
        """Wait for a replay already in flight (a gap being filled), then mark one as running."""
        while self.replaying:
            self.replay_done.clear()
            await self.replay_done.wait()
        self.replaying = True

    async def _drain_backlog(self) -> None:
        self.replaying = False
        self.replay_done.set()
        while self.backlog and not self.replaying:
            backlog, self.backlog = self.backlog, []
            for index, message in enumerate(backlog):
                if self.replaying:  # a gap in the backlog started a replay: it drains the rest
                    self.backlog[:0] = backlog[index:]
                    break
                await self.deliver(message)

    async def _send_stored(self, after: int, until: int | None = None, *, charge: bool = False) -> int:
        """Send the stored events after ``after``; a replay the client asked for (``charge``) is
        paid for from its token bucket, so asking for the whole history again and again is
        refused as a flood instead of costing the server the history every time."""
        while True:
            events = await database_sync_to_async(replay)(self.meeting_id, after, until_seq=until)
            if charge:
                self.bucket.charge(len(events) / REPLAY_EVENTS_PER_TOKEN)
            for event in events:
                await self.send_json(event)
                after = event["seq"]
            if len(events) < REPLAY_LIMIT:
                return after


def forget_process_state() -> None:
    """Drop every relay and pending flush of this process.

    Both are keyed by ``id()`` of their event loop; a process that runs one loop after another
    (the test suite) may see a new loop at a dead one's address and must not inherit its state."""
    _relays.clear()
    _pending.clear()
