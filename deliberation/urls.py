from django.urls import path, re_path

from cms.converters import ID_REGEX as ID  # also registers <id:...> and <key:...>
from cms.converters import KEY_REGEX as KEY

from . import views, views_hall

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<id:notification_id>/", views.notification_open, name="notification_open"),
    path("communities/<id:community_id>/join/", views.community_join, name="community_join"),
    path("communities/<id:community_id>/members/", views.members, name="members"),
    path(
        "communities/<id:community_id>/members/<id:membership_id>/role/",
        views.membership_role,
        name="membership_role",
    ),
    path("communities/<id:community_id>/members/owners/link/", views.owner_link_view, name="owner_link"),
    path(
        "communities/<id:community_id>/members/owners/<id:owner_id>/unlink/",
        views.owner_unlink_view,
        name="owner_unlink",
    ),
    re_path(
        rf"^communities/(?P<community_id>{ID})/members/(?P<membership_id>{ID})/(?P<action>approve|reject)/$",
        views.membership_decide,
        name="membership_decide",
    ),
    path("communities/<id:community_id>/roster/", views.roster, name="roster"),
    path("communities/<id:community_id>/roster/template.xlsx", views.roster_template_download, name="roster_template"),
    path("communities/<id:community_id>/roster/export.xlsx", views.roster_download, name="roster_export"),
    # The deliberation hall
    path("communities/<id:community_id>/hall/", views_hall.hall, name="hall"),
    path("communities/<id:community_id>/hall/new/", views_hall.request_new, name="request_new"),
    path("communities/<id:community_id>/hall/record/", views_hall.request_record, name="request_record"),
    path("requests/<key:ref>/", views_hall.request_detail, name="request_detail"),
    re_path(
        rf"^requests/(?P<ref>{KEY})/(?P<action>support|withdraw)/$",
        views_hall.request_support,
        name="request_support",
    ),
    re_path(
        rf"^requests/(?P<ref>{KEY})/(?P<action>accept|reject|respond|resolve|evaluate|reopen|close|escalate)/$",
        views_hall.request_action,
        name="request_action",
    ),
    path("work/", views_hall.work, name="work_queue"),
    path(
        "communities/<id:community_id>/statistics/",
        views_hall.community_statistics_view,
        name="community_statistics",
    ),
    re_path(
        rf"^communities/(?P<community_id>{ID})/statistics\.(?P<fmt>csv|xlsx)$",
        views_hall.community_statistics_view,
        name="community_statistics_export",
    ),
    path("streets/<id:street_id>/statistics/", views_hall.street_statistics_view, name="street_statistics"),
    re_path(
        rf"^streets/(?P<street_id>{ID})/statistics\.(?P<fmt>csv|xlsx)$",
        views_hall.street_statistics_view,
        name="street_statistics_export",
    ),
]
