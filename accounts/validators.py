from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Usernames appear in URLs as /@username/, so keep them to URL-safe characters.
username_validators = [
    RegexValidator(
        r"^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*\Z",
        _("Use letters, digits, underscores and single dots between them."),
        code="invalid_username",
    )
]
