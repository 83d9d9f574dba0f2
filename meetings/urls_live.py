"""URLs of the live meeting page, its no-JavaScript console forms, minutes and resolutions."""

from django.urls import path

from . import views_live as views

urlpatterns = [
    path("meetings/<int:meeting_id>/live/", views.meeting_live, name="meeting_live"),
    path("meetings/<int:meeting_id>/live/start/", views.live_start, name="meeting_live_start"),
    path("meetings/<int:meeting_id>/live/close/", views.live_close, name="meeting_live_close"),
    path("meetings/<int:meeting_id>/live/entries/", views.live_entry_add, name="meeting_live_entry_add"),
    path(
        "meetings/<int:meeting_id>/live/agenda/next/", views.live_agenda_next, name="meeting_live_agenda_next"
    ),
    path("meetings/<int:meeting_id>/live/checkin/", views.live_check_in, name="meeting_live_check_in"),
    path(
        "meetings/<int:meeting_id>/live/checkin/self/",
        views.live_check_in_self,
        name="meeting_live_check_in_self",
    ),
    path("meetings/<int:meeting_id>/live/motions/", views.live_motion_open, name="meeting_live_motion_open"),
    path(
        "meetings/<int:meeting_id>/live/motions/<int:motion_id>/close/",
        views.live_motion_close,
        name="meeting_live_motion_close",
    ),
    path(
        "meetings/<int:meeting_id>/live/motions/<int:motion_id>/ballot/",
        views.live_ballot_cast,
        name="meeting_live_ballot_cast",
    ),
    path(
        "meetings/<int:meeting_id>/live/motions/<int:motion_id>/proxy/",
        views.live_ballot_proxy,
        name="meeting_live_ballot_proxy",
    ),
    path("meetings/<int:meeting_id>/minutes/print/", views.minutes_print, name="meeting_minutes_print"),
    path("meetings/<int:meeting_id>/resolutions/", views.meeting_resolutions, name="meeting_resolutions"),
    path(
        "communities/<int:community_id>/resolutions/",
        views.community_resolutions,
        name="community_resolutions",
    ),
    path("resolutions/<int:resolution_id>/", views.resolution_detail, name="resolution_detail"),
    path("resolutions/<int:resolution_id>/actions/", views.action_add, name="resolution_action_add"),
    path("actions/<int:action_id>/progress/", views.action_progress, name="action_progress"),
]
