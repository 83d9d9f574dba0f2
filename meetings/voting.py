"""Counting ballots: one pure function per voting rule, returning the result and its figures.

Nothing here touches the database. Callers (``meetings/services/motions.py``) turn stored ballots
into ``Vote`` values — one per voter, already the voter's latest choice — and pass totals from
the household registry. Arithmetic is exact (``Fraction``) so a boundary such as "exactly 2/3"
never depends on rounding or on the order ballots are added; figures are rendered as strings.

The choices made where the law leaves room are documented in ``docs/voting.md``.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

FOR, AGAINST, ABSTAIN = "for", "against", "abstain"
CHOICES = (FOR, AGAINST, ABSTAIN)
PARTIES = ("committee", "property", "residents", "community")

SIMPLE_MAJORITY = "simple_majority"
FOUR_PARTY_CONSENSUS = "four_party_consensus"
CIVIL_CODE_278 = "civil_code_278"
ORDINARY, MAJOR = "ordinary", "major"


@dataclass(frozen=True)
class Vote:
    """One voter's ballot. ``area`` and ``heads`` matter only under art. 278."""

    voter: Hashable
    choice: str
    party: str = ""
    area: Fraction = Fraction(0)
    heads: Fraction = Fraction(1)


@dataclass(frozen=True)
class Result:
    rule: str
    passed: bool
    figures: dict = field(default_factory=dict)
    # Short machine codes for why a motion failed ("no_majority", "turnout_area", "party_absent:property"…).
    reasons: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "passed": self.passed,
            "figures": self.figures,
            "reasons": list(self.reasons),
        }


def _check(votes: Iterable[Vote]) -> list[Vote]:
    votes = list(votes)
    seen = set()
    for vote in votes:
        if vote.choice not in CHOICES:
            raise ValueError(f"unknown choice {vote.choice!r}")
        if vote.voter in seen:
            raise ValueError(f"two ballots for voter {vote.voter!r}")
        seen.add(vote.voter)
    return votes


def _counts(votes: list[Vote]) -> dict:
    counts = {FOR: 0, AGAINST: 0, ABSTAIN: 0}
    for vote in votes:
        counts[vote.choice] += 1
    return counts


def _num(value: Fraction, places: str = "0.01") -> str:
    """A Fraction as a decimal string for display (the comparison itself stays exact)."""
    return str(
        (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(places), ROUND_HALF_UP)
    )


def _pct(part: Fraction, whole: Fraction) -> str:
    return _num(Fraction(part) * 100 / whole, "0.1") if whole else "0.0"


def simple_majority(votes: Iterable[Vote], *, eligible: int | None = None) -> Result:
    """More *for* than *against* among the ballots cast; abstentions count for neither."""
    votes = _check(votes)
    counts = _counts(votes)
    passed = counts[FOR] > counts[AGAINST]
    figures = {**counts, "cast": len(votes)}
    if eligible is not None:
        figures["eligible"] = eligible
    return Result(SIMPLE_MAJORITY, passed, figures, () if passed else ("no_majority",))


def four_party_consensus(votes: Iterable[Vote], *, eligible_by_party: dict | None = None) -> Result:
    """Each of the four parties must vote, and more than half of each party's ballots be *for*.

    A party that cast no ballot is absent and the motion fails: consensus needs all four.
    """
    votes = _check(votes)
    by_party = {party: [] for party in PARTIES}
    for vote in votes:
        if vote.party not in by_party:
            raise ValueError(f"unknown party {vote.party!r}")
        by_party[vote.party].append(vote)
    figures, reasons = {"parties": {}}, []
    for party in PARTIES:
        counts = _counts(by_party[party])
        cast = len(by_party[party])
        ok = cast > 0 and 2 * counts[FOR] > cast
        entry = {**counts, "cast": cast, "passed": ok}
        if eligible_by_party is not None:
            entry["eligible"] = eligible_by_party.get(party, 0)
        figures["parties"][party] = entry
        if cast == 0:
            reasons.append(f"party_absent:{party}")
        elif not ok:
            reasons.append(f"no_majority:{party}")
    figures.update(_counts(votes))
    figures["cast"] = len(votes)
    return Result(FOUR_PARTY_CONSENSUS, not reasons, figures, tuple(reasons))


