from allauth.account.forms import ReauthenticateForm
from allauth.mfa.base.forms import BaseAuthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.imaging import EncodedImage, ImageRejected, avatar_limits, square_avatar
from accounts.models import TIMEZONE_CHOICES, User

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=User._meta.get_field("display_name").max_length,
        required=False,
        help_text=_("Shown instead of your username. Leave empty to use your username."),
    )
    bio = forms.CharField(
        label=_("Bio"),
        max_length=User._meta.get_field("bio").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIMEZONE_CHOICES,
        help_text=_("Times on Likewise are shown in this time zone."),
    )
    avatar = forms.FileField(
        label=_("New avatar"),
        required=False,
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("JPEG, PNG, WebP or GIF. It will be cropped to a square."),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)
    hide_like_counts = forms.BooleanField(
        label=_("Hide like counts on other people's photos"),
        required=False,
        help_text=_("You will still see the count on your own photos."),
    )

    def clean_avatar(self) -> EncodedImage | None:
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        try:
            return square_avatar(upload, avatar_limits(), side=settings.AVATAR_SIZE)
        except ImageRejected as error:
            raise forms.ValidationError(str(error), code="invalid_image") from error


class AccountDeleteForm(ReauthenticateForm):
    """Your password, and a two-factor code when you have two-factor authentication on.

    allauth checks both, with its rate limits on failed attempts.
    """

    code = forms.CharField(
        label=_("Two-factor code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("From your authenticator app, or one of your recovery codes."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not is_mfa_enabled(self.user):
            del self.fields["code"]

    def clean_code(self) -> str:
        check = BaseAuthenticateForm(user=self.user, data={"code": self.cleaned_data["code"]})
        if not check.is_valid():
            raise forms.ValidationError(check.errors["code"])
        return check.cleaned_data["code"]
