"""Reading what a page shows about likes: the like control, the summary, the likers list.

Shared by the policy, shield, explainer and likers-list tests, so each asserts on what a
person sees rather than on template internals.
"""

import re

PRESET_NAMES = ["instagram", "facebook", "twitter", "likewise"]


def like_controls(page: str) -> dict[int, str]:
    """Each like control on a page (photo page, feed card, grid item), by photo id."""
    controls = {}
    for match in re.finditer(r'<div class="like-control" id="like-control-(\d+)"[^>]*>', page):
        end = page.index("</div>", match.end())
        controls[int(match.group(1))] = page[match.start() : end]
    return controls


def like_control(page: str, photo) -> str:
    return like_controls(page)[photo.pk]


def shown_count(control: str) -> int | None:
    """The "N likes" a like control shows, or None when it shows no count."""
    match = re.search(r'class="like-count"[^>]*>\s*(\d+) likes?\s*<', control)
    return int(match.group(1)) if match else None


def pressed(control: str) -> str:
    return re.search(r'aria-pressed="(true|false)"', control).group(1)


def likers_summary(page: str) -> str | None:
    """The "Liked by …" line under the photo, whitespace collapsed, or None."""
    match = re.search(r'<p class="likers-summary">(.*?)</p>', page, re.DOTALL)
    return " ".join(match.group(1).split()) if match else None


def listed_usernames(page: str) -> list[str]:
    """Usernames in a people list (the who-liked list), in page order."""
    return re.findall(
        r'<span class="person-names"><strong>[^<]*</strong> <span class="muted">@([^<]+)</span>',
        page,
    )


def likers_count_line(page: str) -> int | None:
    """The "N likes" line in the likers page header, or None when it is not shown."""
    header = page[page.index('<div class="likers-header">') :]
    header = header[: header.index("</div>\n</div>")]
    match = re.search(r'<p class="muted">(\d+) likes?</p>', header)
    return int(match.group(1)) if match else None


def facts(page: str) -> set[str]:
    return set(re.findall(r'<li data-fact="([a-z-]+)"', page))
