"""The official platform's result of an owners' vote, typed in by an organiser: per question the
platform's figures and whether it passed there, the platform's document, and which result binds.
It parses input only; ``services.owners_votes.owners_vote_record_official`` checks the figures."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..services.owners_vote_results import OFFICIAL_FIGURES

PASSED_CHOICES = [("yes", _("Passed")), ("no", _("Not passed"))]


class OfficialResultForm(forms.Form):
    binding = forms.BooleanField(
        label=_("The official platform's result is the binding one"),
        required=False,
        help_text=_("Leave unticked when this site's result binds and the platform's is for comparison."),
    )
    document = forms.FileField(
        label=_("The platform's result document (PDF or image, at most 10 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )

    def __init__(self, *args, vote, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(vote.questions.all())
        recorded = (vote.official_result or {}).get("questions") or {}
        self.fields["binding"].initial = vote.official_binding
        if vote.official_document:
            self.fields["document"].help_text = _("A document is stored; choose a file only to replace it.")
        for question in self.questions:
            before = recorded.get(str(question.pk), {})
            for key, label, kind in OFFICIAL_FIGURES:
                if kind == "area":
                    field = forms.DecimalField(
                        label=label(), min_value=0, max_digits=12, decimal_places=2, localize=False
                    )
                else:
                    field = forms.IntegerField(label=label(), min_value=0, max_value=10**7)
                field.initial = before.get(key)
                field.widget.attrs["inputmode"] = "decimal" if kind == "area" else "numeric"
                self.fields[f"o{question.pk}_{key}"] = field
            self.fields[f"o{question.pk}_passed"] = forms.ChoiceField(
                label=_("Outcome on the platform"),
                choices=PASSED_CHOICES,
                widget=forms.RadioSelect,
                initial={True: "yes", False: "no"}.get(before.get("passed")),
                error_messages={"required": _("Say whether it passed on the platform.")},
            )

    def question_fields(self):
        """``(question, [bound field, ...])`` for the template, one fieldset per question."""
        return [
            (
                question,
                [self[f"o{question.pk}_{key}"] for key, _label, _kind in OFFICIAL_FIGURES]
                + [self[f"o{question.pk}_passed"]],
            )
            for question in self.questions
        ]

    def figures(self) -> dict:
        data = self.cleaned_data
        return {
            str(q.pk): {key: data[f"o{q.pk}_{key}"] for key, _label, _kind in OFFICIAL_FIGURES}
            | {"passed": data[f"o{q.pk}_passed"] == "yes"}
            for q in self.questions
        }
