"""How long ago something happened, in words people use."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

register = template.Library()


@register.filter
def ago(value: datetime) -> str:
    """ "3 hours ago", or "just now" within the first minute (where ``timesince`` alone
    would say "0 minutes ago")."""
    if timezone.now() - value < timedelta(minutes=1):
        return gettext("just now")
    return gettext("%(since)s ago") % {"since": timesince(value)}
