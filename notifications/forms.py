from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import LikeNotifications


class PreferencesForm(forms.Form):
    notify_likes = forms.ChoiceField(
        label=_("When someone likes your photo"),
        choices=LikeNotifications.choices,
        widget=forms.RadioSelect,
    )
    notify_follows = forms.BooleanField(label=_("Tell me when someone follows me"), required=False)
