"""Logging in while the account is waiting to be deleted keeps it."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _

from accounts import services


def on_user_logged_in(sender, *, request, user, **kwargs) -> None:
    if user.deletion_requested_at is None:
        return
    if services.account_deletion_cancel(user=user) and request is not None:
        messages.info(
            request,
            _("Welcome back. Your account is no longer going to be deleted."),
            fail_silently=True,
        )


def connect() -> None:
    user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts_cancel_deletion")
