"""Check-in by the QR code at the door (``services.checkin``).

``checkin_qr``: the code full screen, for the screen or the sheet at the door (whoever may check
people in). ``checkin_link``: what a phone opens when it scans the code. A signed-in participant
is checked in on the spot; anyone else is told why not; a visitor who is not signed in may log
in or confirm with an SMS code sent to the phone the invitation used. Every refusal is a page
that says why, with the status ``LinkRefused`` names.
"""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from cms.qr import qr_svg
from cms.services import ServiceError
from cms.views import PermissionView

from ..forms.live import CheckInPhoneForm, CheckInSmsCodeForm
from ..selectors import live_state
from ..services import checkin
from .common import MeetingMixin, meeting_from_url


class CheckinQrScreen(MeetingMixin, PermissionView):
    permission_required = "meetings.show_checkin_qr"
    permission_denied_message = gettext_lazy(
        "Only the meeting's secretary and the community's workers can show the check-in code."
    )

    def get(self, request, meeting_id):
        meeting = self.meeting
        state = live_state(meeting)
        url = ""
        if meeting.allows("prepare_live") and not state.is_finalised:  # else check-in is over
            url = checkin.checkin_url(meeting=meeting)
        return render(
            request,
            "meetings/checkin_qr.html",
            {
                "meeting": meeting,
                "state": state,
                "checkin_url": url,
                "qr": qr_svg(url, fluid=True) if url else "",
            },
        )


checkin_qr = CheckinQrScreen.as_view()

TEMPLATE = "meetings/checkin_link.html"


def _refused(request, meeting, error):
    """The reason, and the meeting's title only to those who may see the meeting: a link that
    is not valid proves nothing, and a members-only meeting's title is not for anyone."""
    shown = meeting if request.user.has_perm("meetings.view_meeting", meeting) else None
    status = getattr(error, "status", 403)
    return render(request, TEMPLATE, {"meeting": shown, "refused": error.message}, status=status)


def _done(request, meeting, result):
    return render(request, TEMPLATE, {"meeting": meeting, "checked_in": result})


def checkin_link(request, meeting_id, token):
    """GET: check in a signed-in participant, or offer the ways in; POST (not signed in): ask
    for an SMS code (``action=send``) or confirm with it (``action=confirm``)."""
    meeting = meeting_from_url(request, meeting_id)
    try:
        checkin.checkin_link_verify(meeting=meeting, token=token)
        if request.user.is_authenticated:
            if not request.user.has_perm("meetings.check_in_self", meeting):
                raise checkin.LinkRefused(checkin.NOT_A_PARTICIPANT)
            return _done(
                request, meeting, checkin.checkin_by_link(meeting=meeting, token=token, user=request.user)
            )
        if request.method == "POST":
            return _by_phone(request, meeting, token)
    except checkin.LinkRefused as error:
        return _refused(request, meeting, error)
    return _ways_in(request, meeting)


def _ways_in(request, meeting, *, phone_form=None, code_form=None, status=200):
    context = {
        "meeting": meeting,
        "login_url": reverse("account_login") + "?" + urlencode({"next": request.path}),
        "phone_form": phone_form or CheckInPhoneForm(),
        "code_form": code_form,
    }
    return render(request, TEMPLATE, context, status=status)


def _by_phone(request, meeting, token):
    """The two steps for a participant without an account; ``LinkRefused`` goes to the caller."""
    if request.POST.get("action") == "confirm":
        form = CheckInSmsCodeForm(request.POST)
        if form.is_valid():
            try:
                result = checkin.checkin_code_confirm(meeting=meeting, token=token, **form.cleaned_data)
            except checkin.LinkRefused:
                raise
            except ServiceError as error:
                _add_error(form, error)
            else:
                return _done(request, meeting, result)
        return _ways_in(request, meeting, code_form=form, status=400)
    form = CheckInPhoneForm(request.POST)
    if form.is_valid():
        try:
            phone = checkin.checkin_code_send(meeting=meeting, token=token, phone=form.cleaned_data["phone"])
        except checkin.LinkRefused:
            raise
        except ServiceError as error:
            _add_error(form, error)
        else:
            # The same answer whether the number is on the list or not.
            return _ways_in(request, meeting, code_form=CheckInSmsCodeForm(initial={"phone": phone}))
    return _ways_in(request, meeting, phone_form=form, status=400)


def _add_error(form, error):
    """A refusal about a visible field goes next to it; any other above the form."""
    field = error.field if error.field in form.fields and not form[error.field].is_hidden else None
    form.add_error(field, error.message)
