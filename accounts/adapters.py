import logging

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

logger = logging.getLogger(__name__)


class MailNotSent(Exception):
    """The mail server refused or could not be reached; nothing was sent."""


class AccountAdapter(DefaultAccountAdapter):
    """Site-specific allauth behaviour."""

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # A new member's first stop is their profile settings, to add a name and a face.
        return reverse("profile_edit")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        try:
            super().send_mail(template_prefix, email, context)
        except OSError as error:  # smtplib's errors are OSErrors too
            logger.exception("Could not send %s mail", template_prefix)
            raise MailNotSent from error
