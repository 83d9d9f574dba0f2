from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.utils import translation

from .selectors import landing_url_for
from .services.accounts import account_fill_signup
from .services.delivery import deliver_account_email


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

    def get_login_redirect_url(self, request):
        """After login each person lands where their work is (``selectors.landing_url_for``): a
        resident on their requests, a worker on the work queue, property staff on their assigned
        requests, a street officer on the escalations. A safe ``next`` is followed before this
        is asked (allauth's ``get_login_redirect_url``)."""
        return landing_url_for(request.user)

    def send_mail(self, template_prefix, email, context):
        """Account mail (address confirmation, password reset) goes through the outbox like every
        notice: stored now, sent by the task worker, retried, and visible when it fails."""
        message = self.render_mail(template_prefix, email, context)
        with transaction.atomic():
            deliver_account_email(message=message, template=template_prefix)
