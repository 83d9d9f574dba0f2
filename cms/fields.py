"""Form fields every app's forms use for ids and text, so hostile input is a form error, never a 5xx.

Ids: a posted id must look like a key (1 to 18 ASCII digits, the same rule as the ``<id:...>``
path converter) before it reaches the database. ``abc`` makes Django raise ``ValueError`` and a
23-digit number overflows SQLite and PostgreSQL, both as a 500.

Text: control characters are refused with a message that says so. A single-line field (a title,
a place, a name) refuses line breaks, because it ends up in mail subjects, calendar lines and
headings that a line break breaks; a multi-line field keeps line breaks (``\\r\\n`` and ``\\r``
become ``\\n``) and tabs, and refuses the other control characters.
"""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from .converters import is_id
from .text import LINE_BREAKS


class ModelIdChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` whose value is checked to be an id before the query."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not is_id(value if isinstance(value, int) else str(value).strip()):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(str(value).strip())


class ModelIdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """The same for a list of ids (ticked checkboxes)."""

    def _check_values(self, value):
        for one in value:
            if not is_id(str(one).strip()):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": one}
                )
        return super()._check_values([str(one).strip() for one in value])


def control_characters(text: str, *, allowed: str = "") -> set[str]:
    """The control characters (Unicode Cc, and the line and paragraph separators) in ``text``."""
    return {
        char for char in text if char not in allowed and (unicodedata.category(char) in ("Cc", "Zl", "Zp"))
    }


def clean_text(value: str, *, multiline: bool) -> str:
    """Normalise line breaks; raise ``ValidationError`` for the characters a field cannot hold."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if control_characters(value, allowed="\n\t"):
            raise forms.ValidationError(
                _("The text contains invisible control characters. Remove them and try again."),
                code="control_characters",
            )
        return value
    if any(char in LINE_BREAKS for char in value):
        raise forms.ValidationError(_("Write this on one line, without line breaks."), code="line_break")
    if control_characters(value, allowed="\t"):
        raise forms.ValidationError(
            _("The text contains invisible control characters. Remove them and try again."),
            code="control_characters",
        )
    return value.replace("\t", " ")


class SingleLineField(forms.CharField):
    """A title, a place, a name, a reason: one line of text."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_text(value, multiline=False) if value else value


class MultiLineField(forms.CharField):
    """A description, a statement, minutes: several lines; a ``<textarea>`` unless told otherwise."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return clean_text(value, multiline=True) if value else value


class PhoneField(SingleLineField):
    """A phone number as a person types it (138 0013 8000, 0471-1234567, +86…): the phone keypad on
    a mobile, and the browser's saved number. The service checks and stores it
    (``deliberation.phones.normalize_phone``); the view shows its refusal on this field."""

    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})

    def __init__(self, *, max_length=40, required=False, **kwargs):
        super().__init__(max_length=max_length, required=required, **kwargs)
