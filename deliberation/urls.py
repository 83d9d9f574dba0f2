from django.urls import path, re_path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/", views.notification_open, name="notification_open"),
    path("communities/<int:community_id>/join/", views.community_join, name="community_join"),
    path("communities/<int:community_id>/members/", views.members, name="members"),
    path(
        "communities/<int:community_id>/members/<int:membership_id>/role/",
        views.membership_role,
        name="membership_role",
    ),
    re_path(
        r"^communities/(?P<community_id>\d+)/members/(?P<membership_id>\d+)/(?P<action>approve|reject)/$",
        views.membership_decide,
        name="membership_decide",
    ),
    path("communities/<int:community_id>/roster/", views.roster, name="roster"),
    path("communities/<int:community_id>/roster/template.xlsx", views.roster_template_download, name="roster_template"),
    path("communities/<int:community_id>/roster/export.xlsx", views.roster_download, name="roster_export"),
]
