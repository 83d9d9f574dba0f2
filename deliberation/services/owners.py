"""Linking a roster owner (``Owner``) to the account of the person it names.

A link is what lets an owner cast their own art. 278 ballot instead of relying on a written proxy,
so only a community worker makes it, after checking the person (usually when verifying their
membership as an owner). Every link and unlink is a ``RoleEvent``: who, when, which owner.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.services import ServiceError

from ..models import Membership, Owner, RoleEvent, User
from ..phones import as_e164


def _name(name: str) -> str:
    return "".join((name or "").split())


def owner_suggestions(*, user: User, owners) -> list[Owner]:
    """The roster owners among ``owners`` whose name or phone matches the account's (a hint for the
    worker, never a link by itself: a name can be shared and a phone can be a family's)."""
    name, phone = _name(user.display_name), as_e164(user.phone)
    return [
        owner
        for owner in owners
        if owner.user_id is None
        and ((name and _name(owner.name) == name) or (phone and as_e164(owner.phone) == phone))
    ]


def _label(owner: Owner) -> str:
    return f"{owner.household} {owner.name}"[:120]


@transaction.atomic
def owner_link(*, owner: Owner, user: User, by: User) -> Owner:
    """Confirm that ``user`` is the roster owner ``owner``. The person must be a verified member of
    the owner's community; an owner already linked to someone else must be unlinked first."""
    owner = (
        Owner.objects.select_for_update(of=("self",)).select_related("household__building").get(pk=owner.pk)
    )
    community = owner.household.building.community
    if not Membership.objects.approved().filter(user=user, community=community).exists():
        raise ServiceError(
            _("Only a verified member of the community can be linked to an owner."), field="user"
        )
    if owner.user_id == user.pk:
        return owner
    if owner.user_id is not None:
        raise ServiceError(
            _("This owner is already linked to another account. Unlink it first."), field="owner"
        )
    if Owner.objects.filter(household=owner.household, user=user).exists():
        raise ServiceError(
            _("This person is already linked to another owner of the same household."), field="owner"
        )
    owner.user, owner.linked_by, owner.linked_at = user, by, timezone.now()
    owner.save(update_fields=["user", "linked_by", "linked_at"])
    RoleEvent.objects.create(
        user=user, community=community, kind=RoleEvent.Kind.OWNER_LINKED, new_value=_label(owner), by=by
    )
    return owner


@transaction.atomic
def owner_unlink(*, owner: Owner, by: User) -> Owner:
    """Undo a link (a mistake, a sale). Ballots already cast stay: they were the owner's then."""
    owner = (
        Owner.objects.select_for_update(of=("self",)).select_related("household__building").get(pk=owner.pk)
    )
    if owner.user_id is None:
        raise ServiceError(_("This owner is not linked to an account."), field="owner")
    user = owner.user
    owner.user, owner.linked_by, owner.linked_at = None, None, None
    owner.save(update_fields=["user", "linked_by", "linked_at"])
    RoleEvent.objects.create(
        user=user,
        community=owner.household.building.community,
        kind=RoleEvent.Kind.OWNER_UNLINKED,
        old_value=_label(owner),
        by=by,
    )
    return owner
