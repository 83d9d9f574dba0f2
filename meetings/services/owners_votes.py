"""Owners' votes over a period (业主表决, by written consultation 书面征求意见).

The procedure (docs/owners-vote.md): a worker or the owners' committee drafts the vote — its
matter(s), period, channels, documents — and announces it at least ``notice_days`` before it opens
(every owner on the roster is told: inbox and e-mail for linked accounts, SMS to the roster's
phones). While it is open, ballots come in on the channels it allows; a household has one ballot
(co-owners share it, as the law counts heads), and a later one replaces it, each version kept in
the audit trail with its receipt's digest. A few days before the end, owners who have not voted
are reminded. At the end the result is computed per question by both measures
(``voting.civil_code_278`` over ``voting.owner_weights``, as for a live motion) and sealed by a
hash chain over every ballot's history.

Counting is the database's: the unique (vote, household) constraint and a row lock on the one
ballot being replaced (``of=("self",)``) make concurrent ballots count once each.
"""

import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import rules
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import NotFound, ServiceError
from deliberation.models import Household, Owner
from deliberation.services.delivery import Recipient, Sms, deliver
from deliberation.services.notifications import notify
from deliberation.services.photos import clean_photo

from .. import voting
from ..mail import sms_when
from ..models import OwnersBallot, OwnersBallotChange, OwnersVote, VoteDocument, VoteQuestion
from ..timefmt import format_datetime
from . import minutes
from .motions import owner_registry
from .owners_vote_results import clean_official_figures, owners_vote_publish

logger = logging.getLogger(__name__)
Channel = OwnersVote.Channel
#: Channels whose ballot is a signed paper: its photo or scan is the evidence.
EVIDENCE_REQUIRED = frozenset({Channel.PAPER, Channel.PROXY})
#: Reminders to owners who have not voted go out this long before the end.
REMIND_BEFORE = timedelta(days=3)
MAX_QUESTIONS = 10


def notice_days_default() -> int:
    return getattr(settings, "OWNERS_VOTE_NOTICE_DAYS", 15)


# --- Drafting and announcing -------------------------------------------------------------------


@transaction.atomic
def owners_vote_create(
    *,
    community,
    by,
    title: str,
    questions: list[tuple[str, str]],
    opens_at,
    closes_at,
    channels: list[str],
    description: str = "",
    notice_days: int | None = None,
    show_turnout_to_owners: bool = False,
    request=None,
) -> OwnersVote:
    """A draft vote: ``questions`` are ``(text, matter)`` pairs, ``matter`` ordinary or major."""
    if not rules.has_perm("meetings.organise_owners_vote", by, community):
        raise ServiceError(
            _("Only the community's workers and the owners' committee organise owners' votes.")
        )
    title = " ".join(title.split())
    if not title:
        raise ServiceError(_("Give the vote a title."), field="title")
    cleaned = [(" ".join(text.split()), matter) for text, matter in questions if text.strip()]
    if not cleaned:
        raise ServiceError(_("Put at least one question to the owners."), field="questions")
    if len(cleaned) > MAX_QUESTIONS:
        raise ServiceError(_("A vote has at most %(n)d questions.") % {"n": MAX_QUESTIONS}, field="questions")
    for _text, matter in cleaned:
        if matter not in VoteQuestion.Matter.values:
            raise ServiceError(
                _("Say for each question whether it is an ordinary or a major matter."), field="questions"
            )
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        raise ServiceError(_("The vote must close after it opens."), field="closes_at")
    channels = list(dict.fromkeys(channels))
    if not channels or any(channel not in Channel.values for channel in channels):
        raise ServiceError(_("Choose the ways owners may vote."), field="channels")
    notice_days = notice_days_default() if notice_days is None else notice_days
    if not 0 <= notice_days <= 90:
        raise ServiceError(_("The notice period is between 0 and 90 days."), field="notice_days")
    if request is not None and request.community_id != community.pk:
        raise NotFound(_("That request is not in this community."))
    vote = OwnersVote.objects.create(
        community=community,
        title=title[:200],
        description=description.strip(),
        request=request,
        opens_at=opens_at,
        closes_at=closes_at,
        notice_days=notice_days,
        channels=channels,
        show_turnout_to_owners=show_turnout_to_owners,
        created_by=by,
    )
    VoteQuestion.objects.bulk_create(
        VoteQuestion(vote=vote, position=i, text=text[:500], matter=matter)
        for i, (text, matter) in enumerate(cleaned)
    )
    return vote


