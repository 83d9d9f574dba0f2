"""Forms of owners' votes over a period. They parse input only; ``services.owners_votes`` decides.

The ballot forms take the choices from the POST as ``q<question id>`` = for | against | abstain
(the form contract the pages and tests share): every ``q<number>`` key is passed to the service,
which refuses a question that is not part of the vote and a question left without a choice.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.fields import ModelIdChoiceField, MultiLineField, SingleLineField
from deliberation.models import Household, Owner, Request

from ..models import OwnersVote, VoteQuestion
from ..services.owners_votes import MAX_QUESTIONS, households_matching, notice_days_default
from .convening import datetime_field

#: Question rows on the create form (the service allows up to ``MAX_QUESTIONS``).
QUESTION_ROWS = min(5, MAX_QUESTIONS)
#: Rows on the bulk proxy form.
PROXY_ROWS = 6
QUESTION_KEY = re.compile(r"^q(\d{1,12})$")


def posted_choices(data, suffix: str = "") -> dict[str, str]:
    """``{question id: choice}`` from every ``q<id><suffix>`` field of the POST."""
    found = {}
    for key in data:
        if suffix:
            if not key.endswith(suffix):
                continue
            key_base = key[: -len(suffix)]
        else:
            key_base = key
        match = QUESTION_KEY.match(key_base)
        if match:
            found[match.group(1)] = data.get(key, "")
    return found


class OwnersVoteForm(forms.Form):
    title = SingleLineField(label=_("Title"), max_length=200)
    description = MultiLineField(
        label=_("What is decided"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The plan in plain words: what, why, how much, who pays."),
    )
    opens_at = datetime_field(_("Voting opens"), required=True)
    closes_at = datetime_field(_("Voting closes"), required=True)
    channels = forms.MultipleChoiceField(
        label=_("Ways owners may vote"),
        choices=OwnersVote.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(OwnersVote.Channel.values),
        error_messages={"required": _("Choose the ways owners may vote.")},
    )
    notice_days = forms.IntegerField(
        label=_("Announced at least (days) before it opens"), min_value=0, max_value=90
    )
    show_turnout_to_owners = forms.BooleanField(
        label=_("Owners see the turnout while it runs"), required=False
    )
    request = ModelIdChoiceField(
        label=_("From the request (optional)"), queryset=Request.objects.none(), required=False
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice_days"].initial = notice_days_default()
        self.fields["request"].queryset = Request.objects.filter(community=community).order_by("-pk")
        for i in range(1, QUESTION_ROWS + 1):
            self.fields[f"question_{i}"] = SingleLineField(
                label=_("Question %(n)d") % {"n": i}, max_length=500, required=i == 1
            )
            self.fields[f"matter_{i}"] = forms.ChoiceField(
                label=_("Matter of question %(n)d") % {"n": i},
                choices=VoteQuestion.Matter.choices,
                initial=VoteQuestion.Matter.ORDINARY,
            )

    def question_rows(self):
        return [(self[f"question_{i}"], self[f"matter_{i}"]) for i in range(1, QUESTION_ROWS + 1)]

    def other_fields(self):
        return [
            field for field in self.visible_fields() if not field.name.startswith(("question_", "matter_"))
        ]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "questions": [
                (data[f"question_{i}"], data[f"matter_{i}"])
                for i in range(1, QUESTION_ROWS + 1)
                if data.get(f"question_{i}")
            ],
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "channels": data["channels"],
            "notice_days": data["notice_days"],
            "show_turnout_to_owners": data["show_turnout_to_owners"],
            "request": data["request"],
        }


class VoteDocumentForm(forms.Form):
    title = SingleLineField(label=_("Document title"), max_length=200)
    file = forms.FileField(
        label=_("File (PDF or image, at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
        error_messages={"required": _("Choose the file.")},
    )


class ChoicesMixin:
    """``cleaned_data["choices"]``: every ``q<id>`` of the POST."""

    def clean(self):
        cleaned = super().clean()
        cleaned["choices"] = posted_choices(self.data)
        return cleaned


class OnlineBallotForm(ChoicesMixin, forms.Form):
    """A linked owner's own ballot for one of their households."""

    household = forms.ChoiceField(
        label=_("Household"), error_messages={"invalid_choice": _("Choose one of your own households.")}
    )

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.households = {str(h.pk): h for h in households}
        self.fields["household"].choices = [(pk, str(h)) for pk, h in self.households.items()]

    def clean_household(self):
        return self.households[self.cleaned_data["household"]]


