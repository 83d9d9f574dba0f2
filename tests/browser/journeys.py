"""Steps of the user journeys, as a person does them in the browser.

Each step takes a Playwright page (one person) and the server's base URL, and finds elements by
their form field names or stable ids rather than by their (translated) text, so the same steps
run in Chinese and in English (journey 4). Later steps — submitting a request with a photo,
supporting it, the meeting and the live minutes — are added here the same way.
"""

import re

from django.core import mail

from .helpers import PASSWORD, shot

CONFIRM_LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/")


def sign_up(
    page, base_url: str, *, email: str, name: str, password: str = PASSWORD, screenshot: str = ""
) -> None:
    page.goto(f"{base_url}/accounts/signup/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=display_name]").fill(name)
    page.locator("input[name=password1]").fill(password)
    page.locator("input[name=password2]").fill(password)
    if screenshot:
        shot(page, screenshot)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))


def mails_to(email: str) -> list:
    """Messages in the test outbox (live_server runs in this process) addressed to ``email``."""
    return [message for message in mail.outbox if email in message.to]


def confirmation_link(email: str) -> str:
    """The verification link from the last mail sent to ``email``."""
    messages = mails_to(email)
    assert messages, f"no mail to {email} in {[m.to for m in mail.outbox]}"
    match = CONFIRM_LINK.search(messages[-1].body)
    assert match, f"no confirmation link in: {messages[-1].body}"
    return match.group(0)


def verify_email(page, base_url: str, *, email: str, screenshot: str = "") -> None:
    link = confirmation_link(email)
    page.goto(base_url + link[link.index("/accounts/") :])
    if screenshot:
        shot(page, screenshot)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def log_in(page, base_url: str, *, email: str, password: str = PASSWORD, screenshot: str = "") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    if screenshot:
        shot(page, screenshot)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/profile/$"))


def ask_to_join(
    page,
    base_url: str,
    *,
    community,
    building: str,
    unit: str,
    room: str,
    tenure: str = "owner",
    screenshot: str = "",
) -> None:
    """From the community page, follow "join", name the household and send the request."""
    page.goto(base_url + community.url)
    page.locator(f"a[href$='/communities/{community.pk}/join/']").click()
    page.wait_for_url(re.compile(rf"/communities/{community.pk}/join/$"))
    page.locator("select[name=building]").select_option(building)
    page.locator("input[name=unit]").fill(unit)
    page.locator("input[name=room]").fill(room)
    page.locator(f"input[name=tenure][value={tenure}]").check()
    if screenshot:
        shot(page, screenshot)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/profile/$"))


def approve_membership(page, base_url: str, *, community, membership, screenshot: str = "") -> None:
    """A community worker verifies a pending request on the members page."""
    page.goto(f"{base_url}/communities/{community.pk}/members/")
    request = page.locator(f"#membership-{membership.pk}")
    if screenshot:
        shot(page, screenshot)
    request.locator(f"form[action$='/{membership.pk}/approve/'] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/communities/{community.pk}/members/$"))
