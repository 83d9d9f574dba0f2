"""Services for meetings: every change to a meeting goes through a function here.

- ``convening``: create, edit, participants, agenda, invitations, cancel, the 24-hour reminder.
- ``polls``: the time poll (candidate slots, answers, fixing the time).
- ``rsvp``: participants' accept / tentative / decline answers.

Refusals raise ``ServiceError`` (the same class as the deliberation hall's) with a translated
message, so views show it next to the form.
"""

from deliberation.services import ServiceError  # noqa: F401