def turnout_reached(part: Fraction, total: Fraction) -> bool:
    """Art. 278's quorum, for area and for heads alike: at least two thirds take part."""
    return total > 0 and 3 * part >= 2 * total


def turnout_figures(part_area, part_heads, *, total_area, total_heads) -> dict:
    """Participation as the results and the running turnout show it (strings, exact inputs)."""
    part_area, part_heads = Fraction(part_area), Fraction(part_heads)
    total_area, total_heads = Fraction(total_area), Fraction(total_heads)
    return {
        "total_area": _num(total_area),
        "total_heads": _num(total_heads, "1") if total_heads.denominator == 1 else _num(total_heads),
        "participating_area": _num(part_area),
        "participating_heads": _num(part_heads, "1") if part_heads.denominator == 1 else _num(part_heads),
        "turnout_area_pct": _pct(part_area, total_area),
        "turnout_heads_pct": _pct(part_heads, total_heads),
    }


def owners_turnout(votes: Iterable[Vote], *, total_area, total_heads) -> dict:
    """How far a running vote is from the quorum, from the heads that took part (their choices
    are not looked at: a turnout shown before the close reveals none)."""
    votes = list(votes)
    part_area = sum((Fraction(v.area) for v in votes), Fraction(0))
    part_heads = sum((Fraction(v.heads) for v in votes), Fraction(0))
    return {
        **turnout_figures(part_area, part_heads, total_area=total_area, total_heads=total_heads),
        "turnout_threshold": "2/3",
        "area_reached": turnout_reached(part_area, Fraction(total_area)),
        "heads_reached": turnout_reached(part_heads, Fraction(total_heads)),
    }


def civil_code_278(
    votes: Iterable[Vote], *, total_area: Fraction, total_heads: Fraction, matter: str = ORDINARY
) -> Result:
    """Owners' joint decision (PRC Civil Code art. 278).

    Turnout: owners holding at least 2/3 of the exclusive area *and* at least 2/3 of the owners
    take part (every ballot, abstentions included, is participation). Ordinary matters pass with
    more than half of the participating area *and* of the participating owners voting *for*;
    major matters need at least 3/4 of both.
    """
    if matter not in (ORDINARY, MAJOR):
        raise ValueError(f"unknown matter {matter!r}")
    votes = _check(votes)
    total_area, total_heads = Fraction(total_area), Fraction(total_heads)
    area = {c: Fraction(0) for c in CHOICES}
    heads = {c: Fraction(0) for c in CHOICES}
    for vote in votes:
        area[vote.choice] += Fraction(vote.area)
        heads[vote.choice] += Fraction(vote.heads)
    part_area, part_heads = sum(area.values()), sum(heads.values())

    reasons = []
    if not turnout_reached(part_area, total_area):
        reasons.append("turnout_area")
    if not turnout_reached(part_heads, total_heads):
        reasons.append("turnout_heads")
    if matter == MAJOR:
        area_ok = part_area > 0 and 4 * area[FOR] >= 3 * part_area
        heads_ok = part_heads > 0 and 4 * heads[FOR] >= 3 * part_heads
        threshold = "3/4"
    else:
        area_ok = 2 * area[FOR] > part_area
        heads_ok = 2 * heads[FOR] > part_heads
        threshold = ">1/2"
    if not area_ok:
        reasons.append("approval_area")
    if not heads_ok:
        reasons.append("approval_heads")

    figures = {
        "matter": matter,
        "threshold": threshold,
        "turnout_threshold": "2/3",
        **turnout_figures(part_area, part_heads, total_area=total_area, total_heads=total_heads),
        "area": {c: _num(area[c]) for c in CHOICES},
        "heads": {c: _num(heads[c], "1") if heads[c].denominator == 1 else _num(heads[c]) for c in CHOICES},
        "for_area_pct": _pct(area[FOR], part_area),
        "for_heads_pct": _pct(heads[FOR], part_heads),
        "turnout_ok": "turnout_area" not in reasons and "turnout_heads" not in reasons,
        "cast": len(votes),
    }
    return Result(CIVIL_CODE_278, not reasons, figures, tuple(reasons))


