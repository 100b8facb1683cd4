"""Signals other apps listen to. Sent only after the change has committed."""

from django.dispatch import Signal

# Sent with follower=User, followed=User.
user_followed = Signal()
user_unfollowed = Signal()
