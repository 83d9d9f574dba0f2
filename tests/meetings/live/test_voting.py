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


def person(*keys):
    """One roster owner's identity keys (see ``voting.owner_identity``)."""
    return tuple(keys)


def tally(registry, ballots, matter=voting.ORDINARY):
    """Household ballots ``{household: choice}`` through the registry, as the service counts them."""
    votes = voting.owner_votes(registry, ((h, c, n) for n, (h, c) in enumerate(ballots.items())))
    return voting.civil_code_278(
        votes, total_area=registry.total_area, total_heads=registry.total_heads, matter=matter
    )


def singles(n, area="100"):
    """``n`` households of ``area`` m², each with one owner of its own."""
    return [(f"s{i}", area, [person(("p", i))]) for i in range(n)]


class TestOwnerWeights:
    """Art. 8 (area by the register) and art. 9 (heads by exclusive part) of the interpretation."""

    def test_a_co_owned_household_is_one_head_with_its_whole_area(self):
        registry = voting.owner_weights(
            [
                ("h1", "90.00", [person(("p", "a")), person(("p", "b")), person(("p", "c"))]),
                *singles(2, "120.50"),
            ]
        )
        assert registry.total_heads == 3
        assert registry.weights[registry.voter_of["h1"]] == (Fraction(90), Fraction(1))
        assert registry.total_area == Fraction("331")
        result = tally(registry, {"h1": FOR})
        assert result.figures["heads"][FOR] == "1" and result.figures["area"][FOR] == "90.00"

    def test_one_owner_of_three_units_is_one_head_with_the_three_areas(self):
        buyer = person(("user", 7))
        registry = voting.owner_weights(
            [("a", "80", [buyer]), ("b", "60.5", [buyer]), ("c", "40", [buyer]), *singles(3)]
        )
        assert registry.total_heads == 4  # the buyer once, three single owners
        voter = registry.voter_of["a"]
        assert registry.voter_of["b"] == registry.voter_of["c"] == voter
        assert registry.parts[voter] == ("a", "b", "c")
        assert registry.weights[voter] == (Fraction("180.5"), Fraction(1))
        # The buyer votes once (on any part) and carries all three parts' area.
        result = tally(registry, {"b": FOR})
        assert result.figures["participating_heads"] == "1"
        assert result.figures["area"][FOR] == "180.50"

    def test_one_buyer_has_one_choice_the_latest_ballot_on_any_part(self):
        buyer = person(("user", 7))
        registry = voting.owner_weights([("a", "80", [buyer]), ("b", "60", [buyer]), *singles(1)])
        result = tally(registry, {"a": FOR, "b": AGAINST})
        assert result.figures["heads"] == {FOR: "0", AGAINST: "1", ABSTAIN: "0"}
        assert result.figures["area"][AGAINST] == "140.00"

    def test_the_same_buyer_is_found_through_any_shared_key_transitively(self):
        # Linked account on a and b, name+phone on b and c: one buyer of three parts.
        registry = voting.owner_weights(
            [
                ("a", "50", [person(("user", 1))]),
                ("b", "50", [person(("user", 1), ("contact", "张伟", "13800000000"))]),
                ("c", "50", [person(("contact", "张伟", "13800000000"))]),
                ("d", "50", [person(("contact", "张伟", "13900000000"))]),
            ]
        )
        assert registry.total_heads == 2
        assert registry.voter_of["a"] == registry.voter_of["c"] != registry.voter_of["d"]

    def test_a_co_owner_who_also_owns_another_unit_joins_the_two_parts(self):
        registry = voting.owner_weights(
            [("h1", "90", [person(("p", "a")), person(("p", "b"))]), ("h2", "60", [person(("p", "a"))])]
        )
        assert registry.total_heads == 1
        assert registry.weights[registry.voter_of["h2"]] == (Fraction(150), Fraction(1))

    def test_unowned_parts_count_in_area_and_together_as_one_head(self):
        registry = voting.owner_weights([*singles(2), ("u1", "70", []), ("u2", "30", [])])
        assert registry.total_area == Fraction(300)
        assert registry.total_heads == 3
        assert registry.unowned == ("u1", "u2")
        assert "u1" not in registry.voter_of

    def test_ballots_on_households_off_the_roster_count_for_nothing(self):
        registry = voting.owner_weights(singles(3))
        assert tally(registry, {"gone": FOR}).figures["cast"] == 0

    def test_exactly_two_thirds_turnout_by_heads_passes_participation(self):
        # A co-owned household, a buyer of two units and four single owners: 6 heads on 7 parts of
        # 100 m². The co-owners, the buyer and two singles take part: exactly 4 of 6 heads.
        registry = voting.owner_weights(
            [
                ("co", "100", [person(("p", "x")), person(("p", "y"))]),
                ("b1", "100", [person(("p", "buyer"))]),
                ("b2", "100", [person(("p", "buyer"))]),
                *singles(4),
            ]
        )
        assert registry.total_heads == 6 and registry.total_area == 700
        result = tally(registry, {"co": FOR, "b1": FOR, "s0": FOR, "s1": FOR})
        assert result.figures["participating_heads"] == "4"
        assert result.figures["participating_area"] == "500.00"  # 500 of 700 m² > 2/3
        assert result.figures["turnout_ok"] is True and result.passed

    def test_just_below_two_thirds_turnout_by_heads_fails(self):
        registry = voting.owner_weights(
            [
                ("co", "100", [person(("p", "x")), person(("p", "y"))]),
                ("b1", "100", [person(("p", "buyer"))]),
                ("b2", "100", [person(("p", "buyer"))]),
                ("b3", "100", [person(("p", "buyer"))]),
                *singles(6),
            ]
        )
        # 8 heads; 5 take part (62.5% < 2/3) with 700 of 1000 m² (enough area).
        assert registry.total_heads == 8
        result = tally(registry, {"co": FOR, "b1": FOR, "s0": FOR, "s1": FOR, "s2": FOR})
        assert result.figures["participating_area"] == "700.00"
        assert result.reasons == ("turnout_heads",)

    def test_exactly_two_thirds_turnout_by_area_passes_and_a_hundredth_less_fails(self):
        registry = voting.owner_weights(
            [
                ("a", "100", [person(("p", 1))]),
                ("b", "100", [person(("p", 2))]),
                ("c", "100", [person(("p", 3))]),
            ]
        )
        assert tally(registry, {"a": FOR, "b": FOR}).figures["turnout_ok"] is True
        registry = voting.owner_weights(
            [
                ("a", "99.99", [person(("p", 1))]),
                ("b", "100", [person(("p", 2))]),
                ("c", "100.01", [person(("p", 3))]),
            ]
        )
        assert tally(registry, {"a": FOR, "b": FOR}).reasons == ("turnout_area",)

    def test_exactly_three_quarters_on_a_major_matter_passes(self):
        # Four heads, one of them a buyer of two units: 3 heads for, 1 against; area 300 of 400 for.
        registry = voting.owner_weights(
            [("b1", "50", [person(("p", "buyer"))]), ("b2", "50", [person(("p", "buyer"))]), *singles(3)]
        )
        assert registry.total_heads == 4
        result = tally(registry, {"b1": FOR, "s0": FOR, "s1": FOR, "s2": AGAINST}, matter=voting.MAJOR)
        assert result.figures["for_heads_pct"] == "75.0" and result.figures["for_area_pct"] == "75.0"
        assert result.passed

    def test_just_below_three_quarters_on_a_major_matter_fails(self):
        registry = voting.owner_weights(
            [
                ("b1", "50", [person(("p", "buyer"))]),
                ("b2", "49.99", [person(("p", "buyer"))]),
                *singles(2),
                ("h9", "100.01", [person(("p", 9))]),
            ]
        )
        result = tally(registry, {"b1": FOR, "s0": FOR, "s1": FOR, "h9": AGAINST}, matter=voting.MAJOR)
        assert result.figures["for_heads_pct"] == "75.0"
        assert result.reasons == ("approval_area",)
        # And by heads: 2 of 3 heads for is below 3/4 even with all area for.
        result = tally(registry, {"b1": FOR, "s0": FOR, "s1": AGAINST}, matter=voting.MAJOR)
        assert "approval_heads" in result.reasons


class TestOwnerIdentity:
    def test_name_and_phone_together_identify_a_person(self):
        one = voting.owner_identity(owner_id=1, name="张 伟", phone="+86 138-0000-0000")
        two = voting.owner_identity(owner_id=2, name="张 伟", phone="13800000000")
        assert set(one) & set(two) == {("contact", "张 伟", "13800000000")}

    def test_a_name_alone_or_a_phone_alone_is_no_identity(self):
        assert voting.owner_identity(owner_id=1, name="张伟") == (("owner", 1),)
        assert voting.owner_identity(owner_id=1, name="", phone="13800000000") == (("owner", 1),)

    def test_a_linked_account_is_an_identity(self):
        assert ("user", 5) in voting.owner_identity(owner_id=1, user_id=5, name="张伟")


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
