"""Forms of a resolution's follow-up: adding an action and recording its progress."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.fields import MultiLineField, SingleLineField

from ..models import Action, Party


class ActionForm(forms.Form):
    title = SingleLineField(label=_("Action"), max_length=200)
    owner_party = forms.ChoiceField(label=_("Responsible party"), choices=Party.choices)
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ProgressForm(forms.Form):
    note = MultiLineField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}))
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
