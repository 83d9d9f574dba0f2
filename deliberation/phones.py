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


def normalize_phone(value: str, *, field: str = "phone") -> str:
    """The number in E.164, or "" for a blank one; ServiceError for anything that is not a number."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ServiceError(
            _(
                "“%(value)s” is not a phone number. Write a mobile number such as 138 0013 8000, or a landline with its area code."
            )
            % {"value": text[:40]},
            field=field,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Only mobile numbers receive SMS (a landline would make the provider refuse the message)."""
    if not e164:
        return False
    try:
        number = phonenumbers.parse(e164, REGION)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
