from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from cms.converters import is_id
from cms.fields import ModelIdChoiceField, PhoneField, SingleLineField
from cms.services import ServiceError

from ..models import COMMUNITY_ROLES, Household, Membership, Owner, Tenure
from ..phones import display_phone, is_mobile, mainland_mobile, normalize_phone
from ..selectors import household_by_label

#: The approval form's answer "this person is none of the household's owners".
NOT_AN_OWNER = "none"


class MainlandMobileField(forms.CharField):
    """A mainland mobile number, written as people say it (138 0013 8000), cleaned to E.164: the
    one field allauth shows wherever an account's phone is asked for (``phone_form_field``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return mainland_mobile(value)
        except ServiceError as error:
            raise forms.ValidationError(error.message) from error


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = SingleLineField(
        label=_("Your name"), max_length=60, help_text=_("Shown to community workers, not publicly.")
    )

    def clean(self):
        """allauth's form (built on this one) has both fields optional: one of them is needed."""
        cleaned = super().clean()
        if "phone" in self.fields and not cleaned.get("phone") and not cleaned.get("email"):
            if not self.errors.get("phone") and not self.errors.get("email"):
                self.add_error("phone", _("Give your mobile number (or an e-mail address)."))
        return cleaned

    def signup(self, request, user):
        """Required by allauth; the account adapter has already written the name (``adapters.py``)."""


class JoinCommunityForm(forms.Form):
    building = SingleLineField(label=_("Building"), max_length=40)
    unit = SingleLineField(label=_("Unit"), max_length=20)
    room = SingleLineField(label=_("Room"), max_length=20)
    tenure = forms.ChoiceField(label=_("I am"), choices=Tenure.choices, widget=forms.RadioSelect)

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        if community is not None:
            names = list(community.buildings.values_list("name", flat=True))
            if names:
                self.fields["building"] = forms.ChoiceField(
                    label=_("Building"), choices=[("", "—")] + [(n, n) for n in names]
                )


class ApproveForm(forms.Form):
    household = ModelIdChoiceField(
        label=_("Household on the roster"), queryset=Household.objects.none(), required=False
    )
    #: The household written out ("3号楼-1-101"), when none was picked from a search of the roster.
    household_text = SingleLineField(label=_("Household (building-unit-room)"), required=False, max_length=80)
    owner = SingleLineField(label=_("Which owner is this person"), required=False, max_length=20)

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        if community is not None:
            self.fields["household"].queryset = Household.objects.for_community(community).select_related(
                "building"
            )

    def clean(self):
        data = super().clean()
        text = data.get("household_text") or ""
        if text and not data.get("household") and "household" not in self.errors:
            household = household_by_label(community=self.community, text=text)
            if household is None:
                self.add_error(
                    "household_text",
                    _(
                        "No household “%(text)s” is on this community's roster. Write it as "
                        "building-unit-room (e.g. 3号楼-1-101), or search the roster."
                    )
                    % {"text": text},
                )
            else:
                data["household"] = household
        return data

    def clean_owner(self):
        """``{"owner": Owner | None, "not_an_owner": bool}`` for the service."""
        value = (self.cleaned_data.get("owner") or "").strip()
        if value in ("", NOT_AN_OWNER):
            return {"owner": None, "not_an_owner": value == NOT_AN_OWNER}
        owner = (
            Owner.objects.for_community(self.community).filter(pk=int(value)).first()
            if is_id(value)
            else None
        )
        if owner is None:
            raise forms.ValidationError(_("Pick one of the household's owners."))
        return {"owner": owner, "not_an_owner": False}


class OwnerLinkForm(forms.Form):
    """A worker links a verified member to a roster owner of the same community."""

    membership = ModelIdChoiceField(label=_("Member"), queryset=Membership.objects.none())
    owner = ModelIdChoiceField(label=_("Owner on the roster"), queryset=Owner.objects.none())

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = Membership.objects.for_community(community).approved()
        self.fields["owner"].queryset = Owner.objects.for_community(community)


class RejectForm(forms.Form):
    reason = SingleLineField(
        label=_("Reason"),
        max_length=300,
        widget=forms.TextInput,
        error_messages={"required": _("Give a reason: the person is told why.")},
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in COMMUNITY_ROLES])


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Roster file (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an .xlsx file made from the template."))
        if upload.size > settings.ROSTER_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": settings.ROSTER_MAX_UPLOAD_BYTES // 2**20}
            )
        return upload


class ProfileForm(forms.Form):
    display_name = SingleLineField(label=_("Your name"), max_length=60)
    phone = PhoneField(
        label=_("Phone"),
        help_text=_("A mobile number such as 138 0013 8000 can receive text messages; a landline cannot."),
    )
    language = forms.ChoiceField(label=_("Language for mail"), choices=settings.LANGUAGES)
    notify_sms = forms.BooleanField(label=_("Send me notices by text message (SMS)"), required=False)
    notify_email = forms.BooleanField(label=_("Send me notices by e-mail"), required=False)
    elderly_mode = forms.BooleanField(
        label=_("Elderly mode: larger text and buttons, nothing that moves"),
        required=False,
        help_text=_(
            "Also the 长辈模式 switch at the top of every page; it follows you to every phone you log in on."
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["notify_sms"].help_text = _sms_hint(user)
            self.fields["notify_email"].help_text = (
                _("E-mails go to %(email)s.") % {"email": user.email}
                if user.email
                else _("Your account has no e-mail address.")
            )


def _sms_hint(user) -> str:
    """Where the text messages go, or why none can: plainly, for someone not used to forms."""
    if is_mobile(str(user.phone or "")):
        return _("Text messages go to %(phone)s.") % {"phone": display_phone(user.phone)}
    if user.phone:
        return _("%(phone)s is not a mobile number: text messages need a mobile number.") % {
            "phone": display_phone(user.phone)
        }
    return _("Text messages need a mobile number: write yours above.")


class PropertyCompanyForm(WagtailAdminModelForm):
    """The admin's property-company form: its contact phone checked by the one phone rule
    (a landline such as 0471-1111111 is fine) and shown as people read it."""

    contact_phone = PhoneField(label=_("contact phone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["contact_phone"] = display_phone(self.instance.contact_phone)

    def clean_contact_phone(self):
        try:
            return normalize_phone(self.cleaned_data.get("contact_phone", ""), field="contact_phone")
        except ServiceError as error:
            raise forms.ValidationError(error.message) from None


class HouseholdSearchForm(forms.Form):
    """The members page's search of the roster for one person waiting to be verified (GET)."""

    membership = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    q = SingleLineField(
        label=_("Search the roster"),
        max_length=60,
        error_messages={
            "required": _("Type a building, unit or room to search the roster."),
            "max_length": _("Type at most %(limit_value)d characters to search the roster."),
        },
    )
