from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The site itself: commands that span every app (check_integrity, seed_demo,
    seed_scale, bench) live here, above the apps they use, so no app imports another
    against the grain."""

    name = "config"
    label = "site"
    verbose_name = _("Site")
