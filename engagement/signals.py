"""What engagement tells the rest of the site.

``photo_liked`` / ``photo_unliked`` are sent only after the change has committed, and only
for real changes (never for a repeated request that changed nothing), with sender=Like
and keyword arguments user (the liker), photo, and at (when it happened).
``photo_unliked`` may also carry ``voided=True`` when a moderator removed the like rather
than the person withdrawing it; receivers take ``**kwargs`` so they can ignore it.

``photo_viewed`` (viewer, photo, session_key, at) is sent when a photo page is shown, and
``photos_shown`` (viewer, photos, session_key, at) when a feed or grid page lists photos:
reach for the owner's insights. ``viewer`` may be anonymous; ``session_key`` may be None.
"""

from django.dispatch import Signal

photo_liked = Signal()
photo_unliked = Signal()
photo_viewed = Signal()
photos_shown = Signal()
