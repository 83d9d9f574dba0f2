"""An owners' vote's roster and ballots for audit and for filing (street office, city platform):
CSV and .xlsx, for its organisers only (``meetings.export_owners_vote``).

One row per household of the roster: where it is, its registered area, its owners (names and
phones: this export is the one place phones appear), the head group it counts in (art. 9: parts
of one buyer are one head; the developer's unsold parts are one head together), and its ballot —
channel, signed by, proxy holder, entered by, cast at, version, evidence link. Choices are in
the export only once the vote is closed: before, it shows participation and nothing more, as the
turnout does. The .xlsx adds the vote (period, seal) and the audit trail, every version of every
ballot, with the raw values ``owners_votes.seal_of`` chains, so anyone can recompute the seal.
"""

import json
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from deliberation.exports import csv_response, xlsx_bytes, xlsx_response
from deliberation.models import Household
from deliberation.services.notifications import absolute_url

from ..models import OwnersBallot, OwnersBallotChange, OwnersVote
from .motions import owner_registry


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _person(user) -> str:
    if user is None:
        return ""
    return user.display_name or user.get_username()


def evidence_url(change) -> str:
    """The permission-checked link to one version's evidence (never the file's media URL)."""
    if not change.evidence:
        return ""
    return absolute_url(
        reverse("owners_vote_evidence", kwargs={"vote_id": change.ballot.vote_id, "change_id": change.pk})
    )


def choice_label(choice: str) -> str:
    return {"for": _("For"), "against": _("Against"), "abstain": _("Abstain")}.get(choice, choice or "")


def choices_shown(vote) -> bool:
    """Choices leave the database only once the vote is closed and sealed."""
    return vote.status == OwnersVote.Status.CLOSED


def household_rows(vote) -> list[list]:
    """The header and one row per household of the roster (see the module's docstring)."""
    questions = list(vote.questions.all())
    show = choices_shown(vote)
    households = list(
        Household.objects.for_community(vote.community).select_related("building").prefetch_related("owners")
    )
    by_pk = {h.pk: h for h in households}
    registry = owner_registry(vote.community)
    ballots = {
        b.household_id: b
        for b in OwnersBallot.objects.filter(vote=vote).select_related("entered_by", "owner")
    }
    latest = {
        c.ballot_id: c
        for c in OwnersBallotChange.objects.filter(ballot__vote=vote)
        .select_related("ballot")
        .order_by("version")
    }
    header = [
        _("Building"),
        _("Unit"),
        _("Room"),
        _("Area (m²)"),
        _("Owners"),
        _("Owners' phones"),
        _("Head group"),
        _("Head's area (m²)"),
        _("Channel"),
        _("Signed by"),
        _("Proxy holder"),
        _("Entered by"),
        _("Cast at (Beijing time)"),
        _("Version"),
    ]
    if show:
        header += [
            _("Question %(n)d: %(text)s") % {"n": n, "text": q.text} for n, q in enumerate(questions, 1)
        ]
    header.append(_("Evidence"))
    rows = [header]
    for household in households:
        owners = list(household.owners.all())
        voter = registry.voter_of.get(household.pk)
        if voter is None:
            head, head_area = _("Developer's unsold parts (one head together)"), ""
        else:
            head = str(by_pk[voter]) if voter in by_pk else str(voter)
            area = registry.weights[voter][0]
            head_area = str((Decimal(area.numerator) / Decimal(area.denominator)).quantize(Decimal("0.01")))
        ballot = ballots.get(household.pk)
        row = [
            household.building.name,
            household.unit,
            household.room,
            float(household.area),
            "、".join(o.name for o in owners),
            "、".join(str(o.phone) for o in owners if o.phone),
            head,
            head_area,
        ]
        if ballot is None:
            row += ["", "", "", "", "", ""]
            if show:
                row += [""] * len(questions)
            row.append("")
        else:
            change = latest.get(ballot.pk)
            row += [
                OwnersVote.Channel(ballot.channel).label,
                ballot.owner.name if ballot.owner else "",
                ballot.proxy_holder,
                _person(ballot.entered_by),
                _when(ballot.cast_at),
                ballot.version,
            ]
            if show:
                row += [choice_label(ballot.choices.get(str(q.pk), "")) for q in questions]
            row.append(
                evidence_url(change) if change is not None and change.version == ballot.version else ""
            )
        rows.append([str(v) if not isinstance(v, (int, float)) else v for v in row])
    return rows


