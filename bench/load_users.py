"""The people ``bench/load.py`` sends to the site: Locust users, run in a child process of it.

Weights (of the simulated users, each waiting 1-3 s between two actions):

| user | weight | does |
|---|---|---|
| ``Resident`` | 5 | logs in; browses their community's hall (first page 4, accepted requests sorted by support 2, searched for 漏水 2); opens a request from that sorted list and supports it with the page's own form when it shows one (3: the list, the request, the POST); posts a support again for a request they already support (1), which the service refuses (403 with its message) |
| ``Worker`` | 1 | logs in as a community worker; their work queue (2), a request from it (1) |
| ``Viewer`` | 2 | anonymous; a meeting's live page, its first render (HTTP only) |
| ``Bare`` | 1 | ``bench/bare/``: a view that does nothing, on the same workers, in the same run |

Every login happens before the measured window: the users wait for ``GO`` after logging in, then
start after a random pause of up to one think time. Each support posted is written to the ledger
with its outcome, so the parent can check the database against it. The users stop gracefully
(a POST in flight is finished and recorded, never cut off).
"""

import html
import json
import random
import re
import time
from urllib.parse import urlencode

import gevent
from gevent.event import Event
from locust import FastHttpUser, between, events, task
from locust.env import Environment

#: Filled in by ``run`` from the parent's configuration.
CONFIG: dict = {}
GO = Event()
READY = {"n": 0, "logins_failed": 0}
#: (account, request ref, outcome) for every support POST: "added", "refused" or "error:<why>".
LEDGER: list = []
IN_FLIGHT = {"supports": 0}
#: Every response in the window: name -> [(ms, ok)].
TIMES: dict = {}
LOGINS: list = []

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REQUEST_LINK = re.compile(r'href="(/[^"]*/hall/requests/([^/"]+)/)"')
SUPPORT_FORM = re.compile(r'<form method="post" action="([^"]*/requests/[^/"]+/support/)"')
ERRORS = re.compile(r'class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', re.S)
ALREADY = "您已附议此诉求"  # "You already support this request." as the site says it (zh-hans)

THINK = between(1, 3)


def _accounts(kind: str):
    """Hand out the accounts of a kind one by one (round robin when users outnumber them)."""
    counter = CONFIG.setdefault("_next", {}).setdefault(kind, 0)
    CONFIG["_next"][kind] = counter + 1
    accounts = CONFIG[kind]
    return accounts[counter % len(accounts)]


class Site(FastHttpUser):
    abstract = True
    wait_time = THINK
    login_kind = ""  # "residents" or "workers": log in with one of those accounts

    def on_start(self):
        self.account = None
        if self.login_kind:
            self.account = _accounts(self.login_kind)
            self.login()
        READY["n"] += 1
        GO.wait()
        gevent.sleep(random.uniform(0, 3))

    def login(self):
        started = time.perf_counter()
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF.search(page.text or "")
        with self.client.post(
            "/accounts/login/",
            data=urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1) if token else "",
                    "login": self.account["login"],
                    "password": CONFIG["password"],
                }
            ),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            ok = response.status_code == 302 and "/accounts/login" not in response.headers.get("Location", "")
            if not ok:
                said = ERRORS.findall(response.text or "")
                response.failure(f"login refused: HTTP {response.status_code} {said[:1]}")
                READY["logins_failed"] += 1
        LOGINS.append(((time.perf_counter() - started) * 1000, ok))

    def get(self, url, name):
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response.text or ""


