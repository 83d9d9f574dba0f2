"""The one public-name rule: by what name a person is shown, to whom.

Every page, export, mail and calendar that puts a person next to a request or a meeting asks this
module (templates through ``{% load people %}``). The table of who sees what is in
docs/permissions.md ("Names, e-mail and phone"). In short:

- a person's e-mail is shown only to the person themselves and to the staff who must reach them
  (the community's workers, the staff of the party a request is assigned to), and only when the
  person chose no name;
- a requester who did not tick "show my name" is "a resident" to everyone else, on every event
  of the request's timeline, in every list and in every mail to somebody else;
- somebody acting for an office (a worker accepting, a company answering, a secretary writing the
  minutes) is shown by their chosen name, or by their role when they chose none.
"""

from django.utils.translation import gettext_lazy

from .models import Membership, Role

#: What the public sees instead of a requester's name: "一位居民".
A_RESIDENT = gettext_lazy("a resident")


def chosen_name(person) -> str:
    """The name the person typed for themselves; never their e-mail or login."""
    return (getattr(person, "display_name", "") or "").strip() if person is not None else ""


def contact_name(person) -> str:
    """For the person themselves and the staff who must reach them: the name, else the e-mail."""
    if person is None:
        return ""
    return chosen_name(person) or person.email or person.username


def role_label(person, community=None) -> str:
    """What someone who chose no name is called: their role where they act, else "a resident"."""
    if community is not None:
        role = (
            Membership.objects.approved()
            .filter(user=person, community=community)
            .values_list("role", flat=True)
            .first()
        )
        if role in (Role.WORKER, Role.COMMITTEE, Role.REPRESENTATIVE):
            return str(Role(role).label)
    if person.property_company_id:
        return str(Role.PROPERTY.label)
    if person.street_office_id:
        return str(Role.STREET.label)
    return str(A_RESIDENT)


def _is(viewer, person) -> bool:
    return bool(
        viewer is not None and viewer.is_authenticated and person is not None and viewer.pk == person.pk
    )


def _sees_members(viewer, community) -> bool:
    """Who reads the members page (with its e-mail addresses) may see them elsewhere too."""
    return bool(
        viewer is not None
        and community is not None
        and viewer.has_perm("deliberation.view_members", community)
    )


def may_see_requester(viewer, request) -> bool:
    """The requester's name, phone and e-mail: ``deliberation.view_requester_contact``."""
    return bool(viewer is not None and viewer.has_perm("deliberation.view_requester_contact", request))


def public_name(person, *, viewer=None, request=None, community=None) -> str:
    """The name of ``person`` as ``viewer`` (None: the public, or a mail to somebody else) sees it.

    With ``request``, the requester of that request is hidden behind "a resident" unless they
    chose to show their name or the viewer may reach them. ``community`` (default: the request's)
    picks the role label of somebody acting for an office who chose no name.
    """
    if person is None:
        return ""
    if request is not None and person.pk == request.requester_id:
        if _is(viewer, person) or may_see_requester(viewer, request):
            return contact_name(person)
        if not request.show_name:
            return str(A_RESIDENT)
        return chosen_name(person) or str(A_RESIDENT)
    if community is None and request is not None:
        community = request.community
    if _is(viewer, person) or _sees_members(viewer, community):
        return contact_name(person)
    return chosen_name(person) or role_label(person, community)


def requester_name(request, *, viewer=None) -> str:
    """Who raised ``request``, as ``viewer`` sees it; offline requesters have no account."""
    if request.requester_id:
        return public_name(request.requester, viewer=viewer, request=request)
    if may_see_requester(viewer, request):
        return request.requester_name or str(A_RESIDENT)
    if request.show_name and request.requester_name.strip():
        return request.requester_name.strip()
    return str(A_RESIDENT)


def requester_phone(request, *, viewer=None) -> str:
    """The number to call for a home visit (as stored: E.164); empty for anyone who may not reach
    the requester. Templates show it with ``|phone``."""
    if not may_see_requester(viewer, request):
        return ""
    if request.requester_phone:
        return str(request.requester_phone)
    return str(request.requester.phone or "") if request.requester_id else ""


def official_name(person, *, community=None) -> str:
    """Somebody acting for an office, written once for everyone (the live minutes, a calendar)."""
    if person is None:
        return ""
    return chosen_name(person) or role_label(person, community)
