from django.urls import path, re_path

from cms.converters import ID_REGEX as ID  # also registers <id:...>

from . import views

urlpatterns = [
    path("communities/<id:community_id>/meetings/", views.meeting_list, name="meeting_list"),
    path("communities/<id:community_id>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<id:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<id:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<id:meeting_id>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("meetings/<id:meeting_id>/participants/", views.participant_add, name="meeting_participant_add"),
    path(
        "meetings/<id:meeting_id>/participants/<id:participant_id>/remove/",
        views.participant_remove,
        name="meeting_participant_remove",
    ),
    path("meetings/<id:meeting_id>/agenda/", views.agenda_add, name="meeting_agenda_add"),
    path(
        "meetings/<id:meeting_id>/agenda/from-requests/",
        views.agenda_from_requests,
        name="meeting_agenda_from_requests",
    ),
    re_path(
        rf"^meetings/(?P<meeting_id>{ID})/agenda/(?P<item_id>{ID})/(?P<action>remove|up|down)/$",
        views.agenda_change,
        name="meeting_agenda_change",
    ),
    path("meetings/<id:meeting_id>/invite/", views.meeting_schedule, name="meeting_schedule"),
    path("meetings/<id:meeting_id>/poll/", views.poll_open, name="meeting_poll_open"),
    path("meetings/<id:meeting_id>/poll/answer/", views.poll_answer, name="meeting_poll_answer"),
    path("meetings/<id:meeting_id>/poll/fix/", views.poll_fix, name="meeting_poll_fix"),
    path("meetings/<id:meeting_id>/rsvp/", views.meeting_rsvp, name="meeting_rsvp"),
    path("meetings/<id:meeting_id>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/respond/<key:token>/", views.meeting_respond, name="meeting_respond"),
    path("feeds/user/<key:token>.ics", views.feed_user, name="feed_user"),
    path("feeds/community/<id:community_id>.ics", views.feed_community, name="feed_community"),
    path("feeds/regenerate/", views.feed_regenerate, name="feed_regenerate"),
]
urlpatterns += __import__("meetings.urls_live").urls_live.urlpatterns  # live minutes, motions, resolutions
