"""Numbers as each provider wants them. The site stores E.164 (``+8613800138000``).

- Aliyun ``PhoneNumbers``: mainland numbers as the bare 11 digits ("+86/0086/86 or no prefix");
  other countries and regions as country code + number without "+" (``85212345678``), as the
  SendSms reference writes them.
- Tencent ``PhoneNumberSet``: E.164 with "+" for every number.
"""

import re

from django.utils.translation import gettext

from .errors import PermanentSmsError

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MAINLAND = re.compile(r"^\+861\d{10}$")


def e164(phone: str) -> str:
    """The number checked, spaces and dashes removed; PermanentSmsError if it is not E.164."""
    number = re.sub(r"[\s-]", "", phone or "")
    if not E164.match(number):
        raise PermanentSmsError(
            gettext("“%(phone)s” is not a phone number in international form (+86…).") % {"phone": phone},
            code="invalid_phone",
        )
    return number


def aliyun_number(phone: str) -> str:
    number = e164(phone)
    return number[3:] if MAINLAND.match(number) else number[1:]


def tencent_number(phone: str) -> str:
    return e164(phone)
