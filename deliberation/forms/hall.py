"""Forms of the deliberation hall. They check shape and size; the services check the rules."""

import uuid

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cms.fields import ModelIdChoiceField, MultiLineField, PhoneField, SingleLineField

from ..models import Category, Channel, Request, ResponsibleParty
from ..services.requests import MAX_PHOTOS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to four photos in one ``<input type=file multiple>``; Pillow checks them in the service."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault(
            "help_text", _("Up to 4 photos (JPEG, PNG or WebP, 5 MB each). Location data is removed.")
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS})
        return [single(f, initial) for f in files]


class RequestForm(forms.Form):
    title = SingleLineField(label=_("Title"), max_length=Request._meta.get_field("title").max_length)
    description = MultiLineField(
        label=_("Description"),
        max_length=Request._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    category = ModelIdChoiceField(label=_("Category"), queryset=Category.objects.all(), empty_label=None)
    location = SingleLineField(
        label=_("Where in the community"),
        max_length=100,
        required=False,
        help_text=_("A building, unit or public area, e.g. 3号楼2单元 or 北门停车场."),
        widget=forms.TextInput(attrs={"list": "location-choices", "autocomplete": "off"}),
    )
    photos = PhotosField()
    show_name = forms.BooleanField(label=_("Show my name publicly"), required=False)
    # New on every render (a callable initial): the service turns a second post of it into the
    # request its first post created. Optional, so a page rendered before this field still posts.
    intake_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)

    def clean(self):
        # A hidden field's error would show nowhere on the page: say it above the form.
        if self._errors.pop("intake_token", None):
            self.add_error(None, _("This form is out of date. Please reload the page and fill it in again."))
        return super().clean()


class OfflineRequestForm(RequestForm):
    channel = forms.ChoiceField(
        label=_("How it reached us"), choices=[c for c in Channel.choices if c[0] != Channel.ONLINE]
    )
    intake_place = SingleLineField(label=_("Place of intake"), max_length=100, required=False)
    requester_name = SingleLineField(label=_("Requester's name"), max_length=60)
    requester_phone = PhoneField(label=_("Requester's phone"), help_text=_("Seen by staff only."))
    field_order = ["channel", "intake_place", "requester_name", "requester_phone"]


class AcceptForm(forms.Form):
    category = ModelIdChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    party = forms.ChoiceField(
        label=_("Responsible party"),
        choices=[("", _("The category's default"))] + list(ResponsibleParty.choices),
        required=False,
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the category's time limit."),
    )
    note = SingleLineField(label=_("Note"), max_length=300, required=False)


class ReasonForm(forms.Form):
    reason = SingleLineField(label=_("Reason"), max_length=300)


class RespondForm(forms.Form):
    body = MultiLineField(
        label=_("Official response"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = PhotosField()


class NoteForm(forms.Form):
    note = SingleLineField(label=_("Note"), max_length=300, required=False)


#: What each number of stars means (the scale of ``Request.rating``, 1 to 5).
RATING_MEANINGS = {
    5: _("Very satisfied"),
    4: _("Satisfied"),
    3: _("Neither satisfied nor dissatisfied"),
    2: _("Dissatisfied"),
    1: _("Very dissatisfied"),
}


def rating_choices():
    return [(n, format_lazy("{} {} {}", "★" * n, n, meaning)) for n, meaning in RATING_MEANINGS.items()]


class EvaluateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        coerce=int,
        choices=rating_choices(),
        widget=forms.RadioSelect,
        # What ``request_evaluate`` does with 1 or 2 stars, said before the person chooses.
        help_text=_(
            "1 or 2 stars reopen the request: it goes back to the party handling it for another try. "
            "If it was already reopened once, the community workers are told and decide what happens next."
        ),
    )
    comment = MultiLineField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class EmptyForm(forms.Form):
    pass


class HallFilterForm(forms.Form):
    SORTS = [
        ("", _("Best match (newest first when not searching)")),
        ("newest", _("Newest")),
        ("supported", _("Most supported")),
        ("due", _("Due soonest")),
    ]
    q = SingleLineField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(Request.Status.choices)
    )
    category = ModelIdChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.all(), empty_label=_("All")
    )
    flag = forms.ChoiceField(
        label=_("Only"),
        required=False,
        choices=[
            ("", _("All")),
            ("proposed", _("Proposed for the four-party meeting")),
            ("escalated", _("Escalated to the street office")),
            ("overdue", _("Overdue")),
        ],
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)
