"""Forms only parse input; the services decide what is allowed."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cms.fields import (
    ModelIdChoiceField,
    ModelIdMultipleChoiceField,
    MultiLineField,
    PhoneField,
    SingleLineField,
)
from deliberation.models import Request, User
from deliberation.selectors import verified_members

from ..models import Meeting, ParticipantRole, Party, SlotAnswer

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def datetime_field(label, required=False):
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        help_text=_("Beijing time (Asia/Shanghai)"),
    )


class MeetingForm(forms.Form):
    title = SingleLineField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    place = SingleLineField(label=_("Place"), max_length=200, required=False)
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    starts_at = datetime_field(_("Starts at"))
    ends_at = datetime_field(_("Ends at"))
    visibility = forms.ChoiceField(label=_("Who can see it"), choices=Meeting.Visibility.choices)
    description = MultiLineField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    @classmethod
    def for_meeting(cls, meeting, data=None):
        initial = {name: getattr(meeting, name) for name in cls.base_fields}
        return cls(data, initial=initial)


class ParticipantForm(forms.Form):
    member = ModelIdChoiceField(
        label=_("Person with an account"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Or leave empty and give a name and a phone or email for someone without an account."),
    )
    name = SingleLineField(label=_("Name"), max_length=60, required=False)
    phone = PhoneField(
        label=_("Phone"), help_text=_("A mobile number also gets the invitation by text message.")
    )
    email = forms.EmailField(label=_("Email"), required=False)
    language = forms.ChoiceField(
        label=_("Language of their mail"), choices=settings.LANGUAGES, required=False
    )
    party = forms.ChoiceField(label=_("Party"), choices=Party.choices)
    role = forms.ChoiceField(label=_("Role"), choices=ParticipantRole.choices, initial=ParticipantRole.MEMBER)
    votes = forms.BooleanField(label=_("Votes"), required=False, initial=True)

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        if community is not None:
            members = verified_members(community)
            staff = (
                User.objects.filter(property_company_id=community.property_company_id)
                if (community.property_company_id)
                else User.objects.none()
            )
            self.fields["member"].queryset = (members | staff).distinct().order_by("display_name", "email")


class AgendaItemForm(forms.Form):
    title = SingleLineField(label=_("Agenda item"), max_length=200)
    description = MultiLineField(
        label=pgettext_lazy("agenda item", "Details"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class ScheduleForm(forms.Form):
    starts_at = datetime_field(_("Starts at"), required=True)
    ends_at = datetime_field(_("Ends at"), required=True)


class PollOpenForm(forms.Form):
    """Up to five candidate times; empty rows are ignored."""

    ROWS = 5

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, self.ROWS + 1):
            self.fields[f"start_{i}"] = datetime_field(_("Candidate %(n)s starts") % {"n": i})
            self.fields[f"end_{i}"] = datetime_field(_("Candidate %(n)s ends") % {"n": i})

    def slots(self):
        pairs = []
        for i in range(1, self.ROWS + 1):
            start, end = self.cleaned_data.get(f"start_{i}"), self.cleaned_data.get(f"end_{i}")
            if start or end:
                pairs.append((start, end))
        return pairs


class PollFixForm(forms.Form):
    slot = ModelIdChoiceField(
        label=_("Time"),
        queryset=None,
        error_messages={"invalid_choice": _("Choose one of the poll's times.")},
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = meeting.slots.all()


class AgendaFromRequestsForm(forms.Form):
    request = ModelIdMultipleChoiceField(
        label=_("Requests"),
        queryset=None,
        error_messages={
            "required": _("Choose requests of this community."),
            "invalid_choice": _("Choose requests of this community."),
            "invalid_pk_value": _("Choose requests of this community."),
        },
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request"].queryset = Request.objects.for_community(meeting.community).order_by("pk")


class CancelForm(forms.Form):
    reason = MultiLineField(
        label=_("Reason (sent to every participant)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


def parse_poll_answers(data, slots) -> dict[int, str]:
    """``answer_<slot id>`` fields from the poll table; missing ones are left unanswered."""
    answers = {}
    for slot in slots:
        value = data.get(f"answer_{slot.pk}")
        if value:
            answers[slot.pk] = value if value in SlotAnswer.Answer.values else "invalid"
    return answers
