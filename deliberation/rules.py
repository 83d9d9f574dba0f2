"""Who may do what. The role × action table is in docs/permissions.md; tests/deliberation/
test_rules.py checks every permission against every role."""

import rules

from .predicates import (
    has_no_membership,
    is_authenticated,
    is_community_worker,
    is_site_admin,
    is_street_officer_for,
)

# Joining a community: any signed-in person without a pending or approved membership there.
rules.add_perm("deliberation.request_membership", is_authenticated & has_no_membership)

# Verifying members, managing roles and the household roster: the community's workers.
rules.add_perm("deliberation.view_members", is_community_worker | is_street_officer_for | is_site_admin)
rules.add_perm("deliberation.decide_membership", is_community_worker | is_site_admin)
rules.add_perm("deliberation.change_role", is_community_worker | is_site_admin)
rules.add_perm("deliberation.import_roster", is_community_worker | is_site_admin)
rules.add_perm("deliberation.export_roster", is_community_worker | is_street_officer_for | is_site_admin)
