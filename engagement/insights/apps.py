from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Owner insights: reach, daily rollups, charts and CSV. Hears the engagement core
    through its signals; the core never imports this app."""

    name = "engagement.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from engagement.insights import receivers

        receivers.connect()
