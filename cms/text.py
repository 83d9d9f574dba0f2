"""Text that came from people, made safe for one-line places (mail headers, calendar properties).

Forms refuse control characters (``cms.fields``), but stored text may predate that, come from an
import or the admin. Mail and calendar code pass every stored string through these functions so
they never fail on it.
"""

import unicodedata

#: Everything Python's ``str.splitlines`` (and so a mail header or a content line) treats as a break.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def is_control(char: str) -> bool:
    return char in LINE_BREAKS or unicodedata.category(char) == "Cc"


def one_line(text) -> str:
    """``text`` on one line: every control character and line break becomes a space, runs of
    whitespace one space."""
    return " ".join("".join(" " if is_control(c) else c for c in str(text or "")).split())


def multi_line(text) -> str:
    """``text`` with ``\\n`` line breaks only: other breaks become ``\\n``, other controls go."""
    text = str(text or "").replace("\r\n", "\n")
    return "".join(
        "\n" if c in LINE_BREAKS else c for c in text if c in LINE_BREAKS or c == "\t" or not is_control(c)
    )
