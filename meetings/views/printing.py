"""The printable PDFs for the lobby: the same permissions as the pages they print."""

from django.http import HttpResponse

from cms.views import PermissionView

from .. import printing
from .common import NOT_PUBLIC, MeetingMixin, ResolutionMixin


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class MeetingNoticePdf(MeetingMixin, PermissionView):
    permission_required = "meetings.view_meeting"
    permission_denied_message = NOT_PUBLIC
    allow_anonymous = True

    def get(self, request, meeting_id):
        return pdf_response(printing.meeting_notice_pdf(self.meeting), f"meeting-{meeting_id}-notice.pdf")


class ResolutionNoticePdf(ResolutionMixin, PermissionView):
    permission_required = "meetings.view_resolution"
    permission_denied_message = NOT_PUBLIC
    allow_anonymous = True

    def get(self, request, resolution_id):
        return pdf_response(
            printing.resolution_notice_pdf(self.resolution), f"resolution-{resolution_id}-notice.pdf"
        )


class MinutesPdf(MeetingMixin, PermissionView):
    permission_required = "meetings.view_live"
    permission_denied_message = NOT_PUBLIC
    allow_anonymous = True

    def get(self, request, meeting_id):
        return pdf_response(printing.minutes_pdf(self.meeting), f"meeting-{meeting_id}-minutes.pdf")


meeting_notice_pdf = MeetingNoticePdf.as_view()
resolution_notice_pdf = ResolutionNoticePdf.as_view()
minutes_pdf = MinutesPdf.as_view()
