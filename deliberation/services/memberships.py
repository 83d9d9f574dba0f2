"""Joining a community, verification by a community worker, and role changes (all audited)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import ServiceError

from ..models import (
    COMMUNITY_ROLES,
    Household,
    Membership,
    Owner,
    PropertyCompany,
    Role,
    RoleEvent,
    Tenure,
    User,
)
from ..selectors import community_workers
from .notifications import notify
from .owners import owner_link


def _find_household(community, building: str, unit: str, room: str) -> Household | None:
    return (
        Household.objects.for_community(community)
        .filter(building__name=building.strip(), unit=unit.strip(), room=room.strip())
        .first()
    )


@transaction.atomic
def membership_request(
    *, user: User, community, building: str, unit: str, room: str, tenure: str
) -> Membership:
    """A user asks to join ``community`` naming their household. Workers are told.

    Asking again after a rejection is a new application: it gets today's date and its own notice
    (keyed by its audit event), so the workers hear of it as they did of the first one.
    """
    if tenure not in Tenure.values:
        raise ServiceError(_("Choose whether you are an owner, a family member or a tenant."), field="tenure")
    if not (building.strip() and unit.strip() and room.strip()):
        raise ServiceError(_("Give your building, unit and room."))
    existing = (
        Membership.objects.select_for_update(of=("self",)).filter(user=user, community=community).first()
    )
    if existing and existing.status != Membership.Status.REJECTED:
        raise ServiceError(_("You have already asked to join this community."))
    household = _find_household(community, building, unit, room)
    fields = dict(
        household=household,
        claimed_building=building.strip(),
        claimed_unit=unit.strip(),
        claimed_room=room.strip(),
        tenure=tenure,
        status=Membership.Status.PENDING,
        role=Role.RESIDENT,
        decided_at=None,
        decided_by=None,
        decision_note="",
    )
    if existing:
        fields["requested_at"] = timezone.now()
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        membership = existing
    else:
        membership = Membership.objects.create(user=user, community=community, **fields)
    application = RoleEvent.objects.create(
        user=user,
        community=community,
        kind=RoleEvent.Kind.REQUESTED,
        new_value=membership.claimed_address,
        by=user,
    )
    staff_url = reverse("members", kwargs={"community_id": community.pk})
    for worker in community_workers(community):
        notify(
            user=worker,
            template="deliberation/mail/membership_requested",
            context={"membership": membership, "community": community},
            url=staff_url,
            key=f"membership-requested-{membership.pk}-{application.pk}",
        )
    return membership


def _decide(*, membership: Membership, by: User, status: str, note: str, household=None) -> Membership:
    locked = Membership.objects.select_for_update(of=("self",)).get(pk=membership.pk)
    if locked.status != Membership.Status.PENDING:
        raise ServiceError(_("This request has already been decided."))
    locked.status = status
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.decision_note = note
    if household is not None:
        locked.household = household
    locked.save()
    RoleEvent.objects.create(
        user=locked.user,
        community=locked.community,
        kind=RoleEvent.Kind.APPROVED if status == Membership.Status.APPROVED else RoleEvent.Kind.REJECTED,
        new_value=locked.role,
        note=note,
        by=by,
    )
    notify(
        user=locked.user,
        template="deliberation/mail/membership_decided",
        context={"membership": locked, "community": locked.community},
        url=reverse("profile"),
        key=f"membership-decided-{locked.pk}-{locked.decided_at.timestamp():.0f}",
    )
    return locked


@transaction.atomic
def membership_approve(
    *,
    membership: Membership,
    by: User,
    household: Household | None = None,
    owner: Owner | None = None,
    not_an_owner: bool = False,
) -> Membership:
    """Verify a member. The household is the one claimed, or one the worker picks from the roster.

    Someone joining as an owner of a household with owners on the roster is linked to one of them
    (``owner``), so they can vote as that owner; the worker must say which, or that they are none
    of them (``not_an_owner``): a claim to be an owner is never taken on the person's word alone.
    """
    household = (
        household
        or membership.household
        or _find_household(
            membership.community,
            membership.claimed_building,
            membership.claimed_unit,
            membership.claimed_room,
        )
    )
    if household is None:
        raise ServiceError(
            _("No household %(address)s is on the roster. Import the roster or pick the household.")
            % {"address": membership.claimed_address}
        )
    if household.community.pk != membership.community_id:
        raise ServiceError(_("That household belongs to another community."))
    if owner is not None and owner.household_id != household.pk:
        raise ServiceError(
            _("That owner is not on the roster of household %(household)s.") % {"household": household},
            field="owner",
        )
    if (
        owner is None
        and not not_an_owner
        and membership.tenure == Tenure.OWNER
        and household.owners.filter(user__isnull=True).exists()
    ):
        raise ServiceError(
            _("Confirm which owner of %(household)s this person is, or that they are none of them.")
            % {"household": household},
            field="owner",
        )
    approved = _decide(
        membership=membership, by=by, status=Membership.Status.APPROVED, note="", household=household
    )
    if owner is not None:
        owner_link(owner=owner, user=approved.user, by=by)
    return approved


@transaction.atomic
def membership_reject(*, membership: Membership, by: User, reason: str) -> Membership:
    if not reason.strip():
        raise ServiceError(_("Give a reason: the person is told why."), field="reason")
    limit = Membership._meta.get_field("decision_note").max_length
    if len(reason.strip()) > limit:
        raise ServiceError(_("The reason is at most %(n)d characters.") % {"n": limit}, field="reason")
    return _decide(membership=membership, by=by, status=Membership.Status.REJECTED, note=reason.strip())


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, by: User) -> Membership:
    if role not in COMMUNITY_ROLES:
        raise ServiceError(_("That role cannot be given inside a community."), field="role")
    locked = Membership.objects.select_for_update(of=("self",)).get(pk=membership.pk)
    if locked.status != Membership.Status.APPROVED:
        raise ServiceError(_("Only verified members can be given a role."))
    if locked.role == role:
        return locked
    old = locked.role
    locked.role = role
    locked.save(update_fields=["role"])
    RoleEvent.objects.create(
        user=locked.user,
        community=locked.community,
        kind=RoleEvent.Kind.ROLE_CHANGED,
        old_value=old,
        new_value=role,
        by=by,
    )
    return locked


@transaction.atomic
def user_set_property_company(*, user: User, company: PropertyCompany | None, by: User | None) -> User:
    old = user.property_company
    user.property_company = company
    user.save(update_fields=["property_company"])
    RoleEvent.objects.create(
        user=user,
        kind=RoleEvent.Kind.COMPANY_SET,
        old_value=str(old or ""),
        new_value=str(company or ""),
        by=by,
    )
    return user


@transaction.atomic
def user_set_street_office(*, user: User, street, by: User | None) -> User:
    old = user.street_office
    user.street_office = street
    user.save(update_fields=["street_office"])
    RoleEvent.objects.create(
        user=user,
        kind=RoleEvent.Kind.STREET_SET,
        old_value=str(old or ""),
        new_value=str(street or ""),
        by=by,
    )
    return user


def user_roles(user: User) -> list[tuple[str, str]]:
    """(role label, where) pairs for the profile page."""
    roles = [
        (m.get_role_display(), m.community.title)
        for m in user.memberships.approved().select_related("community")
    ]
    if user.property_company_id:
        roles.append((Role.PROPERTY.label, user.property_company.name))
    if user.street_office_id:
        roles.append((Role.STREET.label, user.street_office.title))
    return roles
