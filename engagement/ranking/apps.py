from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RankingConfig(AppConfig):
    """The ranked home feed and explore: learns each person's affinity for authors from
    their likes and unlikes, heard through the engagement core's signals (the core never
    imports this app)."""

    name = "engagement.ranking"
    label = "ranking"
    verbose_name = _("Ranking")

    def ready(self) -> None:
        from engagement.ranking import receivers

        receivers.connect()
