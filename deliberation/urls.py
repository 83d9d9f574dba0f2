from django.urls import path, re_path

from cms.converters import ID_REGEX as ID  # also registers <id:...> and <key:...>
from cms.converters import KEY_REGEX as KEY

from .models.pages import SUPPORT_ACTIONS, TRANSITION_ACTIONS
from .views import hall, moved, outbox, people, statistics

urlpatterns = [
    path("s/<slug:code>", outbox.short_link, name="short_link"),
    path("communities/<id:community_id>/outbox/", outbox.outbox_view, name="outbox"),
    path("communities/<id:community_id>/outbox/retry/", outbox.outbox_retry_all, name="outbox_retry_all"),
    path("deliveries/<id:delivery_id>/retry/", outbox.delivery_retry_view, name="delivery_retry"),
    path("profile/", people.profile, name="profile"),
    path("inbox/", people.inbox, name="inbox"),
    path("inbox/<id:notification_id>/", people.notification_open, name="notification_open"),
    path("communities/<id:community_id>/join/", people.community_join, name="community_join"),
    path("communities/<id:community_id>/members/", people.members, name="members"),
    path(
        "communities/<id:community_id>/members/<id:membership_id>/role/",
        people.membership_role,
        name="membership_role",
    ),
    path("communities/<id:community_id>/members/owners/link/", people.owner_link_view, name="owner_link"),
    path(
        "communities/<id:community_id>/members/owners/<id:owner_id>/unlink/",
        people.owner_unlink_view,
        name="owner_unlink",
    ),
    re_path(
        rf"^communities/(?P<community_id>{ID})/members/(?P<membership_id>{ID})/(?P<action>approve|reject)/$",
        people.membership_decide,
        name="membership_decide",
    ),
    path("communities/<id:community_id>/roster/", people.roster, name="roster"),
    path(
        "communities/<id:community_id>/roster/template.xlsx",
        people.roster_template_download,
        name="roster_template",
    ),
    path("communities/<id:community_id>/roster/export.xlsx", people.roster_download, name="roster_export"),
    # The deliberation hall lives below each community's hall page (deliberation.HallPage); its
    # old addresses answer a permanent redirect there. The names stay for old links only: build
    # URLs with ``selectors.hall_url`` / ``request_url`` or ``{% hall_url %}`` / ``{% request_url %}``.
    path("communities/<id:community_id>/hall/", moved.hall_moved, name="hall"),
    path("communities/<id:community_id>/hall/new/", moved.hall_moved, {"rest": "new/"}, name="request_new"),
    path(
        "communities/<id:community_id>/hall/record/",
        moved.hall_moved,
        {"rest": "record/"},
        name="request_record",
    ),
    re_path(rf"^communities/(?P<community_id>{ID})/hall/(?P<rest>.+)$", moved.hall_moved),
    path("requests/<key:ref>/", moved.request_moved, name="request_detail"),
    re_path(
        rf"^requests/(?P<ref>{KEY})/(?P<action>{SUPPORT_ACTIONS})/$",
        moved.request_moved,
        name="request_support",
    ),
    re_path(
        rf"^requests/(?P<ref>{KEY})/(?P<action>{TRANSITION_ACTIONS})/$",
        moved.request_moved,
        name="request_action",
    ),
    path("work/", hall.work, name="work_queue"),
    path("my/requests/", hall.my_requests, name="my_requests"),
    path(
        "communities/<id:community_id>/statistics/",
        statistics.community_statistics_view,
        name="community_statistics",
    ),
    re_path(
        rf"^communities/(?P<community_id>{ID})/statistics\.(?P<fmt>csv|xlsx)$",
        statistics.community_statistics_view,
        name="community_statistics_export",
    ),
    path("streets/<id:street_id>/requests/", hall.street_requests, name="street_requests"),
    path("streets/<id:street_id>/statistics/", statistics.street_statistics_view, name="street_statistics"),
    re_path(
        rf"^streets/(?P<street_id>{ID})/statistics\.(?P<fmt>csv|xlsx)$",
        statistics.street_statistics_view,
        name="street_statistics_export",
    ),
]
