"""A person's own account: the name and language given at sign-up, the profile, the language.

Sign-up itself is allauth's; ``AccountAdapter.save_user`` hands the new user to
``account_fill_signup`` before allauth saves it, so the name is written once.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Request, User
from ..phones import mainland_mobile, normalize_phone
from . import ServiceError
from .delivery import Recipient, Sms, deliver

PROFILE_FIELDS = [
    "display_name",
    "phone",
    "phone_verified",
    "language",
    "notify_email",
    "notify_sms",
    "elderly_mode",
]


def _supported(language: str) -> bool:
    return language in {code for code, _name in settings.LANGUAGES}


def account_fill_signup(user: User, *, display_name: str, language: str | None) -> User:
    """The new (unsaved) user's name and mail language: the one the visitor was using."""
    user.display_name = display_name.strip()
    if language and _supported(language):
        user.language = language
    return user


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str,
    phone: str,
    language: str,
    notify_email: bool | None = None,
    notify_sms: bool | None = None,
    elderly_mode: bool | None = None,
) -> User:
    """Save the profile. The notice channels are the person's choice (``None`` keeps it); the
    outbox uses a chosen channel only when there is an address for it, and the inbox always has
    every notice, so unticking both means "inbox only"."""
    if not display_name.strip():
        raise ServiceError(_("Give your name."), field="display_name")
    if not _supported(language):
        raise ServiceError(_("Choose a language."), field="language")
    phone = normalize_phone(phone, field="phone")
    if phone != str(user.phone or ""):
        user.phone_verified = None  # a contact number; it logs in once its SMS code proves it
    user.phone = phone
    user.display_name = display_name.strip()
    user.language = language
    if notify_email is not None:
        user.notify_email = notify_email
    if notify_sms is not None:
        user.notify_sms = notify_sms
    if elderly_mode is not None:
        user.elderly_mode = elderly_mode
    user.save(update_fields=PROFILE_FIELDS)
    return user


def user_set_language(*, user: User, language: str) -> bool:
    """Remember the chosen language on the account (for mail); ``False`` if it was not changed."""
    if not _supported(language) or user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    return True


def user_set_elderly_mode(*, user: User, on: bool) -> bool:
    """Remember 长辈模式 on the account (it then follows the person to every browser); ``False``
    if it was not changed."""
    if user.elderly_mode == on:
        return False
    user.elderly_mode = on
    user.save(update_fields=["elderly_mode"])
    return True


# --- Phone-number accounts (allauth's phone support calls these through the adapter) ---------


def user_by_phone(phone: str) -> User | None:
    """The account that proved this number by an SMS code; an unproven number finds nobody (a
    worker may have typed anyone's number on a profile)."""
    try:
        phone = mainland_mobile(phone)
    except ServiceError:
        return None
    return User.objects.filter(phone=phone, phone_verified=True, is_active=True).first()


def account_phone_of(user: User) -> tuple[str, bool] | None:
    """The login number and whether it is proven, for allauth; None when the account logs in by
    e-mail and its phone is only a contact number (no code is asked for it at login)."""
    if not user.phone or user.phone_verified is None:
        return None
    return str(user.phone), user.phone_verified


def account_phone_set(*, user: User, phone: str, verified: bool) -> User:
    """The number given at sign-up or on allauth's "change phone" page, proven or not yet."""
    user.phone = mainland_mobile(phone)
    user.phone_verified = verified
    if user.pk:
        user.save(update_fields=["phone", "phone_verified"])
        if verified:
            requests_claim_by_phone(user=user)
    return user


@transaction.atomic
def account_phone_verified(*, user: User, phone: str) -> User:
    """The person typed the SMS code sent to ``phone``: the number is theirs, and so are the
    requests a worker recorded for that number before they had an account."""
    user.phone = mainland_mobile(phone)
    user.phone_verified = True
    user.save(update_fields=["phone", "phone_verified"])
    requests_claim_by_phone(user=user)
    return user


def requests_claim_by_phone(*, user: User) -> int:
    """Walk-in, phone and hotline requests recorded for the user's proven number, with no account
    yet, become the user's ("my requests", notices). Returns how many."""
    if not user.phone_verified or not user.phone:
        return 0
    return Request.objects.filter(requester__isnull=True, requester_phone=str(user.phone)).update(
        requester=user
    )


def verification_code_send(*, phone: str, code: str, user: User | None = None) -> None:
    """allauth's sign-up, login and phone-change codes, through the outbox as the registered
    ``verification_code`` template; at once, even in the quiet hours (the person is waiting)."""
    with transaction.atomic():
        deliver(
            key=f"code:{phone}:{code}:{timezone.now().timestamp():.0f}",
            recipient=Recipient(
                name=(user.display_name if user else "") or phone,
                phone=phone,
                language=user.language if user else translation.get_language() or "",
                user=user if user and user.pk else None,
                ref=f"phone:{phone}",
            ),
            label=_("Verification code"),
            sms_message=Sms("verification_code", {"code": code}),
            channels=("sms",),
            about="account",
            urgent=True,
        )
