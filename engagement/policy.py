"""The site-wide like/unlike policy: one frozen dataclass, four presets, one lookup.

Every screen, fragment, notification, export and insight asks ``get_policy()``; no other
code names a platform. The preset is chosen by the ENGAGEMENT_POLICY setting (environment
variable), and an unknown name stops the site at start-up (see EngagementConfig.ready).
"""

from dataclasses import dataclass, replace
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class Audience(StrEnum):
    EVERYONE = "everyone"
    OWNER = "owner"


class WithdrawnInInsights(StrEnum):
    AGGREGATE = "aggregate"
    PER_PERSON = "per_person"
    AGGREGATE_THRESHOLDED = "aggregate_thresholded"


@dataclass(frozen=True)
class EngagementPolicy:
    name: str
    label: str
    notify_owner_of_like: bool
    notify_owner_of_unlike: bool
    withdraw_like_notification_on_unlike: bool
    renotify_repeat_like_within_cooldown: bool
    show_like_count: bool
    owner_may_hide_like_count: bool
    likers_visible_to: Audience
    owner_sees_withdrawals: bool
    withdrawn_in_insights: WithdrawnInInsights
    unlike_shield: bool
    # Smallest group of withdrawn likes that insights may show (thresholded insights).
    insights_min_group: int = 3

    def may_see_likers(self, *, viewer, owner_id: int) -> bool:
        """Whether ``viewer`` may see who liked a photo owned by ``owner_id``."""
        if self.likers_visible_to == Audience.EVERYONE:
            return True
        return viewer.is_authenticated and viewer.pk == owner_id

    def may_see_withdrawals(self, *, viewer, owner_id: int) -> bool:
        """Whether ``viewer`` may read who withdrew likes on a photo owned by ``owner_id``
        (the interaction history): its owner, and only where the policy says so."""
        return self.owner_sees_withdrawals and viewer.is_authenticated and viewer.pk == owner_id

    def shows_like_count(self, *, viewer, owner_id: int, hidden_by_owner: bool) -> bool:
        """Whether ``viewer`` is shown a photo's like count.

        The owner always sees their own count; others see it unless the policy hides
        counts, the owner hid it (where the policy lets owners), or the viewer chose to
        hide counts on other people's photos.
        """
        if not self.show_like_count:
            return False
        if viewer.is_authenticated and viewer.pk == owner_id:
            return True
        if hidden_by_owner and self.owner_may_hide_like_count:
            return False
        return not (viewer.is_authenticated and viewer.hide_like_counts)


INSTAGRAM = EngagementPolicy(
    name="instagram",
    label="Instagram-style",
    notify_owner_of_like=True,
    notify_owner_of_unlike=False,
    withdraw_like_notification_on_unlike=True,
    renotify_repeat_like_within_cooldown=False,
    show_like_count=True,
    owner_may_hide_like_count=True,
    likers_visible_to=Audience.EVERYONE,
    owner_sees_withdrawals=False,
    withdrawn_in_insights=WithdrawnInInsights.AGGREGATE,
    unlike_shield=False,
)
# The other presets, each written as its differences from the one before.
FACEBOOK = replace(
    INSTAGRAM, name="facebook", label="Facebook-style", owner_may_hide_like_count=False
)
TWITTER = replace(
    FACEBOOK,
    name="twitter",
    label="Twitter-style",
    likers_visible_to=Audience.OWNER,
    owner_sees_withdrawals=True,
    withdrawn_in_insights=WithdrawnInInsights.PER_PERSON,
)
LIKEWISE = replace(
    INSTAGRAM,
    name="likewise",
    label="Likewise private (our default)",
    likers_visible_to=Audience.OWNER,
    withdrawn_in_insights=WithdrawnInInsights.AGGREGATE_THRESHOLDED,
    unlike_shield=True,
)
PRESETS: dict[str, EngagementPolicy] = {
    policy.name: policy for policy in (INSTAGRAM, FACEBOOK, TWITTER, LIKEWISE)
}


def get_policy() -> EngagementPolicy:
    """The policy in force, from the ENGAGEMENT_POLICY setting."""
    name = settings.ENGAGEMENT_POLICY
    try:
        return PRESETS[name]
    except KeyError:
        choices = ", ".join(sorted(PRESETS))
        raise ImproperlyConfigured(
            f"ENGAGEMENT_POLICY={name!r} is not a known preset; choose one of: {choices}."
        ) from None
