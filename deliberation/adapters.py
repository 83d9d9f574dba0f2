from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.db import transaction
from django.utils import translation

from .forms.people import MainlandMobileField
from .selectors import landing_url_for
from .services.accounts import (
    account_fill_signup,
    account_phone_of,
    account_phone_set,
    account_phone_verified,
    user_by_phone,
    verification_code_send,
)
from .services.delivery import deliver_account_email
from .wechat.browser import in_wechat


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

    # --- Phone-number accounts: allauth's phone support, stored on our User ------------------

    def phone_form_field(self, **kwargs):
        return MainlandMobileField(**kwargs)

    def send_verification_code_sms(self, user, phone, code, **kwargs):
        verification_code_send(phone=phone, code=code, user=user)

    def get_phone(self, user):
        return account_phone_of(user)

    def set_phone(self, user, phone, verified):
        account_phone_set(user=user, phone=phone, verified=verified)

    def set_phone_verified(self, user, phone):
        account_phone_verified(user=user, phone=phone)

    def get_user_by_phone(self, phone):
        return user_by_phone(phone)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """WeChat login (``deliberation.wechat``): the application that fits the browser, and the
    nickname as the person's shown name (``account_fill_signup``, like a sign-up form's name)."""

    def list_apps(self, request, provider=None, client_id=None):
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        if request is None:
            return apps
        wanted = in_wechat(request)
        return [
            app for app in apps if app.provider != "weixin" or bool(app.settings.get("in_wechat")) == wanted
        ]

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        return account_fill_signup(
            user, display_name=data.get("name") or "", language=translation.get_language()
        )
