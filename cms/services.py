"""What the apps' services share: the refusal every view, consumer and command shows the same way.

Services own the rules: every write to the domain goes through a function in
``deliberation/services`` or ``meetings/services``; they refuse by raising ``ServiceError``.
"""


class ServiceError(Exception):
    """A rule of the domain refused the change. ``message`` is translated, for the user; ``field``
    names the form field it is about, if any."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """An id the caller sent names nothing in the object it is scoped to: views answer 404."""
