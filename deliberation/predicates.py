"""django-rules predicates about a user's place in a community.

Each predicate takes the object a permission is asked about: a community page, or anything with a
``community`` attribute (a membership, a household, later a request or a meeting). Results are
cached per request by rules' own predicate cache where it matters; queries are single lookups.
"""

import rules

from cms.models import CommunityPage

from .models import Membership, Role
from .selectors import remembered_membership_role


def community_of(obj):
    if obj is None:
        return None
    if isinstance(obj, CommunityPage):
        return obj
    return getattr(obj, "community", None)


@rules.predicate
def is_published_community(user, obj):
    """The community's page is live in Wagtail (an unpublished one is still being set up)."""
    community = community_of(obj)
    return community is not None and community.live


@rules.predicate
def is_verified_member(user, obj):
    return remembered_membership_role(user, community_of(obj)) is not None


@rules.predicate
def is_community_worker(user, obj):
    return remembered_membership_role(user, community_of(obj)) == Role.WORKER


@rules.predicate
def is_representative(user, obj):
    return remembered_membership_role(user, community_of(obj)) == Role.REPRESENTATIVE


@rules.predicate
def is_committee_member(user, obj):
    return remembered_membership_role(user, community_of(obj)) == Role.COMMITTEE


@rules.predicate
def is_property_staff_for(user, obj):
    community = community_of(obj)
    return bool(
        user.is_authenticated
        and community is not None
        and user.property_company_id
        and user.property_company_id == community.property_company_id
    )


@rules.predicate
def is_street_officer_for(user, obj):
    community = community_of(obj)
    if not user.is_authenticated or community is None or not user.street_office_id:
        return False
    return community.get_parent().pk == user.street_office_id


@rules.predicate
def is_property_staff(user):
    """Staff of some property company (the requests assigned to it are their work)."""
    return bool(user.is_authenticated and user.property_company_id)


@rules.predicate
def is_street_officer(user):
    """An officer of some street office (its escalations and statistics are their work)."""
    return bool(user.is_authenticated and user.street_office_id)


@rules.predicate
def has_no_membership(user, obj):
    community = community_of(obj)
    if not user.is_authenticated or community is None:
        return False
    return (
        not Membership.objects.filter(user=user, community=community)
        .exclude(status=Membership.Status.REJECTED)
        .exists()
    )


is_authenticated = rules.is_authenticated
is_site_admin = rules.is_superuser


# --- requests (诉求): the object is a Request ------------------------------------------------


@rules.predicate
def is_requester(user, request):
    return bool(user.is_authenticated and request is not None and request.requester_id == user.pk)


@rules.predicate
def is_offline_request(user, request):
    """Recorded for someone without an account: a worker records their evaluation after a call."""
    return request is not None and request.requester_id is None


@rules.predicate
def is_assigned_company_staff(user, request):
    """Staff of the property company the request is assigned to, and only that company."""
    return bool(
        user.is_authenticated
        and request is not None
        and user.property_company_id
        and request.responsible_party == "property"
        and request.assigned_company_id == user.property_company_id
    )


@rules.predicate
def is_responsible_committee(user, request):
    return (
        request is not None
        and request.responsible_party == "committee"
        and is_committee_member(user, request)
    )


@rules.predicate
def is_responsible_street(user, request):
    return (
        request is not None
        and (request.responsible_party == "street" or request.escalated_at is not None)
        and is_street_officer_for(user, request)
    )


# --- a request's state: read off the transition table (Request.TRANSITIONS) ------------------


def in_source_state(transition: str):
    """The request is in a state ``transition`` may start from, as adhocracy4's phase predicates
    compose the phase into a permission. The table is the only place listing the states."""

    @rules.predicate(name=f"in_source_state_of_{transition}")
    def predicate(user, request):
        return request is not None and request.allows(transition)

    return predicate


@rules.predicate
def is_not_escalated(user, request):
    """Escalating is once per request; the status is kept, so this is not a state of the table."""
    return request is not None and request.escalated_at is None
