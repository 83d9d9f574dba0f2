"""The voting rules, at their boundaries, and independent of ballot order."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetings import voting
from meetings.voting import ABSTAIN, AGAINST, FOR, Vote


def votes(*choices, party=""):
    return [Vote(voter=i, choice=c, party=party) for i, c in enumerate(choices)]


class TestSimpleMajority:
    def test_more_for_than_against_passes(self):
        result = voting.simple_majority(votes(FOR, FOR, AGAINST, ABSTAIN, ABSTAIN), eligible=6)
        assert result.passed
        assert result.figures == {FOR: 2, AGAINST: 1, ABSTAIN: 2, "cast": 5, "eligible": 6}

    def test_exactly_half_for_is_a_tie_and_fails(self):
        result = voting.simple_majority(votes(FOR, FOR, AGAINST, AGAINST))
        assert not result.passed
        assert result.reasons == ("no_majority",)

    def test_abstentions_count_for_neither_side(self):
        assert voting.simple_majority(votes(FOR, ABSTAIN, ABSTAIN, ABSTAIN)).passed
        assert not voting.simple_majority(votes(ABSTAIN, ABSTAIN)).passed

    def test_no_ballots_fails(self):
        assert not voting.simple_majority([]).passed

    def test_a_voter_counted_twice_is_refused(self):
        with pytest.raises(ValueError):
            voting.simple_majority([Vote(1, FOR), Vote(1, AGAINST)])

    def test_unknown_choice_is_refused(self):
        with pytest.raises(ValueError):
            voting.simple_majority([Vote(1, "maybe")])


def party_votes(**by_party):
    out, n = [], 0
    for party, choices in by_party.items():
        for c in choices:
            out.append(Vote(voter=n, choice=c, party=party))
            n += 1
    return out


class TestFourPartyConsensus:
    def test_majority_in_every_party_passes(self):
        result = voting.four_party_consensus(
            party_votes(
                committee=[FOR, FOR, AGAINST], property=[FOR], residents=[FOR, FOR, ABSTAIN], community=[FOR]
            )
        )
        assert result.passed
        assert result.figures["parties"]["committee"] == {
            FOR: 2,
            AGAINST: 1,
            ABSTAIN: 0,
            "cast": 3,
            "passed": True,
        }

    def test_exactly_half_in_one_party_fails(self):
        result = voting.four_party_consensus(
            party_votes(committee=[FOR, AGAINST], property=[FOR], residents=[FOR], community=[FOR])
        )
        assert not result.passed
        assert result.reasons == ("no_majority:committee",)

    def test_abstention_is_not_for(self):
        result = voting.four_party_consensus(
            party_votes(committee=[FOR], property=[FOR, ABSTAIN], residents=[FOR], community=[FOR])
        )
        assert result.reasons == ("no_majority:property",)

    def test_absent_party_fails(self):
        result = voting.four_party_consensus(party_votes(committee=[FOR], property=[FOR], residents=[FOR]))
        assert not result.passed
        assert result.reasons == ("party_absent:community",)

    def test_unknown_party_is_refused(self):
        with pytest.raises(ValueError):
            voting.four_party_consensus([Vote(1, FOR, party="street")])


def owners(*specs):
    """specs: (choice, area, heads) -> votes with exact weights."""
    return [Vote(voter=i, choice=c, area=Fraction(a), heads=Fraction(h)) for i, (c, a, h) in enumerate(specs)]


class TestCivilCode278:
    def test_exactly_two_thirds_turnout_by_area_and_heads_is_enough(self):
        # 3 owners of 100 m² each = 300 m²; 2 of them (200 m², 2 heads) take part: exactly 2/3.
        result = voting.civil_code_278(owners((FOR, 100, 1), (FOR, 100, 1)), total_area=300, total_heads=3)
        assert result.passed
        assert result.figures["turnout_ok"] is True
        assert result.figures["turnout_area_pct"] == "66.7"

    def test_just_under_two_thirds_area_fails_even_with_enough_heads(self):
        result = voting.civil_code_278(
            owners((FOR, "99.99", 1), (FOR, 100, 1)), total_area=Fraction(30000, 100), total_heads=3
        )
        assert not result.passed
        assert result.reasons == ("turnout_area",)

    def test_heads_turnout_is_checked_separately(self):
        # One owner with most of the area cannot decide alone.
        result = voting.civil_code_278(owners((FOR, 280, 1)), total_area=300, total_heads=3)
        assert result.reasons == ("turnout_heads",)

    def test_ordinary_matter_exactly_half_fails(self):
        result = voting.civil_code_278(
            owners((FOR, 100, 1), (AGAINST, 100, 1), (FOR, 100, 1), (ABSTAIN, 100, 1)),
            total_area=400,
            total_heads=4,
        )
        assert not result.passed
        assert set(result.reasons) == {"approval_area", "approval_heads"}
        assert result.figures["for_area_pct"] == "50.0"

    def test_ordinary_matter_needs_both_measures(self):
        # Heads 2 of 3 for, but area for is only 100 of 300.
        result = voting.civil_code_278(
            owners((FOR, 50, 1), (FOR, 50, 1), (AGAINST, 200, 1)), total_area=300, total_heads=3
        )
        assert result.reasons == ("approval_area",)
        assert result.figures["area"] == {FOR: "100.00", AGAINST: "200.00", ABSTAIN: "0.00"}
        assert result.figures["heads"] == {FOR: "2", AGAINST: "1", ABSTAIN: "0"}

    def test_major_matter_exactly_three_quarters_passes(self):
        ballots = owners((FOR, 100, 1), (FOR, 100, 1), (FOR, 100, 1), (AGAINST, 100, 1))
        result = voting.civil_code_278(ballots, total_area=400, total_heads=4, matter=voting.MAJOR)
        assert result.passed
        assert result.figures["threshold"] == "3/4"

    def test_major_matter_just_under_three_quarters_fails(self):
        ballots = owners((FOR, 100, 1), (FOR, 100, 1), (FOR, "99.99", 1), (AGAINST, "100.01", 1))
        result = voting.civil_code_278(ballots, total_area=400, total_heads=4, matter=voting.MAJOR)
        assert result.reasons == ("approval_area",)

    def test_abstentions_participate_but_do_not_approve(self):
        ballots = owners((FOR, 100, 1), (ABSTAIN, 100, 1), (ABSTAIN, 100, 1))
        result = voting.civil_code_278(ballots, total_area=300, total_heads=3)
        assert result.figures["turnout_ok"] is True
        assert set(result.reasons) == {"approval_area", "approval_heads"}

    def test_nobody_votes(self):
        result = voting.civil_code_278([], total_area=300, total_heads=3)
        assert not result.passed
        assert "turnout_area" in result.reasons

    def test_unknown_matter_is_refused(self):
        with pytest.raises(ValueError):
            voting.civil_code_278([], total_area=1, total_heads=1, matter="huge")


class TestOwnerWeights:
    def test_co_owners_split_area_and_count_one_head_each(self):
        weights, total_area, total_heads = voting.owner_weights(
            [("h1", "90.00", ["a", "b", "c"]), ("h2", "120.50", ["d"]), ("h3", "60", [])]
        )
        assert weights["a"] == (Fraction(30), Fraction(1))
        assert weights["d"] == (Fraction(241, 2), Fraction(1))
        assert total_area == Fraction("270.50")
        assert total_heads == 4

    def test_co_owners_voting_together_carry_the_whole_household(self):
        weights, total_area, total_heads = voting.owner_weights(
            [("h1", "100", ["a", "b", "c"]), ("h2", "50", ["d"])]
        )
        ballots = [Vote(o, FOR, area=weights[o][0], heads=weights[o][1]) for o in ("a", "b", "c")]
        result = voting.civil_code_278(ballots, total_area=total_area, total_heads=total_heads)
        assert result.figures["participating_area"] == "100.00"
        assert result.passed

    def test_co_owners_split_exactly_in_thirds(self):
        # 100 m² shared by three: thirds must add back to exactly 100 (no rounding drift).
        weights, total_area, total_heads = voting.owner_weights(
            [("h1", "100", ["a", "b", "c"]), ("h2", "100", ["d"])]
        )
        ballots = [Vote(o, FOR, area=weights[o][0], heads=weights[o][1]) for o in ("a", "b")]
        ballots.append(Vote("d", AGAINST, area=weights["d"][0], heads=1))
        result = voting.civil_code_278(ballots, total_area=total_area, total_heads=total_heads)
        # for area 66.67 of 166.67 participating: not more than half.
        assert result.reasons == ("approval_area",)
        assert result.figures["area"][FOR] == "66.67"


choice = st.sampled_from(voting.CHOICES)
party = st.sampled_from(voting.PARTIES)
area = st.fractions(min_value=Fraction(1, 100), max_value=500, max_denominator=300)


@st.composite
def ballot_lists(draw):
    n = draw(st.integers(min_value=0, max_value=40))
    return [
        Vote(voter=i, choice=draw(choice), party=draw(party), area=draw(area), heads=Fraction(1))
        for i in range(n)
    ]


@settings(max_examples=150, deadline=None)
@given(ballots=ballot_lists(), data=st.data())
def test_results_never_depend_on_ballot_order(ballots, data):
    shuffled = data.draw(st.permutations(ballots))
    total_area = sum((b.area for b in ballots), Fraction(0)) * Fraction(3, 2) + 1
    total_heads = len(ballots) * 3 // 2 + 1
    for matter in (voting.ORDINARY, voting.MAJOR):
        a = voting.civil_code_278(ballots, total_area=total_area, total_heads=total_heads, matter=matter)
        b = voting.civil_code_278(shuffled, total_area=total_area, total_heads=total_heads, matter=matter)
        assert a == b
    assert voting.simple_majority(ballots) == voting.simple_majority(shuffled)
    assert voting.four_party_consensus(ballots) == voting.four_party_consensus(shuffled)


@settings(max_examples=100, deadline=None)
@given(ballots=ballot_lists())
def test_turning_a_ballot_to_for_never_defeats_a_passing_motion(ballots):
    """Monotonicity: more support can only help, under every rule."""
    total_area = sum((b.area for b in ballots), Fraction(0)) + 1
    total_heads = len(ballots) + 1
    for i, ballot in enumerate(ballots):
        if ballot.choice == FOR:
            continue
        changed = (
            ballots[:i]
            + [Vote(ballot.voter, FOR, ballot.party, ballot.area, ballot.heads)]
            + ballots[i + 1 :]
        )
        if voting.simple_majority(ballots).passed:
            assert voting.simple_majority(changed).passed
        if voting.four_party_consensus(ballots).passed:
            assert voting.four_party_consensus(changed).passed
        for matter in (voting.ORDINARY, voting.MAJOR):
            if voting.civil_code_278(
                ballots, total_area=total_area, total_heads=total_heads, matter=matter
            ).passed:
                assert voting.civil_code_278(
                    changed, total_area=total_area, total_heads=total_heads, matter=matter
                ).passed
