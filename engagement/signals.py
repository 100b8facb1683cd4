"""What engagement tells the rest of the site. Sent only after the change has committed,
and only for real changes (never for a repeated request that changed nothing).

Both are sent with sender=Like and keyword arguments user (the liker), photo, and at
(when it happened).
"""

from django.dispatch import Signal

photo_liked = Signal()
photo_unliked = Signal()
