from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from .services.accounts import account_fill_signup


class AccountAdapter(DefaultAccountAdapter):
    """New accounts get their name, and start in the language the visitor was using when they
    signed up: the one place a new user's details are written (``account_fill_signup``)."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        account_fill_signup(
            user, display_name=form.cleaned_data.get("display_name", ""), language=translation.get_language()
        )
        if commit:
            user.save()
        return user
