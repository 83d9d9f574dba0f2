"""RSVP: a participant accepts, accepts tentatively or declines.

An answer changes the participant's PARTSTAT only. It never raises the meeting's SEQUENCE (RFC
5546: replies do not make a new version of the event) and sends nothing; the next update carries
everyone's PARTSTAT, and the meeting page shows the answers per party.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import ServiceError

from ..models import Meeting, Participant

ANSWERS = (Participant.PartStat.ACCEPTED, Participant.PartStat.TENTATIVE, Participant.PartStat.DECLINED)


@transaction.atomic
def participant_rsvp(*, participant: Participant, partstat: str) -> Participant:
    if partstat not in ANSWERS:
        raise ServiceError(_("Answer accept, tentative or decline."))
    locked = (
        Participant.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=participant.pk)
    )
    if locked.meeting.status != Meeting.Status.SCHEDULED:
        if locked.meeting.status == Meeting.Status.CANCELLED:
            raise ServiceError(_("This meeting was cancelled."))
        raise ServiceError(_("You can answer once the time is fixed and before the meeting starts."))
    locked.partstat = partstat
    locked.answered_at = timezone.now()
    locked.save(update_fields=["partstat", "answered_at"])
    return locked
