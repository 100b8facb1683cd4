"""A new member in real Chromium: sign up, confirm, log in, follow, see the profile."""

import re

from django.core import mail
from playwright.sync_api import expect

from accounts.models import Follow, User
from tests.factories import UserFactory


def test_sign_up_confirm_log_in_and_follow(page, screenshot, transactional_db):
    owner = UserFactory(username="olivia", display_name="Olivia Owner")

    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Username").fill("nina")
    page.get_by_label("Password", exact=True).fill("a-long-enough-secret")
    page.get_by_label("Password (again)").fill("a-long-enough-secret")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    assert User.objects.get(username="nina").emailaddress_set.get().verified

    page.get_by_role("button", name="Log out").click()
    page.goto("/accounts/login/")
    page.get_by_label("Login").fill("nina")
    page.get_by_label("Password", exact=True).fill("a-long-enough-secret")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # Follow Olivia from her profile: the button swaps in place (htmx), the count rises.
    page.goto(owner.get_absolute_url())
    page.get_by_role("button", name="Follow Olivia Owner").click()
    expect(page.get_by_role("button", name=re.compile("^Following"))).to_be_visible()
    expect(page.locator(f"#follower-count-{owner.pk}")).to_have_text("1")
    assert Follow.objects.filter(follower__username="nina", followed=owner).exists()
    screenshot("profile")

    page.get_by_role("button", name=re.compile("^Following")).click()
    expect(page.get_by_role("button", name="Follow Olivia Owner")).to_be_visible()
    expect(page.locator(f"#follower-count-{owner.pk}")).to_have_text("0")
    assert not Follow.objects.filter(follower__username="nina", followed=owner).exists()


def test_follow_works_without_javascript(chromium, live_server, transactional_db):
    owner = UserFactory(username="olivia", display_name="Olivia Owner")
    fan = UserFactory(username="fabio")
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Login").fill("fabio")
    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(owner.get_absolute_url())
    page.get_by_role("button", name="Follow Olivia Owner").click()
    expect(page).to_have_url(re.compile(r"/@olivia/$"))
    expect(page.locator(f"#follower-count-{owner.pk}")).to_have_text("1")
    assert Follow.objects.filter(follower=fan, followed=owner).exists()
    context.close()
