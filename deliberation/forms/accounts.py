"""allauth's own forms, where they need a rule of ours. (Apart from ``people``: allauth's forms
module imports ``people.SignupForm`` as the base of its sign-up form.)"""

from allauth.account import forms as allauth_forms
from django import forms
from django.utils.translation import gettext_lazy as _


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """allauth's form takes a phone or an e-mail, but accepts neither (and then fails)."""

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("phone") and not cleaned.get("email"):
            raise forms.ValidationError(_("Give your mobile number (or an e-mail address)."))
        return cleaned
