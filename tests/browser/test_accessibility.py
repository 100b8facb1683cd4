"""axe-core over every main page, as each kind of visitor, at desktop and phone sizes.

Any serious or critical violation fails, listing the rule, its impact and the elements, and
so does a page wider than the screen (a phone user would have to scroll sideways).
Each page is also saved as `test-artifacts/screenshots/<page>-<size>.png` for a person to
look at after a CI run.

axe-core is pinned in tests/browser/axe/package.json (installed by `make test` with
`npm ci`). It is injected with `add_init_script`, which Chromium runs through the DevTools
protocol before the page's own scripts. That is legitimate: the test drives the browser
it audits; the site's CSP (no inline or external scripts) is unchanged and not even bypassed
here (no `bypass_csp`), so the pages are audited exactly as served, and a CSP violation
would still show as a console error and fail the test.
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.services import follow_set
from engagement.moderation.models import Report
from engagement.moderation.services import report_submit
from engagement.services import like_set
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import log_in
from tests.factories import PhotoFactory, UserFactory
from tests.moderation_history import churn

AXE_JS = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ARTIFACTS / "screenshots"
BLOCKING_IMPACTS = {"serious", "critical"}

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE_JS.exists():
        message = f"{AXE_JS} is missing: npm ci --prefix tests/browser/axe (make test does it)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE_JS


@pytest.fixture
def site(transactional_db, settings):
    """Enough content that every page shows its real parts: a liked photo, a follow,
    notifications, a flag and a report for the moderator."""
    settings.ENGAGEMENT_POLICY = "instagram"
    owner = UserFactory(username="olivia", display_name="Olivia Owner")
    fan = UserFactory(username="fabio", display_name="Fabio Fan")
    UserFactory(username="mona", display_name="Mona Moderator", moderator=True)
    churner = UserFactory(username="frida", display_name="Frida Friend")
    photo = PhotoFactory(
        owner=owner, size=(640, 480), colour="coral", alt_text="A coral door in the sun"
    )
    follow_set(follower=fan, followed=owner, following=True)
    like_set(user=fan, photo=photo, liked=True)
    churn(user=churner, photo=photo, cycles=3)
    report_submit(reporter=fan, subject=owner, photo=photo, reason=Report.Reason.SPAM)
    return photo


def main_pages(photo) -> dict[str | None, dict[str, str]]:
    """Screenshot name -> address, for each visitor (None: not logged in)."""
    profile = reverse("profile", args=["olivia"])
    photo_page = photo.get_absolute_url()
    likers = reverse("likers", args=[photo.pk])
    return {
        None: {
            "home-anonymous": reverse("home"),
            "explore-anonymous": reverse("explore"),
            "profile-anonymous": profile,
            "photo-anonymous": photo_page,
            "likers-anonymous": likers,
            "unlike-explainer-anonymous": reverse("unlike_explainer"),
            "login": reverse("account_login"),
            "signup": reverse("account_signup"),
        },
        "olivia": {
            "home": reverse("home"),
            "explore": reverse("explore"),
            "profile": profile,
            "photo-owner": photo_page,
            "likers": likers,
            "upload": reverse("photo_upload"),
            "notifications": reverse("notifications"),
            "notification-settings": reverse("notification_preferences"),
            "profile-settings": reverse("profile_edit"),
            "photo-insights": reverse("photo_insights", args=[photo.pk]),
            "account-insights": reverse("account_insights"),
            "unlike-explainer": reverse("unlike_explainer"),
            "data-export": reverse("data_export"),
            "account-delete": reverse("account_delete"),
        },
        "fabio": {"photo-viewer": photo_page},
        "mona": {"moderation-queue": reverse("moderation_queue")},
    }


def describe(violations: list[dict]) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(
            f"{' '.join(node['target'])} {node['html'][:80]}" for node in violation["nodes"]
        )
        for violation in violations
    ]


@pytest.mark.parametrize("size", SIZES)
def test_main_pages_pass_axe_and_fit_the_screen(chromium, live_server, axe_source, site, size):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[str]] = {}
    console_errors: list[str] = []
    for visitor, pages in main_pages(site).items():
        context = chromium.new_context(base_url=live_server.url, **SIZES[size])
        context.set_default_timeout(10_000)
        context.add_init_script(path=str(axe_source))
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
        try:
            if visitor:
                log_in(page, visitor)
            for name, address in pages.items():
                response = page.goto(address)
                assert response.status == 200, f"{name}: {address} answered {response.status}"
                expect(page.locator("main")).to_be_visible()
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
                results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
                blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
                problems = describe(blocking)
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if overflow > 0:
                    problems.append(f"the page is {overflow}px wider than the screen")
                if problems:
                    found[f"{name} ({address})"] = problems
        finally:
            context.close()
    assert not found, "serious or critical problems:\n" + "\n".join(
        f"{where}:\n  " + "\n  ".join(lines) for where, lines in found.items()
    )
    assert not console_errors, f"browser console errors: {console_errors}"
