"""What an owners' vote's result becomes once it is closed: the resolution published with its
public-notice period (决议公示), and the comparison with the result of the city's or province's
owner e-voting platform when the vote ran there too.

``owners_vote_close`` (``services/owners_votes.py``) calls ``owners_vote_publish`` in its
transaction, the one place a vote's resolution is made; the official result is recorded by
``owners_vote_record_official`` there too. Nothing here imports that module (it imports this one).
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ..models import Resolution
from ..timefmt import format_datetime

#: Why a question did not pass, in words (``voting.civil_code_278``'s reason codes).
REASONS = {
    "turnout_area": lambda: _("owners holding less than two thirds of the area took part"),
    "turnout_heads": lambda: _("less than two thirds of the owners took part"),
    "approval_area": lambda: _("too little of the participating area voted for"),
    "approval_heads": lambda: _("too few of the participating owners voted for"),
}


def question_text(n: int, question: dict) -> str:
    """One question's outcome in words, with both measures."""
    tally = question["tally"]
    f = tally.get("figures", {})
    matter = _("major matter") if question.get("matter") == "major" else _("ordinary matter")
    lines = [
        _("%(n)d. %(question)s (%(matter)s): %(outcome)s.")
        % {
            "n": n,
            "question": question["text"],
            "matter": matter,
            "outcome": _("passed") if tally.get("passed") else _("not passed"),
        },
        _(
            "Taking part: %(area)s of %(total_area)s m² (%(area_pct)s%%) and %(heads)s of "
            "%(total_heads)s owners (%(heads_pct)s%%)."
        )
        % {
            "area": f.get("participating_area"),
            "total_area": f.get("total_area"),
            "area_pct": f.get("turnout_area_pct"),
            "heads": f.get("participating_heads"),
            "total_heads": f.get("total_heads"),
            "heads_pct": f.get("turnout_heads_pct"),
        },
        _(
            "For: %(for_area)s m² (%(for_area_pct)s%% of the participating area) and %(for_heads)s "
            "owners (%(for_heads_pct)s%% of the participating owners); against: %(against_area)s m², "
            "%(against_heads)s owners; abstain: %(abstain_area)s m², %(abstain_heads)s owners."
        )
        % {
            "for_area": f.get("area", {}).get("for"),
            "for_area_pct": f.get("for_area_pct"),
            "for_heads": f.get("heads", {}).get("for"),
            "for_heads_pct": f.get("for_heads_pct"),
            "against_area": f.get("area", {}).get("against"),
            "against_heads": f.get("heads", {}).get("against"),
            "abstain_area": f.get("area", {}).get("abstain"),
            "abstain_heads": f.get("heads", {}).get("abstain"),
        },
    ]
    reasons = [REASONS[code]() for code in tally.get("reasons", []) if code in REASONS]
    if reasons:
        lines.append(_("Not passed because %(reasons)s.") % {"reasons": "；".join(reasons)})
    return "\n".join(lines)


def resolution_questions(vote) -> list[dict]:
    return [
        {"id": q.pk, "text": q.text, "matter": q.matter, "tally": vote.result.get(str(q.pk), {})}
        for q in vote.questions.all()
    ]


def resolution_text(vote, questions: list[dict]) -> str:
    intro = _(
        "The owners decided by written consultation from %(opens)s to %(closes)s (Beijing time); "
        "%(ballots)d households' ballots were counted, by the exclusive area and by the number of "
        "owners (Civil Code art. 278)."
    ) % {
        "opens": format_datetime(vote.opens_at),
        "closes": format_datetime(vote.closes_at),
        "ballots": vote.ballots.count(),
    }
    parts = [intro, *(question_text(n, q) for n, q in enumerate(questions, 1))]
    parts.append(_("Seal of the ballots (SHA-256 hash chain): %(seal)s") % {"seal": vote.seal})
    return "\n\n".join(parts)


def owners_vote_publish(*, vote, now) -> Resolution:
    """The closed vote's resolution, made once (the caller holds the vote's row lock): its title,
    its questions with their outcome in words, both measures per question, and the vote's notice
    period as the public-notice period."""
    existing = Resolution.objects.filter(owners_vote=vote).first()
    if existing is not None:
        return existing
    questions = resolution_questions(vote)
    return Resolution.objects.create(
        owners_vote=vote,
        community=vote.community,
        title=vote.title[:200],
        text=resolution_text(vote, questions),
        result={"rule": "owners_vote", "questions": questions},
        published_at=now,
        notice_days=vote.notice_days,
    )


# --- The official platform's result ------------------------------------------------------------

