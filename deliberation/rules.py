"""Who may do what. The role × action table is in docs/permissions.md; tests/deliberation/
test_rules.py checks every permission against every role."""

import rules

from .predicates import (
    has_no_membership,
    in_source_state,
    is_assigned_company_staff,
    is_authenticated,
    is_community_worker,
    is_not_escalated,
    is_offline_request,
    is_property_staff,
    is_published_community,
    is_requester,
    is_responsible_committee,
    is_responsible_street,
    is_site_admin,
    is_street_officer,
    is_street_officer_for,
    is_verified_member,
)

# Reaching anything of a community (hall, requests, meetings, resolutions): everyone once its page
# is published; before that only its workers and site admins, who are setting it up.
rules.add_perm("deliberation.reach_community", is_published_community | is_community_worker | is_site_admin)

# Joining a community: any signed-in person without a pending or approved membership there.
rules.add_perm("deliberation.request_membership", is_authenticated & has_no_membership)

# Verifying members, managing roles and the household roster: the community's workers.
rules.add_perm("deliberation.view_members", is_community_worker | is_street_officer_for | is_site_admin)
rules.add_perm("deliberation.decide_membership", is_community_worker | is_site_admin)
rules.add_perm("deliberation.change_role", is_community_worker | is_site_admin)
# Linking a roster owner to a member's account (they then vote as that owner): the workers.
rules.add_perm("deliberation.link_owner", is_community_worker | is_site_admin)
rules.add_perm("deliberation.import_roster", is_community_worker | is_site_admin)
rules.add_perm("deliberation.export_roster", is_community_worker | is_street_officer_for | is_site_admin)

# --- The deliberation hall (requests). Objects: a community page or a request. ---------------

# Submitting online: verified members. Recording a visit or a call: the community's workers.
rules.add_perm("deliberation.submit_request", is_verified_member)
rules.add_perm("deliberation.record_request", is_community_worker | is_site_admin)
# Who may take part in a request's handling, in any state. The views' refusals name these.
# Triage (accept, reject, reopen, close, escalate): the community's workers.
may_triage = is_community_worker | is_site_admin
# Official responses and resolving: whoever the request is assigned to, and the workers.
may_handle = (
    is_community_worker
    | is_assigned_company_staff
    | is_responsible_committee
    | is_responsible_street
    | is_site_admin
)
# Evaluating: the requester, or a worker recording the evaluation of someone without an account.
may_evaluate = is_requester | (is_offline_request & is_community_worker)
rules.add_perm("deliberation.triage_request", may_triage)
rules.add_perm("deliberation.handle_request", may_handle)
rules.add_perm("deliberation.evaluate_request", may_evaluate)
# Supports: verified members of the request's community, never the author.
rules.add_perm("deliberation.support_request", is_verified_member & ~is_requester)
# The requester's name (even when not shown publicly), contact phone and intake details: the
# requester, the community's workers and the staff of the party the request is assigned to (who
# must call for a home repair). deliberation/people.py asks this for every name it shows.
reaches_requester = (
    is_community_worker
    | is_assigned_company_staff
    | is_responsible_committee
    | is_responsible_street
    | is_site_admin
)
rules.add_perm("deliberation.view_requester_contact", is_requester | reaches_requester)
# Whether the requester was told of each step (per channel, with the mail server's errors): the
# staff who may reach the requester, so they know when to call instead. Not the requester: their
# inbox is their record.
rules.add_perm("deliberation.view_request_deliveries", reaches_requester)

# --- Finding one's way: which pages the header leads to (selectors.nav_links_for) -----------
# "My requests": the community's verified members who are not its workers (a worker's requests
# are the work queue); anyone who has submitted a request also sees it (selectors.nav_links_for).
rules.add_perm("deliberation.follow_own_requests", is_verified_member & ~is_community_worker)
# The community's work queue (requests to accept, overdue ones): its workers, as triage.
# The requests assigned to one's property company: its staff. No object: the company's.
rules.add_perm("deliberation.view_company_queue", is_property_staff)
# The escalations and statistics of one's street: its officers. No object: the street's.
rules.add_perm("deliberation.oversee_street", is_street_officer)

# --- The outbox (object: a community, or a delivery of it) ------------------------------------
# Failed notices and sending them again: the community's workers. Street officers read the
# members page but act on no request they do not handle (view_requester_contact), and the outbox
# lists every failed notice to every requester and participant of the community, so it is not
# theirs.
rules.add_perm("deliberation.view_outbox", is_community_worker | is_site_admin)
rules.add_perm("deliberation.retry_delivery", is_community_worker | is_site_admin)

# Each transition of a request, now: who (above) and from which states (Request.TRANSITIONS,
# through ``in_source_state``). The request page shows a transition's button exactly when its
# permission holds; the service still refuses any state the table does not list.
TRANSITION_PERMISSIONS = {
    "accept": "deliberation.accept_request",
    "reject": "deliberation.reject_request",
    "respond": "deliberation.respond_to_request",
    "resolve": "deliberation.resolve_request",
    "evaluate": "deliberation.evaluate_request_now",
    "reopen": "deliberation.reopen_request",
    "close": "deliberation.close_request",
    "escalate": "deliberation.escalate_request",
}
WHO = {
    "accept": may_triage,
    "reject": may_triage,
    "respond": may_handle,
    "resolve": may_handle,
    "evaluate": may_evaluate,
    "reopen": may_triage,
    "close": may_triage,
    "escalate": may_triage & is_not_escalated,
}
for _transition, _perm in TRANSITION_PERMISSIONS.items():
    rules.add_perm(_perm, WHO[_transition] & in_source_state(_transition))
