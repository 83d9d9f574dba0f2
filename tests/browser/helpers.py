"""Small helpers shared by the browser journeys and the accessibility checks."""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
PASSWORD = "pass-word-123"  # what tests.factories.UserFactory gives every account

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# axe-core impacts that fail a page; "moderate" and "minor" are printed but tolerated.
BLOCKING_IMPACTS = {"serious", "critical"}

_axe = Axe()


def shot(page, name: str, *, always: bool = False) -> Path | None:
    """With ``SCREENSHOTS=1`` in the environment (or ``always``: a test that checks the
    screenshot itself), save a full-page screenshot as artifacts/screenshots/<name>.png for a
    person to look at. A plain run takes no others: each costs chromium a full-page render and a
    PNG, and nothing is asserted on them."""
    if not (always or os.environ.get("SCREENSHOTS")):
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """Run axe-core (bundled with axe-playwright-python, no network) on the current page."""
    return _axe.run(page).response["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(
                f"    {' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return "\n".join(lines)


def assert_accessible(page, where: str = "") -> None:
    """Fail on any serious or critical axe violation, printing every violation found."""
    violations = axe_violations(page)
    if violations:
        print(f"axe on {where or page.url}:\n{format_violations(violations)}")
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, (
        f"axe: serious/critical violations on {where or page.url}:\n{format_violations(blocking)}"
    )


# Every browser test module: ``pytestmark = BROWSER``. Transactional, because the server runs in
# another thread or process; serialized rollback, because the page tree comes from a migration.
BROWSER = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
