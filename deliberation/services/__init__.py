"""Services own the rules: every write to the domain goes through a function here.

Views, admin, commands and consumers call these; they never change models on their own.
Refusals raise ``cms.services.ServiceError``.
"""

from cms.services import ServiceError


class AlreadySubmitted(ServiceError):
    """The same form was posted twice: ``request`` is the one its first post created."""

    def __init__(self, message, *, request):
        super().__init__(message)
        self.request = request
