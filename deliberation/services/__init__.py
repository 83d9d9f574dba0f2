"""Services own the rules: every write to the domain goes through a function here.

Views, admin, commands and consumers call these; they never change models on their own.
"""


class ServiceError(Exception):
    """A rule of the domain refused the change. ``message`` is translated, for the user."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class AlreadySubmitted(ServiceError):
    """The same form was posted twice: ``request`` is the one its first post created."""

    def __init__(self, message, *, request):
        super().__init__(message)
        self.request = request