class HouseholdField(ModelIdChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=Household.objects.none(),
            error_messages={
                "required": _("Find and choose the household first."),
                "invalid_choice": _("That household is not on this community's roster."),
            },
            **kwargs,
        )


class CollectForm(ChoicesMixin, forms.Form):
    """A collector's entry of one household's ballot (paper, on site, video)."""

    household = HouseholdField(label=_("Household"), widget=forms.HiddenInput)
    owner = ModelIdChoiceField(
        label=_("Owner who signed"),
        queryset=Owner.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of this household's owners.")},
    )
    channel = forms.ChoiceField(label=_("Way of voting"), widget=forms.RadioSelect)
    evidence = forms.ImageField(
        label=_("Photo of the signed ballot"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        error_messages={"invalid_image": _("The photo must be a JPEG, PNG or WebP image.")},
    )

    def __init__(self, *args, vote, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.for_community(vote.community)
        channels = [(c, OwnersVote.Channel(c).label) for c in vote.channels if c in COLLECTED_CHANNELS]
        self.fields["channel"].choices = channels
        if channels:
            self.fields["channel"].initial = channels[0][0]
        if household is not None:
            self.fields["household"].initial = household.pk
            owners = household.owners.all()
            self.fields["owner"].queryset = owners
            if len(owners) == 1:
                self.fields["owner"].initial = owners[0].pk
        else:
            self.fields["owner"].queryset = Owner.objects.for_community(vote.community)

    def clean(self):
        cleaned = super().clean()
        household, owner = cleaned.get("household"), cleaned.get("owner")
        if household is not None and owner is not None and owner.household_id != household.pk:
            self.add_error("owner", _("Choose one of this household's owners."))
        return cleaned


#: The channels a collector enters on the collect page (proxies have their own form).
COLLECTED_CHANNELS = (OwnersVote.Channel.PAPER, OwnersVote.Channel.ONSITE, OwnersVote.Channel.VIDEO)


class ReceiptForm(forms.Form):
    code = SingleLineField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=_("The ten letters and digits on your receipt, e.g. ABCDE-23456."),
    )


class ProxyForm(forms.Form):
    """One proxy holder and the owners they represent; each row is one household (found by the
    words of its address), its owner (by name, when it has several), choices and the signed proxy
    form's photo."""

    proxy_holder = SingleLineField(label=_("Proxy holder's name"), max_length=60)

    def __init__(self, *args, vote, rows: int = PROXY_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.vote = vote
        self.rows = rows
        for i in range(1, rows + 1):
            self.fields[f"household_{i}"] = SingleLineField(
                label=_("Household (building unit room)"), max_length=60, required=False
            )
            self.fields[f"owner_{i}"] = SingleLineField(
                label=_("Owner's name (if the household has several)"), max_length=60, required=False
            )
            self.fields[f"evidence_{i}"] = forms.FileField(
                label=_("Photo of the signed proxy form"),
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
            )

    def row_fields(self):
        return [
            (i, self[f"household_{i}"], self[f"owner_{i}"], self[f"evidence_{i}"])
            for i in range(1, self.rows + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        entries = []
        for i in range(1, self.rows + 1):
            text = cleaned.get(f"household_{i}") or ""
            if not text:
                continue
            matches = households_matching(self.vote.community, text, limit=2)
            if not matches:
                self.add_error(f"household_{i}", _("No household matches “%(text)s”.") % {"text": text})
                continue
            if len(matches) > 1:
                self.add_error(
                    f"household_{i}",
                    _("“%(text)s” matches several households: add the building and unit.") % {"text": text},
                )
                continue
            household = matches[0]
            owners = list(household.owners.all())
            name = " ".join((cleaned.get(f"owner_{i}") or "").split())
            if name:
                owner = next((o for o in owners if o.name == name), None)
                if owner is None:
                    self.add_error(
                        f"owner_{i}",
                        _("%(name)s is not an owner of %(household)s.")
                        % {"name": name, "household": household},
                    )
                    continue
            elif len(owners) > 1:
                self.add_error(
                    f"owner_{i}",
                    _("%(household)s has several owners: write the name of the one who signed.")
                    % {"household": household},
                )
                continue
            else:
                owner = owners[0] if owners else None
            entries.append(
                (household, owner, posted_choices(self.data, f"_{i}"), cleaned.get(f"evidence_{i}"))
            )
        if not entries and not self.errors:
            raise forms.ValidationError(_("List the owners the proxy holder represents."))
        cleaned["entries"] = entries
        return cleaned
