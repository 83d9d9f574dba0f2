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
    if not (total_area > 0 and 3 * part_area >= 2 * total_area):
        reasons.append("turnout_area")
    if not (total_heads > 0 and 3 * part_heads >= 2 * total_heads):
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
        "total_area": _num(total_area),
        "total_heads": _num(total_heads, "1") if total_heads.denominator == 1 else _num(total_heads),
        "participating_area": _num(part_area),
        "participating_heads": _num(part_heads, "1") if part_heads.denominator == 1 else _num(part_heads),
        "turnout_area_pct": _pct(part_area, total_area),
        "turnout_heads_pct": _pct(part_heads, total_heads),
        "area": {c: _num(area[c]) for c in CHOICES},
        "heads": {c: _num(heads[c], "1") if heads[c].denominator == 1 else _num(heads[c]) for c in CHOICES},
        "for_area_pct": _pct(area[FOR], part_area),
        "for_heads_pct": _pct(heads[FOR], part_heads),
        "turnout_ok": "turnout_area" not in reasons and "turnout_heads" not in reasons,
        "cast": len(votes),
    }
    return Result(CIVIL_CODE_278, not reasons, figures, tuple(reasons))


def owner_weights(households: Iterable[tuple[Hashable, object, list]]) -> tuple[dict, Fraction, Fraction]:
    """Weights for art. 278 from the registry: ``(household, area, [owner, ...])`` triples.

    Co-owners split their household's area equally; each owner on the roster counts as one head.
    Returns ``({owner: (area, heads)}, total_area, total_heads)``. The total area includes
    households with no owner on the roster: their area exists even if nobody can vote it.
    """
    weights, total_area, total_heads = {}, Fraction(0), Fraction(0)
    for _household, household_area, owners in households:
        household_area = Fraction(str(household_area))
        total_area += household_area
        for owner in owners:
            weights[owner] = (household_area / len(owners), Fraction(1))
            total_heads += 1
    return weights, total_area, total_heads


RULES = {
    SIMPLE_MAJORITY: simple_majority,
    FOUR_PARTY_CONSENSUS: four_party_consensus,
    CIVIL_CODE_278: civil_code_278,
}