def _locked(vote) -> OwnersVote:
    return OwnersVote.objects.select_for_update(of=("self",)).select_related("community").get(pk=vote.pk)


@transaction.atomic
def owners_vote_announce(*, vote, by, now=None) -> OwnersVote:
    """Publish the vote's notice (公告) and tell every owner on the roster. Announcing later than
    ``notice_days`` before the opening is refused: move the opening instead."""
    now = now or timezone.now()
    locked = _locked(vote)
    if not rules.has_perm("meetings.organise_owners_vote", by, locked.community):
        raise ServiceError(
            _("Only the community's workers and the owners' committee organise owners' votes.")
        )
    if locked.status != OwnersVote.Status.DRAFT:
        raise ServiceError(_("This vote has been announced already."))
    earliest = now + timedelta(days=locked.notice_days)
    if locked.opens_at < earliest:
        raise ServiceError(
            _("The vote must be announced %(days)d days before it opens: open it on %(date)s or later.")
            % {"days": locked.notice_days, "date": format_datetime(earliest)},
            field="opens_at",
        )
    locked.status = OwnersVote.Status.ANNOUNCED
    locked.announced_at = now
    locked.save(update_fields=["status", "announced_at"])
    # One queued task in this transaction tells every owner (the worker writes their notices), so
    # announcing to three thousand owners costs the click what announcing to ten does.
    from ..tasks import tell_owners_of_vote

    tell_owners_of_vote.enqueue(locked.pk)
    return locked


def owners_vote_tell_announced(*, vote_id: int) -> int:
    """In the worker (at once with the immediate backend): the announcement to every owner."""
    vote = OwnersVote.objects.select_related("community").filter(pk=vote_id).first()
    if vote is None or vote.status == OwnersVote.Status.DRAFT:
        return 0
    return _tell_owners(vote, kind="announced", households=None)


def _tell_owners(vote, *, kind: str, households) -> int:
    """The notice to every owner of ``households`` (all on the roster when None): linked accounts
    in their inbox (with e-mail and SMS as they chose), owners without an account by SMS to the
    roster's phone. Idempotent per owner and kind."""
    from deliberation.phones import is_mobile

    owners = Owner.objects.for_community(vote.community).select_related("user", "household")
    if households is not None:
        owners = owners.filter(household__in=households)
    url = vote_url(vote)
    sms_template = "owners_vote_notice" if kind == "announced" else "owners_vote_reminder"
    sms = Sms(
        sms_template,
        {
            "title": vote.title,
            "time": sms_when(vote.opens_at if kind == "announced" else vote.closes_at),
            "link": url,
        },
    )
    told = 0
    for owner in owners:
        key = f"owners-vote-{vote.pk}-{kind}:owner:{owner.pk}"
        if owner.user_id:
            notice = notify(
                user=owner.user,
                template=f"meetings/mail/owners_vote_{kind}",
                context={"vote": vote, "owner": owner},
                url=url,
                key=key,
                sms=sms,
                about=f"owners-vote:{vote.pk}",
                community=vote.community,
            )
            told += notice is not None
        elif is_mobile(owner.phone):
            deliver(
                key=key,
                recipient=Recipient(name=owner.name, phone=str(owner.phone), ref=f"owner:{owner.pk}"),
                label=vote.title[:200],
                sms_message=sms,
                channels=("sms",),
                about=f"owners-vote:{vote.pk}",
                community=vote.community,
            )
            told += 1
    return told