class Resident(Site):
    weight = 5
    login_kind = "residents"

    def on_start(self):
        self.supported = []  # refs this user's supports were recorded for
        super().on_start()

    @property
    def hall(self):
        return self.account["hall"]

    @task(4)
    def hall_page(self):
        self.get(self.hall, "hall")

    @task(2)
    def hall_filtered(self):
        self.get(f"{self.hall}?status=accepted&sort=supported", "hall filtered")

    @task(2)
    def hall_search(self):
        self.get(f"{self.hall}?q=漏水", "hall search 漏水")

    @task(3)
    def open_and_support(self):
        """The hall's open requests, most supported first (where supports gather); open one and
        press its support button if it shows one."""
        page = self.get(f"{self.hall}?status=accepted&sort=supported", "hall filtered")
        links = REQUEST_LINK.findall(page)
        if not links:
            return
        url, ref = random.choice(links)
        detail = self.get(url, "request detail")
        form = SUPPORT_FORM.search(detail)
        token = CSRF.search(detail)
        if form and token:
            self.post_support(html.unescape(form.group(1)), ref, token.group(1), again=False)

    @task(1)
    def support_again(self):
        """A second support of a request already supported (a double tap, a resent form)."""
        if not self.supported:
            return
        ref = random.choice(self.supported)
        url = f"{self.hall}requests/{ref}/"
        token = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), None)
        if token:
            self.post_support(f"{url}support/", ref, token, again=True)

    def post_support(self, action, ref, token, *, again):
        name = "support again (refused)" if again else "support"
        IN_FLIGHT["supports"] += 1
        outcome = "error:not sent"
        try:
            with self.client.post(
                action,
                data=urlencode({"csrfmiddlewaretoken": token}),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                name=name,
                allow_redirects=False,
                catch_response=True,
            ) as response:
                status = response.status_code
                body = response.text or ""
                if status == 302:
                    outcome = "added"
                    if not again:
                        self.supported.append(ref)
                elif status == 403 and ALREADY in body:
                    outcome = "refused"
                else:
                    outcome = f"error:HTTP {status}"
                # A first support must be added, a second one refused; anything else fails.
                if outcome == ("refused" if again else "added"):
                    response.success()
                else:
                    response.failure(f"{name}: {outcome}")
        finally:
            IN_FLIGHT["supports"] -= 1
            LEDGER.append((self.account["login"], ref, outcome, again))


class Worker(Site):
    weight = 1
    login_kind = "workers"

    @task(2)
    def queue(self):
        self.get("/work/", "work queue")

    @task(1)
    def open_from_queue(self):
        links = REQUEST_LINK.findall(self.get("/work/", "work queue"))
        if links:
            self.get(random.choice(links)[0], "request detail (worker)")


class Viewer(Site):
    weight = 2

    @task
    def live(self):
        self.get(random.choice(CONFIG["live_pages"]), "live page")


class Bare(Site):
    weight = 1

    @task
    def bare(self):
        self.get("/bench/bare/", "bare view")


def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    if GO.is_set() and not name.startswith("login"):
        TIMES.setdefault(name, []).append((response_time, exception is None))


def run(config_path: str, result_path: str) -> None:
    """Spawn the users, wait for their logins, measure ``duration`` seconds, stop gracefully, and
    write what was seen to ``result_path`` (JSON)."""
    CONFIG.update(json.loads(open(config_path, encoding="utf-8").read()))
    users = CONFIG["users"]
    env = Environment(
        user_classes=[Resident, Worker, Viewer, Bare], host=CONFIG["host"], events=events, stop_timeout=60
    )
    env.events.request.add_listener(_record)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=CONFIG["spawn_rate"])
    deadline = time.monotonic() + 120 + users / CONFIG["spawn_rate"]
    while READY["n"] < users and time.monotonic() < deadline:
        gevent.sleep(0.1)
    counts = dict(runner.user_classes_count)
    started, cpu = time.monotonic(), time.process_time()
    GO.set()
    gevent.sleep(CONFIG["duration"])
    runner.stop()  # graceful: each user finishes the action in hand
    window = time.monotonic() - started
    cpu = time.process_time() - cpu
    runner.quit()
    result = {
        "window": window,
        "cpu": cpu,
        "ready": READY["n"],
        "logins_failed": READY["logins_failed"],
        "user_counts": counts,
        "times": TIMES,
        "logins": LOGINS,
        "ledger": LEDGER,
        "supports_in_flight": IN_FLIGHT["supports"],
        "locust_total": {
            "requests": env.stats.total.num_requests,
            "failures": env.stats.total.num_failures,
        },
        "errors": [
            {"name": e.name, "method": e.method, "error": str(e.error), "occurrences": e.occurrences}
            for e in env.stats.errors.values()
        ],
    }
    with open(result_path, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False)


if __name__ == "__main__":
    import sys

    run(sys.argv[1], sys.argv[2])
