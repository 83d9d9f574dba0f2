"""Forms of the live console (used without JavaScript; the WebSocket sends the same fields)."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.fields import ModelIdChoiceField, MultiLineField, SingleLineField

from ..models import AgendaItem, Choice, MinuteEntry, Motion, Party


class ClientIdMixin(forms.Form):
    """A hidden id generated when the form is rendered: submitting twice stores once."""

    client_id = SingleLineField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("client_id", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class MinuteEntryForm(ClientIdMixin):
    kind = forms.ChoiceField(label=_("Kind"), choices=MinuteEntry.Kind.choices, initial=MinuteEntry.Kind.NOTE)
    party = forms.ChoiceField(
        label=_("Party (for a statement)"), choices=[("", "—"), *Party.choices], required=False
    )
    text = MultiLineField(label=_("Entry"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["id"] = "entry-kind"
        self.fields["party"].widget.attrs["id"] = "entry-party"
        self.fields["text"].widget.attrs["id"] = "entry-text"


class MotionForm(ClientIdMixin):
    """The motion names the agenda item it decides, preselected to the current one; "none" is a
    choice too. A post without the field is refused rather than read as "none"."""

    text = MultiLineField(label=_("Motion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    agenda_item = ModelIdChoiceField(
        label=_("Agenda item it decides"),
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label=_("None (resolves no request)"),
        help_text=_("A passed motion resolves the hall's requests on this item."),
    )
    rule = forms.ChoiceField(label=_("Voting rule"), choices=Motion.Rule.choices)
    matter = forms.ChoiceField(
        label=_("Matter (owners' votes)"),
        choices=Motion.Matter.choices,
        help_text=_("Major: raising maintenance funds, rebuilding, changing the use of common parts."),
    )

    def __init__(self, *args, meeting, current_item_id=None, **kwargs):
        if current_item_id is not None:
            kwargs.setdefault("initial", {}).setdefault("agenda_item", current_item_id)
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda_items.order_by("position", "id")
        for name in ("text", "agenda_item", "rule", "matter"):
            self.fields[name].widget.attrs["id"] = f"motion-{name}"

    def clean_agenda_item(self):
        if self.is_bound and "agenda_item" not in self.data:
            raise forms.ValidationError(_("Choose the agenda item the motion decides, or “none”."))
        return self.cleaned_data["agenda_item"]


class BallotForm(ClientIdMixin):
    choice = forms.ChoiceField(label=_("Your vote"), choices=Choice.choices)


class ProxyForm(ClientIdMixin):
    owner = forms.IntegerField(label=_("Owner"))
    choice = forms.ChoiceField(label=_("Vote"), choices=Choice.choices)
    proxy_holder = SingleLineField(label=_("Proxy holder"), max_length=60)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = forms.TypedChoiceField(
            label=_("Owner"), coerce=int, choices=[(o.pk, f"{o.household} {o.name}") for o in owners]
        )


class CheckInForm(forms.Form):
    """The secretary checks a participant in by id (the attendance list's buttons)."""

    participant = ModelIdChoiceField(
        label=_("Participant"),
        queryset=None,
        error_messages={"invalid_choice": _("Choose a participant of this meeting.")},
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = meeting.participants.all()


class CheckInCodeForm(ClientIdMixin):
    code = SingleLineField(label=_("Check-in code"), max_length=12)


class CheckInPhoneForm(forms.Form):
    """The check-in link, for a participant without an account: the number the invitation used."""

    phone = SingleLineField(
        label=_("Your mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("The number the invitation was sent to. We send a check-in code to it by SMS."),
    )


class CheckInSmsCodeForm(forms.Form):
    """The code the SMS carried, with the number it was sent to (kept in the form, not the session)."""

    phone = SingleLineField(max_length=32, widget=forms.HiddenInput)
    code = SingleLineField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