def owners_vote_audience(vote) -> dict:
    """Who the announcement will reach (the confirm step says it): owners with a linked account
    (their inbox, and e-mail or SMS as they chose) and owners told by SMS to the roster's phone."""
    from deliberation.phones import is_mobile

    owners = Owner.objects.for_community(vote.community)
    inbox = owners.filter(user__isnull=False).count()
    sms = sum(
        1 for phone in owners.filter(user__isnull=True).values_list("phone", flat=True) if is_mobile(phone)
    )
    return {"inbox": inbox, "sms": sms, "owners": owners.count()}


#: What owners read before voting: a PDF, or a photo or scan of the paper.
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


@transaction.atomic
def owners_vote_document_add(*, vote, by, title: str, file) -> VoteDocument:
    """Attach the plan, the budget… to a draft (what owners read must not change once announced)."""
    vote = _locked(vote)
    if not rules.has_perm("meetings.organise_owners_vote", by, vote.community):
        raise ServiceError(
            _("Only the community's workers and the owners' committee organise owners' votes.")
        )
    if vote.status != OwnersVote.Status.DRAFT:
        raise ServiceError(_("Documents are added before the vote is announced."))
    title = " ".join((title or "").split())
    if not title:
        raise ServiceError(_("Give the document a title."), field="title")
    if file is None:
        raise ServiceError(_("Choose the file."), field="file")
    extension, file = checked_document(file, field="file")
    document = VoteDocument(vote=vote, title=title[:200])
    document.file.save(f"{vote.pk}-{secrets.token_hex(6)}.{extension}", file, save=False)
    document.save()
    return document


#: The official platform's result document (a PDF export or a photo of the printed result).
OFFICIAL_MAX_BYTES = DOCUMENT_MAX_BYTES


