"""What moderation tells the rest of the site.

``member_warned`` is sent after a moderator's warning has committed, with sender=User and
keyword arguments ``member`` (the person warned) and ``at``. notifications turns it into a
notification; the moderator's name is never passed on.
"""

from django.dispatch import Signal

member_warned = Signal()