#: Per question, the official platform's figures: (key, label, kind) where kind is area or heads.
OFFICIAL_FIGURES = (
    ("total_area", lambda: _("Total area (m²)"), "area"),
    ("total_heads", lambda: _("Total owners"), "heads"),
    ("participating_area", lambda: _("Area taking part (m²)"), "area"),
    ("participating_heads", lambda: _("Owners taking part"), "heads"),
    ("for_area", lambda: _("Area for (m²)"), "area"),
    ("for_heads", lambda: _("Owners for"), "heads"),
    ("against_area", lambda: _("Area against (m²)"), "area"),
    ("against_heads", lambda: _("Owners against"), "heads"),
    ("abstain_area", lambda: _("Area abstaining (m²)"), "area"),
    ("abstain_heads", lambda: _("Owners abstaining"), "heads"),
)
#: Rounding on a platform's figures: three choices each rounded to the square centimetre.
AREA_TOLERANCE = Decimal("0.03")


def our_figures(tally: dict) -> dict:
    """Our tally in the official result's keys."""
    f = tally.get("figures", {})
    figures = {
        "total_area": f.get("total_area"),
        "total_heads": f.get("total_heads"),
        "participating_area": f.get("participating_area"),
        "participating_heads": f.get("participating_heads"),
    }
    for choice in ("for", "against", "abstain"):
        figures[f"{choice}_area"] = f.get("area", {}).get(choice)
        figures[f"{choice}_heads"] = f.get("heads", {}).get(choice)
    return figures


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def official_comparison(vote) -> list[dict]:
    """Per question, our figures and the official platform's side by side, which ones differ and
    whether the outcomes agree. Empty when no official result is recorded."""
    official = (vote.official_result or {}).get("questions") or {}
    if not official:
        return []
    rows = []
    for question in vote.questions.all():
        theirs = official.get(str(question.pk))
        ours_tally = (vote.result or {}).get(str(question.pk), {})
        if theirs is None:
            continue
        ours = our_figures(ours_tally)
        figures, differs = [], []
        for key, label, kind in OFFICIAL_FIGURES:
            a, b = _decimal(ours.get(key)), _decimal(theirs.get(key))
            tolerance = AREA_TOLERANCE if kind == "area" else Decimal(0)
            different = a is None or b is None or abs(a - b) > tolerance
            if different:
                differs.append(key)
            figures.append(
                {
                    "key": key,
                    "label": label(),
                    "ours": ours.get(key),
                    "official": theirs.get(key),
                    "differs": different,
                }
            )
        ours_passed = ours_tally.get("passed")
        rows.append(
            {
                "question": question,
                "figures": figures,
                "ours_passed": ours_passed,
                "official_passed": theirs.get("passed"),
                "outcome_agrees": ours_passed is not None and ours_passed == theirs.get("passed"),
                "differs": differs,
            }
        )
    return rows


def clean_official_figures(vote, figures: dict) -> dict:
    """The official figures per question, checked: numbers ≥ 0 (heads whole), what took part no
    more than the totals, the choices no more than what took part. Raises ``ValueError`` with a
    message naming the question (the service turns it into a ``ServiceError``)."""
    cleaned = {}
    questions = list(vote.questions.all())
    for n, question in enumerate(questions, 1):
        given = figures.get(str(question.pk)) or figures.get(question.pk)
        if given is None:
            raise ValueError(_("Question %(n)d: give the official figures.") % {"n": n})
        row = {}
        for key, label, kind in OFFICIAL_FIGURES:
            value = _decimal(given.get(key))
            if value is None or not value.is_finite():
                raise ValueError(
                    _("Question %(n)d: “%(label)s” must be a number.") % {"n": n, "label": label()}
                )
            if value < 0:
                raise ValueError(
                    _("Question %(n)d: “%(label)s” cannot be negative.") % {"n": n, "label": label()}
                )
            if kind == "heads" and value != value.to_integral_value():
                raise ValueError(
                    _("Question %(n)d: “%(label)s” is a whole number of owners.") % {"n": n, "label": label()}
                )
            if kind == "area" and value >= Decimal("1e9"):
                raise ValueError(_("Question %(n)d: “%(label)s” is too large.") % {"n": n, "label": label()})
            row[key] = value.quantize(Decimal("0.01")) if kind == "area" else value.to_integral_value()
        for kind in ("area", "heads"):
            if row[f"total_{kind}"] <= 0:
                raise ValueError(_("Question %(n)d: the totals must be more than zero.") % {"n": n})
            if row[f"participating_{kind}"] > row[f"total_{kind}"]:
                raise ValueError(_("Question %(n)d: more took part than the total.") % {"n": n})
            choices = sum(row[f"{choice}_{kind}"] for choice in ("for", "against", "abstain"))
            tolerance = AREA_TOLERANCE if kind == "area" else Decimal(0)
            if choices > row[f"participating_{kind}"] + tolerance:
                raise ValueError(
                    _("Question %(n)d: for, against and abstain add up to more than took part.") % {"n": n}
                )
        passed = given.get("passed")
        if passed not in (True, False):
            raise ValueError(_("Question %(n)d: say whether it passed on the platform.") % {"n": n})
        cleaned[str(question.pk)] = {key: str(value) for key, value in row.items()} | {"passed": passed}
    return cleaned


def binding_label(vote) -> str:
    if vote.official_binding:
        return _("The official platform's result is the binding one.")
    return _("This site's result is the binding one; the official platform's is shown for comparison.")
