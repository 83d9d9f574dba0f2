"""Services for meetings: every change to a meeting goes through a function here.

- ``convening``: create, edit, participants, agenda, invitations, cancel, the 24-hour reminder.
- ``polls``: the time poll (candidate slots, answers, fixing the time).
- ``rsvp``: participants' accept / tentative / decline answers.
- ``minutes``, ``motions``: the live meeting; ``checkin``: check-in by the door's QR code.

Refusals raise ``cms.services.ServiceError`` (the same class as the deliberation hall's) with a translated
message, so views show it next to the form.
"""

from django.utils.translation import gettext as _

from cms.services import NotFound as ScopedNotFound


class NotFound(ScopedNotFound):
    """An id the caller sent names nothing in this meeting: views answer 404, the socket
    ``not_found``. Lookups by id live in the services, so both paths scope them the same way."""

    def __init__(self):
        super().__init__(_("Not found in this meeting."))
