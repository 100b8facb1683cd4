from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        from engagement.policy import get_policy

        get_policy()  # an unknown ENGAGEMENT_POLICY stops start-up with a clear message
