"""Reading pages as a person sees them (admin change lists too), and the login redirect:
shared by every test."""

import html
import re

from django.urls import reverse

LOGIN = reverse("account_login")


def page_text(response) -> str:
    """The page's text with entities decoded, as a person would read it."""
    return html.unescape(response.content.decode())


def heading(response) -> str:
    """The page's main heading (its first h1), as a person reads it."""
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page_text(response), re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


def assert_redirects_to_login(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def admin_rows(page: str) -> list[dict[str, str]]:
    """An admin change list's rows as a person reads them: {column: text}, in page order."""
    if '<table id="result_list">' not in page:
        return []
    body = page[page.index("<tbody>", page.index('<table id="result_list">')) :]
    body = body[: body.index("</tbody>")]
    return [
        {
            column: re.sub(r"<[^>]+>", "", text).strip()
            for column, text in re.findall(r'<t[hd] class="field-(\w+)[^"]*">(.*?)</t[hd]>', row)
        }
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)
    ]
