"""The documented score of the ranked feed and explore (README, "Ranked feed").

Home feed, for each photo of a person you follow (or yours) from the last 30 days:

    score = recency x (1 + affinity) x quality

- recency = 0.5 ** (age in hours / 24): a day-old photo counts half as much;
- affinity = 1 for someone you follow (or yourself) plus what your likes and unlikes of
  their photos taught us: a like adds 1.0, an unlike takes 1.5 (more than the like
  added), a moderator voiding your like takes back only its 1.0; that learnt part halves
  every 30 days, and 1 + affinity never drops below 0.1;
- quality = 10 x (likes shown + 1 - released withdrawals) / (reach + 10), at least 0.1:
  likes per person reached, withdrawn likes held against the photo only once the shield
  has released them (a pending withdrawal changes nothing anyone can see, the rank
  included).

Explore ranks public photos by people you don't follow by their engagement velocity over
the last 7 days: likes gained - likes voided - 2 x released withdrawals (a like refused by
a rate limit never happened), newer first among equals.
"""

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

LIKE_RAISES = 1.0
UNLIKE_LOWERS = 1.5
FOLLOW_BASE = 1.0
AFFINITY_HALF_LIFE = timedelta(days=30)
RECENCY_HALF_LIFE_HOURS = 24.0
FEED_WINDOW = timedelta(days=30)
EXPLORE_WINDOW = timedelta(days=7)


def decayed(score: float, since: datetime, at: datetime) -> float:
    """``score`` learnt at ``since``, as it stands at ``at``."""
    elapsed = (at - since) / AFFINITY_HALF_LIFE
    return score * 0.5 ** max(elapsed, 0.0)


def affinity_after(score: float, since: datetime | None, delta: float, at: datetime) -> float:
    """The stored score after learning ``delta`` at ``at`` (events may arrive late: a
    change older than the score counts as decayed to it)."""
    if since is None:
        return delta
    if at >= since:
        return decayed(score, since, at) + delta
    return score + decayed(delta, at, since)


@dataclass(frozen=True)
class Parts:
    """What a photo's score is made of, for the score and for "Why am I seeing this?"."""

    age_hours: float
    followed: bool
    own: bool
    learnt: float  # the decayed affinity from likes and unlikes
    likes: int  # as displayed (the shield's pending withdrawals still counted)
    reach: int
    withdrawals: int  # released ones only

    def as_tuple(self) -> tuple:
        """The fields in order (``Parts(*parts.as_tuple()) == parts``)."""
        return tuple(getattr(self, field.name) for field in fields(self))

    @property
    def recency(self) -> float:
        return 0.5 ** (max(self.age_hours, 0.0) / RECENCY_HALF_LIFE_HOURS)

    @property
    def affinity(self) -> float:
        base = FOLLOW_BASE if (self.followed or self.own) else 0.0
        return max(base + self.learnt, -0.9)

    @property
    def quality(self) -> float:
        return max(10 * (self.likes + 1 - self.withdrawals) / (self.reach + 10), 0.1)

    @property
    def score(self) -> float:
        return self.recency * (1 + self.affinity) * self.quality


def velocity(*, gained: int, voided: int, released_withdrawals: int) -> int:
    return gained - voided - 2 * released_withdrawals
