"""A person's own account: the name and language given at sign-up, the profile, the language.

Sign-up itself is allauth's; ``AccountAdapter.save_user`` hands the new user to
``account_fill_signup`` before allauth saves it, so the name is written once.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import User
from ..phones import normalize_phone
from . import ServiceError

PROFILE_FIELDS = ["display_name", "phone", "language", "notify_email", "notify_sms", "elderly_mode"]


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
    user.phone = normalize_phone(phone, field="phone")
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
