"""URLs of the live meeting page, its no-JavaScript console forms, minutes and resolutions."""

from django.urls import path

import cms.converters  # noqa: F401  (registers <id:...>)

from . import views_live as views

urlpatterns = [
    path("meetings/<id:meeting_id>/live/", views.meeting_live, name="meeting_live"),
    path("meetings/<id:meeting_id>/live/start/", views.live_start, name="meeting_live_start"),
    path("meetings/<id:meeting_id>/live/close/", views.live_close, name="meeting_live_close"),
    path("meetings/<id:meeting_id>/live/entries/", views.live_entry_add, name="meeting_live_entry_add"),
    path(
        "meetings/<id:meeting_id>/live/agenda/next/", views.live_agenda_next, name="meeting_live_agenda_next"
    ),
    path("meetings/<id:meeting_id>/live/checkin/", views.live_check_in, name="meeting_live_check_in"),
    path(
        "meetings/<id:meeting_id>/live/checkin/self/",
        views.live_check_in_self,
        name="meeting_live_check_in_self",
    ),
    path("meetings/<id:meeting_id>/live/motions/", views.live_motion_open, name="meeting_live_motion_open"),
    path(
        "meetings/<id:meeting_id>/live/motions/<id:motion_id>/close/",
        views.live_motion_close,
        name="meeting_live_motion_close",
    ),
    path(
        "meetings/<id:meeting_id>/live/motions/<id:motion_id>/ballot/",
        views.live_ballot_cast,
        name="meeting_live_ballot_cast",
    ),
    path(
        "meetings/<id:meeting_id>/live/motions/<id:motion_id>/proxy/",
        views.live_ballot_proxy,
        name="meeting_live_ballot_proxy",
    ),
    path("meetings/<id:meeting_id>/minutes/print/", views.minutes_print, name="meeting_minutes_print"),
    path("meetings/<id:meeting_id>/resolutions/", views.meeting_resolutions, name="meeting_resolutions"),
    path(
        "communities/<id:community_id>/resolutions/",
        views.community_resolutions,
        name="community_resolutions",
    ),
    path("resolutions/<id:resolution_id>/", views.resolution_detail, name="resolution_detail"),
    path("resolutions/<id:resolution_id>/actions/", views.action_add, name="resolution_action_add"),
    path("actions/<id:action_id>/progress/", views.action_progress, name="action_progress"),
]