def checked_document(file, *, field: str, max_bytes: int = DOCUMENT_MAX_BYTES):
    """``(extension, file)`` for a PDF, or an image re-encoded by ``clean_photo`` (its metadata
    gone); anything else, or a file over ``max_bytes``, is refused with a message on ``field``."""
    if file.size > max_bytes:
        raise ServiceError(_("The file is larger than %(mb)d MB.") % {"mb": max_bytes // 2**20}, field=field)
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf", file
    if head.startswith(DOCUMENT_IMAGE_MAGIC):
        try:
            cleaned = clean_photo(file)
        except ServiceError as error:
            raise ServiceError(error.message, field=field) from error
        return cleaned.name.rsplit(".", 1)[1], cleaned
    raise ServiceError(_("The file must be a PDF or an image (JPEG, PNG or WebP)."), field=field)


def vote_url(vote) -> str:
    from django.urls import reverse

    return reverse("owners_vote_detail", kwargs={"vote_id": vote.pk})


# --- Ballots ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastBallot:
    ballot: OwnersBallot
    #: Given to the owner once (on the screen, or on the collector's slip); only its digest is kept.
    receipt: str
    replaced: bool


def receipt_digest(vote_id: int, code: str) -> str:
    return hashlib.sha256(f"owners-vote:{vote_id}:{normalise_receipt(code)}".encode()).hexdigest()


def normalise_receipt(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())[:40]


def new_receipt() -> str:
    """Ten characters a person can read out and type (no 0/O, 1/I): about 50 bits."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{code[:5]}-{code[5:]}"


def _clean_choices(vote, choices: dict) -> dict[str, str]:
    questions = [str(pk) for pk in vote.questions.values_list("pk", flat=True)]
    given = {str(key): value for key, value in (choices or {}).items()}
    if set(given) - set(questions):
        raise ServiceError(_("That question is not part of this vote."), field="choices")
    missing = [q for q in questions if given.get(q) not in voting.CHOICES]
    if missing:
        raise ServiceError(_("Choose for, against or abstain on every question."), field="choices")
    return {q: given[q] for q in questions}


def _require_can_enter(vote, *, by, household, channel, owner) -> Owner | None:
    """Online, the owner votes for their own household; every other channel is entered by a
    collector, who names the owner who signed (or gave the proxy)."""
    if channel == Channel.ONLINE:
        mine = Owner.objects.filter(household=household, user=by).first() if by.is_authenticated else None
        if mine is None:
            raise ServiceError(
                _("Only an owner of this household, linked to this account, votes for it online.")
            )
        return mine
    if not rules.has_perm("meetings.collect_owners_ballots", by, vote.community):
        raise ServiceError(_("Only the vote's organisers and the residents' representatives enter ballots."))
    if owner is not None and owner.household_id != household.pk:
        raise ServiceError(_("That owner is not an owner of this household."), field="owner")
    if owner is None and household.owners.exists():
        raise ServiceError(_("Name the owner who signed the ballot."), field="owner")
    return owner


@transaction.atomic
def owners_ballot_cast(
    *,
    vote,
    household,
    choices: dict,
    channel: str,
    by,
    owner: Owner | None = None,
    proxy_holder: str = "",
    evidence=None,
    now=None,
) -> CastBallot:
    """Record a household's ballot, or replace its earlier one while the vote is open."""
    now = now or timezone.now()
    vote = OwnersVote.objects.select_related("community").get(pk=vote.pk)
    if not vote.is_open(now):
        if vote.status == OwnersVote.Status.ANNOUNCED and now < vote.opens_at:
            raise ServiceError(_("The vote opens on %(date)s.") % {"date": format_datetime(vote.opens_at)})
        raise ServiceError(_("The vote is not open: no ballot can be cast or changed."))
    if channel not in vote.channels:
        raise ServiceError(_("This vote does not take ballots that way."), field="channel")
    household = (
        Household.objects.select_related("building").filter(pk=getattr(household, "pk", household)).first()
    )
    if household is None or household.building.community_id != vote.community_id:
        raise NotFound(_("That household is not on this community's roster."))
    cleaned = _clean_choices(vote, choices)
    owner = _require_can_enter(vote, by=by, household=household, channel=channel, owner=owner)
    proxy_holder = " ".join(proxy_holder.split())[:60]
    if channel == Channel.PROXY and not proxy_holder:
        raise ServiceError(_("Name the proxy holder."), field="proxy_holder")
    if channel in EVIDENCE_REQUIRED and evidence is None:
        raise ServiceError(_("Attach a photo of the signed ballot or proxy form."), field="evidence")
    stored_evidence = None
    if evidence is not None:
        try:
            stored_evidence = clean_photo(evidence)
        except ServiceError as error:
            raise ServiceError(error.message, field="evidence") from error

    ballot = (
        OwnersBallot.objects.select_for_update(of=("self",)).filter(vote=vote, household=household).first()
    )
    replaced = ballot is not None
    if ballot is None:
        try:
            with transaction.atomic():
                ballot = OwnersBallot.objects.create(
                    vote=vote, household=household, choices=cleaned, channel=channel, cast_at=now, version=1
                )
        except IntegrityError:
            # Another ballot for the household arrived first: this one replaces it.
            ballot = OwnersBallot.objects.select_for_update(of=("self",)).get(vote=vote, household=household)
            replaced = True
    if replaced:
        ballot.version += 1
    ballot.choices = cleaned
    ballot.channel = channel
    ballot.owner = owner
    ballot.proxy_holder = proxy_holder
    ballot.entered_by = by
    ballot.cast_at = now
    if stored_evidence is not None:
        # A random part in the name: the file is served only through the organisers' evidence view,
        # and a name nobody can guess keeps it private even where /media/ is served directly.
        ballot.evidence.save(
            f"{vote.pk}-{household.pk}-{ballot.version}-{secrets.token_hex(8)}.jpg",
            stored_evidence,
            save=False,
        )
    else:
        ballot.evidence = ""
    ballot.save()
    receipt = new_receipt()
    OwnersBallotChange.objects.create(
        ballot=ballot,
        version=ballot.version,
        choices=cleaned,
        channel=channel,
        owner=owner,
        proxy_holder=proxy_holder,
        evidence=ballot.evidence.name or "",
        entered_by=by,
        at=now,
        receipt_digest=receipt_digest(vote.pk, receipt),
    )
    return CastBallot(ballot=ballot, receipt=receipt, replaced=replaced)


@transaction.atomic
def owners_proxy_bulk(*, vote, by, proxy_holder: str, entries: list[tuple], now=None) -> list[CastBallot]:
    """One proxy holder's stack: ``entries`` are ``(household, owner, choices, evidence)``, each
    owner's signed proxy form as its evidence. All are entered, or none (the first refusal says
    which household)."""
    if not entries:
        raise ServiceError(_("List the owners the proxy holder represents."), field="entries")
    households = [getattr(entry[0], "pk", entry[0]) for entry in entries]
    if len(set(households)) != len(households):
        raise ServiceError(_("A household is listed twice."), field="entries")
    cast = []
    for household, owner, choices, evidence in entries:
        try:
            cast.append(
                owners_ballot_cast(
                    vote=vote,
                    household=household,
                    choices=choices,
                    channel=Channel.PROXY,
                    by=by,
                    owner=owner,
                    proxy_holder=proxy_holder,
                    evidence=evidence,
                    now=now,
                )
            )
        except ServiceError as error:
            label = (
                household
                if isinstance(household, Household)
                else Household.objects.filter(pk=household).first()
            )
            raise ServiceError(f"{label}: {error.message}", field=error.field) from error
    return cast


# --- Reading ---------------------------------------------------------------------------------


def _votes_for(vote, question_id: str, registry):
    ballots = vote.ballots.values_list("household_id", "choices", "cast_at", "pk")
    return voting.owner_votes(
        registry, ((h, choices.get(question_id, voting.ABSTAIN), (at, pk)) for h, choices, at, pk in ballots)
    )


def owners_vote_turnout(vote) -> dict:
    """Participation so far by area and by heads against the 2/3 thresholds, and ballots per
    channel — never a choice: the count stays sealed until the close."""
    registry = owner_registry(vote.community)
    ballots = list(vote.ballots.values_list("household_id", "channel", "cast_at", "pk"))
    votes = voting.owner_votes(registry, ((h, voting.ABSTAIN, (at, pk)) for h, _c, at, pk in ballots))
    by_channel = dict.fromkeys(Channel.values, 0)
    for _h, channel, _at, _pk in ballots:
        by_channel[channel] += 1
    return {
        **voting.owners_turnout(votes, total_area=registry.total_area, total_heads=registry.total_heads),
        "ballots": len(ballots),
        "by_channel": by_channel,
    }


def owners_receipt_check(*, vote, code: str) -> dict:
    """What a receipt proves to the owner holding it: the ballot as cast (channel, time, choice
    per question), and whether it is the one counted or was replaced by a later ballot."""
    change = (
        OwnersBallotChange.objects.select_related("ballot")
        .filter(ballot__vote=vote, receipt_digest=receipt_digest(vote.pk, code))
        .first()
    )
    if change is None or not normalise_receipt(code):
        raise NotFound(_("No ballot of this vote has that receipt code. Check the code and try again."))
    questions = list(vote.questions.all())
    latest = change.version == change.ballot.version
    return {
        "channel": Channel(change.channel).label,
        "at": change.at,
        "choices": [(q.text, change.choices.get(str(q.pk), "")) for q in questions],
        "counted": latest,
        "replaced_at": None if latest else change.ballot.cast_at,
        "sealed": vote.status == OwnersVote.Status.CLOSED,
    }


#: Wrong receipt codes allowed per client address and per vote in ``RECEIPT_WINDOW`` seconds: a
#: person mistyping a few times gets through, guessing ten-character codes does not.
RECEIPT_WRONG_PER_CLIENT = 10
RECEIPT_WRONG_PER_VOTE = 200
RECEIPT_WINDOW = 60 * 60


def owners_receipt_lookup(*, vote, code: str, client: str) -> dict:
    """``owners_receipt_check`` behind a limit on wrong codes per client (its IP address) and per
    vote, so receipt codes cannot be found by trying many."""
    client_digest = hashlib.sha256(str(client).encode()).hexdigest()[:32]
    keys = [
        (f"owners-receipt-wrong:{client_digest}", RECEIPT_WRONG_PER_CLIENT),
        (f"owners-receipt-wrong-vote:{vote.pk}", RECEIPT_WRONG_PER_VOTE),
    ]
    if not minutes.attempts_left(keys):
        raise ServiceError(
            _("Too many wrong codes. Try again in %(minutes)d minutes.") % {"minutes": RECEIPT_WINDOW // 60},
            field="code",
        )
    if not normalise_receipt(code):
        raise ServiceError(_("Type the receipt code."), field="code")
    try:
        return owners_receipt_check(vote=vote, code=code)
    except NotFound as error:
        minutes.attempt_failed(keys, window=RECEIPT_WINDOW)
        raise ServiceError(error.message, field="code") from error


LABEL_WORDS = frozenset({"号", "号楼", "楼", "栋", "幢", "单元", "室", "户"})


def households_matching(community, text: str, *, limit: int = 20) -> list[Household]:
    """The community's households whose building, unit and room match the words typed: "5 1 101",
    "5号楼1单元101" and "5-1-101" all find building 5, unit 1, room 101; "101" finds every 101."""
    words = re.findall(r"\d+|[^\W\d_]+", text or "")
    numbers = [w for w in words if w.isdigit()]
    households = Household.objects.for_community(community).select_related("building")
    if not words:
        return []
    if numbers:
        households = households.filter(room__contains=numbers[-1])
    found = []
    for household in households.order_by("building__name", "unit", "room"):
        label = f"{household.building.name} {household.unit} {household.room}"
        own = re.findall(r"\d+", label)
        # The typed numbers appear, in order, as whole numbers of the label (the room last)…
        position = 0
        for number in numbers:
            while position < len(own) and own[position].lstrip("0") != number.lstrip("0"):
                position += 1
            if position == len(own):
                break
            position += 1
        else:
            # …and any typed word that is not a number or a label word (号楼, 单元, 室) is in it.
            others = [w for w in words if not w.isdigit() and w not in LABEL_WORDS]
            room = re.findall(r"\d+", household.room)
            room_matches = not numbers or (room and room[-1].lstrip("0") == numbers[-1].lstrip("0"))
            if room_matches and all(w in label for w in others):
                found.append(household)
        if len(found) >= limit:
            break
    return found


# --- Reminders and the close -----------------------------------------------------------------


def owners_votes_remind_due(*, now=None) -> int:
    """Once per vote, ``REMIND_BEFORE`` its end: owners whose household has not voted are told."""
    now = now or timezone.now()
    due = OwnersVote.objects.filter(
        status=OwnersVote.Status.ANNOUNCED,
        reminded_at__isnull=True,
        opens_at__lte=now,
        closes_at__gt=now,
        closes_at__lte=now + REMIND_BEFORE,
    )
    count = 0
    for vote_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            vote = due.select_for_update(of=("self",)).select_related("community").filter(pk=vote_id).first()
            if vote is None:
                continue
            voted = vote.ballots.values("household_id")
            waiting = Household.objects.for_community(vote.community).exclude(pk__in=voted)
            _tell_owners(vote, kind="reminder", households=waiting)
            OwnersVote.objects.filter(pk=vote.pk).update(reminded_at=now)
            count += 1
    return count


def seal_of(vote) -> str:
    """The hash chain over every version of every ballot, in the order they were entered."""
    digest = hashlib.sha256(f"owners-vote:{vote.pk}".encode()).hexdigest()
    changes = OwnersBallotChange.objects.filter(ballot__vote=vote).order_by("pk")
    for change in changes.values(
        "pk",
        "ballot__household_id",
        "version",
        "choices",
        "channel",
        "owner_id",
        "proxy_holder",
        "evidence",
        "at",
    ):
        change["at"] = change["at"].isoformat()
        line = json.dumps(change, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(f"{digest}\n{line}".encode()).hexdigest()
    return digest


def owners_vote_result(vote) -> dict:
    """Per question, ``civil_code_278`` by both measures over the household ballots."""
    registry = owner_registry(vote.community)
    return {
        str(q.pk): voting.civil_code_278(
            _votes_for(vote, str(q.pk), registry),
            total_area=registry.total_area,
            total_heads=registry.total_heads,
            matter=q.matter,
        ).as_dict()
        for q in vote.questions.all()
    }


@transaction.atomic
def owners_vote_close(*, vote, by=None, now=None) -> OwnersVote:
    """At the end of the period: the result by both measures, sealed. Idempotent."""
    now = now or timezone.now()
    locked = _locked(vote)
    if locked.status == OwnersVote.Status.CLOSED:
        owners_vote_publish(vote=locked, now=locked.closed_at or now)
        return locked
    if locked.status != OwnersVote.Status.ANNOUNCED:
        raise ServiceError(_("A draft vote cannot be closed."))
    if now < locked.closes_at:
        raise ServiceError(_("The vote runs until %(date)s.") % {"date": format_datetime(locked.closes_at)})
    locked.result = owners_vote_result(locked)
    locked.seal = seal_of(locked)
    locked.status = OwnersVote.Status.CLOSED
    locked.closed_at = now
    locked.save(update_fields=["result", "seal", "status", "closed_at"])
    owners_vote_publish(vote=locked, now=now)
    return locked


@transaction.atomic
def owners_vote_record_official(
    *, vote, by, figures: dict, binding: bool, document=None, now=None
) -> OwnersVote:
    """The result imported from the city's or province's owner e-voting platform: per question its
    figures (``owners_vote_results.OFFICIAL_FIGURES`` and ``passed``), its document (PDF or image;
    required the first time, replaced when given again) and whether it is the binding result.
    Recorded after our close, so the two are shown side by side; recording again corrects it."""
    now = now or timezone.now()
    locked = _locked(vote)
    if not rules.has_perm("meetings.organise_owners_vote", by, locked.community):
        raise ServiceError(
            _("Only the community's workers and the owners' committee organise owners' votes.")
        )
    if locked.status != OwnersVote.Status.CLOSED:
        raise ServiceError(_("Record the official platform's result once this vote is closed and counted."))
    try:
        cleaned = clean_official_figures(locked, figures or {})
    except ValueError as error:
        raise ServiceError(str(error), field="figures") from error
    if document is None and not locked.official_document:
        raise ServiceError(_("Attach the platform's result document (PDF or image)."), field="document")
    if document is not None:
        extension, document = checked_document(document, field="document", max_bytes=OFFICIAL_MAX_BYTES)
        locked.official_document.save(f"{locked.pk}-{secrets.token_hex(8)}.{extension}", document, save=False)
    locked.official_result = {
        "questions": cleaned,
        "recorded_by": getattr(by, "pk", None),
        "recorded_at": now.isoformat(),
    }
    locked.official_binding = bool(binding)
    locked.save(update_fields=["official_result", "official_document", "official_binding"])
    return locked


def owners_votes_close_due(*, now=None) -> int:
    """For the deadlines task: every vote whose period has ended is closed and sealed."""
    now = now or timezone.now()
    count = 0
    for vote in OwnersVote.objects.filter(status=OwnersVote.Status.ANNOUNCED, closes_at__lte=now):
        try:
            owners_vote_close(vote=vote, now=now)
        except Exception:
            logger.exception("Closing owners' vote %s failed; it stays due for the next run.", vote.pk)
            continue
        count += 1
    return count
