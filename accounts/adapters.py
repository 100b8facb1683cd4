from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Site-specific allauth behaviour."""

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # A new member's first stop is their profile settings, to add a name and a face.
        return reverse("profile_edit")
