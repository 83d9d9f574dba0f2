from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cms.fields import ModelIdChoiceField, SingleLineField

from .models import COMMUNITY_ROLES, Household, Tenure


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = SingleLineField(
        label=_("Your name"), max_length=60, help_text=_("Shown to community workers, not publicly.")
    )

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


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

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        if community is not None:
            self.fields["household"].queryset = Household.objects.for_community(community).select_related(
                "building"
            )


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
    phone = SingleLineField(label=_("Phone"), max_length=30, required=False)
    language = forms.ChoiceField(label=_("Language for mail"), choices=settings.LANGUAGES)
