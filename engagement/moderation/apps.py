from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    """Moderation: detection flags, member reports, the review queue and audited actions.
    Acts on engagement only through engagement.services; the core never imports this app."""

    name = "engagement.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from engagement.moderation import receivers

        receivers.connect()
