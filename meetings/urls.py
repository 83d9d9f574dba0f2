from django.urls import path, re_path

from cms.converters import ID_REGEX as ID  # also registers <id:...>

from .views import (
    checkin,
    convening,
    feeds,
    live,
    moved,
    owners_vote_records,
    owners_votes,
    printing,
    resolutions,
)

urlpatterns = [
    # The list and the convening form live below each community's meetings page
    # (meetings.MeetingIndexPage); the old addresses answer a permanent redirect there. Build the
    # URLs with ``selectors.meetings_url`` or ``{% meetings_url %}``.
    path("communities/<id:community_id>/meetings/", moved.meetings_moved, name="meeting_list"),
    path(
        "communities/<id:community_id>/meetings/new/",
        moved.meetings_moved,
        {"rest": "new/"},
        name="meeting_create",
    ),
    path("meetings/<id:meeting_id>/", convening.meeting_detail, name="meeting_detail"),
    path("meetings/<id:meeting_id>/edit/", convening.meeting_edit, name="meeting_edit"),
    path("meetings/<id:meeting_id>/meeting.ics", feeds.meeting_ics, name="meeting_ics"),
    path("meetings/<id:meeting_id>/participants/", convening.participant_add, name="meeting_participant_add"),
    path(
        "meetings/<id:meeting_id>/participants/<id:participant_id>/remove/",
        convening.participant_remove,
        name="meeting_participant_remove",
    ),
    path("meetings/<id:meeting_id>/agenda/", convening.agenda_add, name="meeting_agenda_add"),
    path(
        "meetings/<id:meeting_id>/agenda/from-requests/",
        convening.agenda_from_requests,
        name="meeting_agenda_from_requests",
    ),
    re_path(
        rf"^meetings/(?P<meeting_id>{ID})/agenda/(?P<item_id>{ID})/(?P<action>remove|up|down)/$",
        convening.agenda_change,
        name="meeting_agenda_change",
    ),
    path("meetings/<id:meeting_id>/invite/", convening.meeting_schedule, name="meeting_schedule"),
    path("meetings/<id:meeting_id>/poll/", convening.poll_open, name="meeting_poll_open"),
    path("meetings/<id:meeting_id>/poll/answer/", convening.poll_answer, name="meeting_poll_answer"),
    path("meetings/<id:meeting_id>/poll/fix/", convening.poll_fix, name="meeting_poll_fix"),
    path("meetings/<id:meeting_id>/rsvp/", convening.meeting_rsvp, name="meeting_rsvp"),
    path("meetings/<id:meeting_id>/cancel/", convening.meeting_cancel, name="meeting_cancel"),
    path("meetings/respond/<key:token>/", convening.meeting_respond, name="meeting_respond"),
    path("feeds/user/<key:token>.ics", feeds.feed_user, name="feed_user"),
    path("feeds/community/<id:community_id>.ics", feeds.feed_community, name="feed_community"),
    path("feeds/regenerate/", feeds.feed_regenerate, name="feed_regenerate"),
    # The live meeting page, its no-JavaScript console and the printed minutes
    path("meetings/<id:meeting_id>/live/", live.meeting_live, name="meeting_live"),
    path("meetings/<id:meeting_id>/live/start/", live.live_start, name="meeting_live_start"),
    path("meetings/<id:meeting_id>/live/close/", live.live_close, name="meeting_live_close"),
    path("meetings/<id:meeting_id>/live/entries/", live.live_entry_add, name="meeting_live_entry_add"),
    path(
        "meetings/<id:meeting_id>/live/agenda/next/", live.live_agenda_next, name="meeting_live_agenda_next"
    ),
    path("meetings/<id:meeting_id>/live/checkin/", live.live_check_in, name="meeting_live_check_in"),
    path(
        "meetings/<id:meeting_id>/live/checkin/self/",
        live.live_check_in_self,
        name="meeting_live_check_in_self",
    ),
    # Check-in by the QR code at the door (services.checkin)
    path("meetings/<id:meeting_id>/live/checkin/qr/", checkin.checkin_qr, name="meeting_checkin_qr"),
    path("meetings/<id:meeting_id>/checkin/<key:token>/", checkin.checkin_link, name="meeting_checkin_link"),
    path("meetings/<id:meeting_id>/live/motions/", live.live_motion_open, name="meeting_live_motion_open"),
    path(
        "meetings/<id:meeting_id>/live/motions/<id:motion_id>/close/",
        live.live_motion_close,
        name="meeting_live_motion_close",
    ),
    path(
        "meetings/<id:meeting_id>/live/motions/<id:motion_id>/ballot/",
        live.live_ballot_cast,
        name="meeting_live_ballot_cast",
    ),
    path(
        "meetings/<id:meeting_id>/live/motions/<id:motion_id>/proxy/",
        live.live_ballot_proxy,
        name="meeting_live_ballot_proxy",
    ),
    path("meetings/<id:meeting_id>/minutes/print/", live.minutes_print, name="meeting_minutes_print"),
    path("meetings/<id:meeting_id>/minutes.pdf", printing.minutes_pdf, name="meeting_minutes_pdf"),
    path("meetings/<id:meeting_id>/notice.pdf", printing.meeting_notice_pdf, name="meeting_notice_pdf"),
    path(
        "resolutions/<id:resolution_id>/notice.pdf",
        printing.resolution_notice_pdf,
        name="resolution_notice_pdf",
    ),
    # Resolutions and their follow-up
    path(
        "meetings/<id:meeting_id>/resolutions/", resolutions.meeting_resolutions, name="meeting_resolutions"
    ),
    path(
        "communities/<id:community_id>/resolutions/",
        resolutions.community_resolutions,
        name="community_resolutions",
    ),
    path("resolutions/<id:resolution_id>/", resolutions.resolution_detail, name="resolution_detail"),
    # Owners' votes over a period (业主表决)
    path(
        "communities/<id:community_id>/owners-votes/",
        owners_votes.community_owners_votes,
        name="community_owners_votes",
    ),
    path(
        "communities/<id:community_id>/owners-votes/new/",
        owners_votes.owners_vote_create,
        name="owners_vote_create",
    ),
    path("owners-votes/<id:vote_id>/", owners_votes.owners_vote_detail, name="owners_vote_detail"),
    path(
        "owners-votes/<id:vote_id>/documents/",
        owners_votes.owners_vote_document_add,
        name="owners_vote_document_add",
    ),
    path(
        "owners-votes/<id:vote_id>/announce/", owners_votes.owners_vote_announce, name="owners_vote_announce"
    ),
    path("owners-votes/<id:vote_id>/close/", owners_votes.owners_vote_close, name="owners_vote_close"),
    path("owners-votes/<id:vote_id>/ballot/", owners_votes.owners_ballot, name="owners_ballot"),
    path(
        "owners-votes/<id:vote_id>/ballot/receipt/",
        owners_votes.owners_ballot_receipt,
        name="owners_ballot_receipt",
    ),
    path("owners-votes/<id:vote_id>/collect/", owners_votes.owners_collect, name="owners_collect"),
    path("owners-votes/<id:vote_id>/proxy/", owners_votes.owners_proxy, name="owners_proxy"),
    path(
        "owners-votes/<id:vote_id>/receipt/", owners_votes.owners_receipt_check, name="owners_receipt_check"
    ),
    # The records of an owners' vote: exports, evidence, the official platform's result
    path(
        "owners-votes/<id:vote_id>/export.csv",
        owners_vote_records.owners_vote_export_csv,
        name="owners_vote_export_csv",
    ),
    path(
        "owners-votes/<id:vote_id>/export-audit.csv",
        owners_vote_records.owners_vote_audit_csv,
        name="owners_vote_audit_csv",
    ),
    path(
        "owners-votes/<id:vote_id>/export.xlsx",
        owners_vote_records.owners_vote_export_xlsx,
        name="owners_vote_export_xlsx",
    ),
    path(
        "owners-votes/<id:vote_id>/evidence/<id:change_id>/",
        owners_vote_records.owners_vote_evidence,
        name="owners_vote_evidence",
    ),
    path(
        "owners-votes/<id:vote_id>/official/",
        owners_vote_records.owners_vote_official,
        name="owners_vote_official",
    ),
    path(
        "owners-votes/<id:vote_id>/official/document/",
        owners_vote_records.owners_vote_official_document,
        name="owners_vote_official_document",
    ),
    path("resolutions/<id:resolution_id>/actions/", resolutions.action_add, name="resolution_action_add"),
    path("actions/<id:action_id>/progress/", resolutions.action_progress, name="action_progress"),
]
