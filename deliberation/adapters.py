from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    """New accounts start in the language the visitor was using when they signed up."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "")
        user.language = translation.get_language() or user.language
        if commit:
            user.save()
        return user
