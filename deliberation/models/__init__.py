"""Deliberation models, one module per feature area.

- ``people``: accounts, property companies, buildings, households, owners, memberships, roles
  and the inbox. A community itself is a Wagtail page (``cms.CommunityPage``).
- ``hall``: the deliberation hall's requests (诉求), categories, responses, photos and timeline.
- ``delivery``: the outbox (one delivery per notice, person and channel) and SMS short links.
- ``statistics``: each community's statistics summary, so a street's statistics add up rows.
- ``pages``: the hall's Wagtail page below each community (its rules, notices and contacts,
  and the routes of the hall's screens).
"""

from .delivery import Delivery, ShortLink, about_key
from .hall import (
    Category,
    Channel,
    Request,
    RequestEvent,
    RequestPhoto,
    Response,
    ResponsibleParty,
)
from .pages import HallPage
from .people import (
    COMMUNITY_ROLES,
    Building,
    EmailOnlyUserManager,
    Household,
    Membership,
    Notification,
    Owner,
    PropertyCompany,
    Role,
    RoleEvent,
    Tenure,
    User,
    new_feed_token,
)
from .statistics import CommunityFigures

__all__ = [
    "Building",
    "CommunityFigures",
    "about_key",
    "Category",
    "Delivery",
    "Channel",
    "COMMUNITY_ROLES",
    "EmailOnlyUserManager",
    "HallPage",
    "Household",
    "Membership",
    "new_feed_token",
    "Notification",
    "Owner",
    "PropertyCompany",
    "Request",
    "RequestEvent",
    "RequestPhoto",
    "Response",
    "ResponsibleParty",
    "Role",
    "ShortLink",
    "RoleEvent",
    "Tenure",
    "User",
]
