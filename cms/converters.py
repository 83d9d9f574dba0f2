"""Path converters shared by every app's ``urls.py``.

Django's ``<int:...>`` accepts any run of digits, so ``/meetings/99999999999999999999999/`` reaches
the database with a number no ``bigint`` column can hold: PostgreSQL raises (a 500) where SQLite
quietly finds nothing. ``<id:...>`` accepts at most 18 digits, which always fits a signed 64-bit
key, so an impossible id is a plain 404 before any view runs.
"""

import re

from django.urls import register_converter

MAX_ID_DIGITS = 18
ID_REGEX = rf"[0-9]{{1,{MAX_ID_DIGITS}}}"  # for the few ``re_path`` patterns


_ID = re.compile(ID_REGEX)


def is_id(value) -> bool:
    """Whether ``value`` (a str or an int) can be a primary key: the converter's rule, for forms."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < 10**MAX_ID_DIGITS
    return isinstance(value, str) and _ID.fullmatch(value) is not None


class IdConverter:
    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


#: Tracking numbers (SQ-2026-000123), feed tokens and signed links: printable ASCII keys only, so
#: a NUL byte (which PostgreSQL refuses in a text query, a 500) or other junk is a 404.
KEY_REGEX = r"[A-Za-z0-9_.:-]{1,300}"


class KeyConverter:
    regex = KEY_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


# Registered when a ``urls.py`` imports this module (Python imports it once).
register_converter(IdConverter, "id")
register_converter(KeyConverter, "key")