def audit_rows(vote) -> list[list]:
    """Every version of every ballot, in the order entered (``OwnersBallotChange``). The columns
    marked "seal" are the values ``seal_of`` chains, exactly as stored."""
    show = choices_shown(vote)
    header = [
        _("Change (seal: pk)"),
        _("Household id (seal: ballot__household_id)"),
        _("Household"),
        _("Version (seal: version)"),
        _("Channel (seal: channel)"),
        _("Owner id (seal: owner_id)"),
        _("Signed by"),
        _("Proxy holder (seal: proxy_holder)"),
        _("Entered by"),
        _("At (Beijing time)"),
        _("At (seal: at, ISO 8601)"),
        _("Evidence file (seal: evidence)"),
        _("Evidence"),
    ]
    if show:
        header.append(_("Choices (seal: choices, JSON)"))
    rows = [header]
    changes = (
        OwnersBallotChange.objects.filter(ballot__vote=vote)
        .select_related("ballot__household__building", "owner", "entered_by")
        .order_by("pk")
    )
    for change in changes:
        row = [
            change.pk,
            change.ballot.household_id,
            str(change.ballot.household),
            change.version,
            change.channel,
            change.owner_id if change.owner_id is not None else "",
            change.owner.name if change.owner else "",
            change.proxy_holder,
            _person(change.entered_by),
            _when(change.at),
            change.at.isoformat(),
            change.evidence,
            evidence_url(change),
        ]
        if show:
            row.append(json.dumps(change.choices, sort_keys=True, ensure_ascii=False))
        rows.append(row)
    return rows


def vote_rows(vote) -> list[list]:
    """The vote itself: what, when, its state and seal, and whether choices are in the export."""
    rows = [
        [_("Field"), _("Value")],
        [_("Owners' vote"), vote.title],
        [_("Community"), vote.community.title],
        [_("Status"), str(vote.get_status_display())],
        [_("Voting opens (Beijing time)"), _when(vote.opens_at)],
        [_("Voting closes (Beijing time)"), _when(vote.closes_at)],
        [_("Ballots"), vote.ballots.count()],
        [_("Seal of the ballots (SHA-256 hash chain)"), vote.seal],
        [_("Exported at (Beijing time)"), _when(timezone.now())],
    ]
    if not choices_shown(vote):
        rows.append([_("Choices"), _("Not in the export until the vote is closed: participation only.")])
    for n, question in enumerate(vote.questions.all(), 1):
        tally = (vote.result or {}).get(str(question.pk))
        outcome = "" if tally is None else (_("Passed") if tally.get("passed") else _("Not passed"))
        rows.append(
            [
                _("Question %(n)d") % {"n": n},
                f"{question.text} · {question.get_matter_display()} {outcome}".strip(),
            ]
        )
    return rows


def filename(vote, suffix: str) -> str:
    return f"owners-vote-{vote.pk}{suffix}"


def owners_vote_export_csv(vote):
    return csv_response(household_rows(vote), filename(vote, ".csv"))


def owners_vote_audit_csv(vote):
    return csv_response(audit_rows(vote), filename(vote, "-audit.csv"))


def owners_vote_export_xlsx(vote):
    tables = [
        (pgettext("export sheet", "Households"), household_rows(vote)),
        (pgettext("export sheet", "Audit trail"), audit_rows(vote)),
        (pgettext("export sheet", "Vote"), vote_rows(vote)),
    ]
    return xlsx_response(xlsx_bytes(tables), filename(vote, ".xlsx"))
