"""The shape of `manage.py check_integrity` checks; each app contributes its own.

A check is a function ``check(*, repair: bool) -> list[Finding]`` listed in the
INTEGRITY_CHECKS setting. It reports every drift it finds and, with ``repair``, fixes
what it can, saying so in the finding.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Finding:
    check: str
    message: str
    repaired: bool = False


Check = Callable[..., list[Finding]]


def registered_checks() -> list[Check]:
    return [import_string(path) for path in settings.INTEGRITY_CHECKS]
