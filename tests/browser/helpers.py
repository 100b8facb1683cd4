from playwright.sync_api import expect

from tests.factories import PASSWORD


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form and wait until the site shows we are in."""
    page.goto("/accounts/login/")
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