@dataclass(frozen=True)
class OwnerRegistry:
    """Who counts as one owner under art. 278, from the household roster.

    ``voter_of`` maps each exclusive part (household) to its head; ``parts`` lists each head's
    households; ``weights`` gives each head its area (the sum of its parts' registered areas) and
    its one head. Households nobody on the roster owns are kept in ``unowned``: their area is in
    the total and together they are one head (the developer's unsold parts), but nobody votes them.
    """

    voter_of: dict
    parts: dict
    weights: dict
    total_area: Fraction
    total_heads: Fraction
    unowned: tuple = ()


def owner_weights(households: Iterable[tuple[Hashable, object, list]]) -> OwnerRegistry:
    """Heads and area as the Supreme People's Court interpretation on building ownership counts them.

    ``households`` are ``(household, registered area, [owner identity, ...])`` triples, where an
    owner's identity is a collection of hashable keys naming the person (their linked account,
    their name with their phone). Art. 8: area is the registered exclusive area. Art. 9: one
    exclusive part is one head however many co-owners share it, and parts that share a buyer
    (any identity key in common, transitively) are one head together; the developer's unsold parts
    (households without an owner on the roster) are one head together.
    """
    households = [
        (h, Fraction(str(area)), [tuple(keys) for keys in owners]) for h, area, owners in households
    ]
    parent = {h: h for h, _area, _owners in households}
    if len(parent) != len(households):
        raise ValueError("a household is listed twice")

    def find(h):
        while parent[h] != h:
            parent[h] = parent[parent[h]]
            h = parent[h]
        return h

    first_with_key = {}
    for h, _area, owners in households:
        for keys in owners:
            for key in keys:
                other = first_with_key.setdefault(key, h)
                root_a, root_b = find(h), find(other)
                if root_a != root_b:
                    parent[max(root_a, root_b, key=_order)] = min(root_a, root_b, key=_order)

    voter_of, parts, weights = {}, {}, {}
    total_area, unowned, unowned_area = Fraction(0), [], Fraction(0)
    for h, area, owners in households:
        total_area += area
        if not owners:
            unowned.append(h)
            unowned_area += area
            continue
        voter = find(h)
        voter_of[h] = voter
        parts.setdefault(voter, []).append(h)
        weights[voter] = (weights.get(voter, (Fraction(0),))[0] + area, Fraction(1))
    total_heads = Fraction(len(weights) + (1 if unowned else 0))
    return OwnerRegistry(
        voter_of=voter_of,
        parts={voter: tuple(hs) for voter, hs in parts.items()},
        weights=weights,
        total_area=total_area,
        total_heads=total_heads,
        unowned=tuple(unowned),
    )


def _order(value):
    """A total order on household keys of mixed types, so the head of a group is stable."""
    return (type(value).__name__, value)


def owner_identity(*, owner_id, user_id=None, name="", phone="") -> tuple:
    """The keys that name one roster owner as a person, for finding "the same buyer" (art. 9).

    Two roster rows are the same buyer when a worker linked them to the same account, or when the
    roster gives them the same name *and* the same phone number. A name alone is not enough (two
    neighbours may both be called 张伟); a row with neither stands for itself only.
    """
    keys = [("owner", owner_id)]
    if user_id:
        keys.append(("user", user_id))
    # Stored phones are E.164 (a PhoneNumber on the model): its digits are the number.
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if digits and (name or "").strip():
        keys.append(("contact", " ".join(name.split()), digits))
    return tuple(keys)


def owner_votes(registry: OwnerRegistry, ballots: Iterable[tuple[Hashable, str, object]]) -> list[Vote]:
    """One ``Vote`` per head from household ballots ``(household, choice, when)``.

    One person has one choice (art. 9 counts them once): a head's choice is its latest ballot on
    any of its parts, and it carries the area of all its parts. The services write the same choice
    on every part, so this only decides when the roster changed while the vote was open. Ballots
    on households no longer on the roster count for nothing.
    """
    latest = {}
    for household, choice, when in ballots:
        voter = registry.voter_of.get(household)
        if voter is None:
            continue
        if voter not in latest or when >= latest[voter][1]:
            latest[voter] = (choice, when)
    return [
        Vote(voter, choice, area=registry.weights[voter][0], heads=registry.weights[voter][1])
        for voter, (choice, _when) in latest.items()
    ]


RULES = {
    SIMPLE_MAJORITY: simple_majority,
    FOUR_PARTY_CONSENSUS: four_party_consensus,
    CIVIL_CODE_278: civil_code_278,
}
