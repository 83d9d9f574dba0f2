"""Phone numbers, stored in E.164 (+8613800138000): one rule for every form and import.

People write numbers as they say them — 138 0013 8000, 0471-1234567, +86 138… — and a walk-in's
number is typed by a worker in a hurry. ``normalize_phone`` accepts what a person would write
for a mainland number (mobile or landline with its area code) or an international one with its
+ prefix, and refuses anything else with a message the person can act on.
"""

import phonenumbers
from django.utils.translation import gettext as _

from cms.services import ServiceError

REGION = "CN"


def normalize_phone(value, *, field: str = "phone") -> str:
    """The number in E.164, or "" for a blank one; ServiceError for anything that is not a number."""
    text = str(value or "").strip()
    if not text:
        return ""
    number = _parsed(text)
    if number is None:
        raise ServiceError(
            _(
                "“%(value)s” is not a phone number. Write a mobile number such as 138 0013 8000, or a landline with its area code."
            )
            % {"value": text[:40]},
            field=field,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parsed(value) -> phonenumbers.PhoneNumber | None:
    """A valid number, or None: for values already stored (E.164, or text kept from before)."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def as_e164(value) -> str:
    """The stored number in E.164 for comparing two numbers; "" for a blank or unreadable one
    (two numbers kept from before that nobody can read are not "the same phone")."""
    number = _parsed(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else ""


def display_phone(value) -> str:
    """The number as people read it: 138 0013 8000 and 0471 111 1111 for mainland numbers, the
    international form (+1 212-555-2368) for others, and text kept from before as it was written."""
    number = _parsed(value)
    if number is None:
        return str(value or "").strip()
    if phonenumbers.region_code_for_number(number) == REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def is_mobile(value) -> bool:
    """Only mobile numbers receive SMS (a landline would make the provider refuse the message)."""
    number = _parsed(value)
    return number is not None and phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def mainland_mobile(value, *, field: str = "phone") -> str:
    """A mainland mobile number in E.164, for logging in and signing up by SMS code; ServiceError
    for anything else (a landline or a foreign number cannot receive the code)."""
    phone = normalize_phone(value, field=field)
    number = _parsed(phone)
    if not phone or phonenumbers.region_code_for_number(number) != REGION or not is_mobile(phone):
        raise ServiceError(
            _("Write a mainland mobile number, such as 138 0013 8000: the code is sent to it by SMS."),
            field=field,
        )
    return phone
