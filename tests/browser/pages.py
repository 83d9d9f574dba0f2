"""The pages every accessibility run checks, in both languages.

Add a page with one line: a name, a function from the ``world`` fixture (plus any extra
fixtures listed in ``needs``) to a path, and who is logged in (an attribute of ``world``, or
None for an anonymous visitor). The live page is also checked on daphne with its WebSocket
connected and a motion open (test_journey_live).
"""

from collections.abc import Callable
from dataclasses import dataclass

from deliberation.selectors import hall_url, request_url


@dataclass(frozen=True)
class PageCase:
    name: str
    path: Callable[..., str]
    login_as: str | None = None
    needs: tuple[str, ...] = ()  # extra fixtures passed to ``path`` by name, after ``world``

    def __str__(self) -> str:
        return self.name


A11Y_PAGES = [
    PageCase("home", lambda world: "/"),
    PageCase("community", lambda world: world.community.url),
    PageCase("community-as-worker", lambda world: world.community.url, login_as="worker"),
    PageCase("login", lambda world: "/accounts/login/"),
    PageCase("signup", lambda world: "/accounts/signup/"),
    PageCase("password-reset", lambda world: "/accounts/password/reset/"),
    PageCase("profile", lambda world: "/profile/", login_as="resident"),
    PageCase("join", lambda world: f"/communities/{world.community.pk}/join/", login_as="outsider"),
    PageCase("members", lambda world: f"/communities/{world.community.pk}/members/", login_as="worker"),
    PageCase("roster", lambda world: f"/communities/{world.community.pk}/roster/", login_as="worker"),
    PageCase("inbox", lambda world: "/inbox/", login_as="worker"),
    PageCase("hall", lambda world, r: hall_url(world.community), needs=("hall_request",)),
    PageCase(
        "request-detail",
        lambda world, r: request_url(r),
        login_as="worker",
        needs=("hall_request",),
    ),
    PageCase("request-public", lambda world, r: request_url(r), needs=("hall_request",)),
    PageCase("submit-form", lambda world: hall_url(world.community, "request_new"), login_as="resident"),
    PageCase("meeting", lambda world, m: f"/meetings/{m.pk}/", login_as="worker", needs=("polling_meeting",)),
    PageCase(
        "live", lambda world, lm: f"/meetings/{lm[0].pk}/live/", login_as="worker", needs=("live_meeting",)
    ),
    PageCase("live-public", lambda world, lm: f"/meetings/{lm[0].pk}/live/", needs=("live_meeting",)),
    PageCase(
        "statistics",
        lambda world, r: f"/communities/{world.community.pk}/statistics/",
        needs=("hall_request",),
    ),
]

LANGUAGES = ["zh-hans", "en"]
