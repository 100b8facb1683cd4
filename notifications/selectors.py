"""Reads for the notification list and badge: lines kept in NotificationGroup, read in
fixed queries from indexes."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from config.pagination import Cursor, KeysetPage, keyset_page
from notifications.models import Notification, NotificationGroup, PhotoMute
from photos.models import Photo

GROUPS_PER_PAGE = 20


def _more(singular: str, plural: str):
    """The "A, B and N others" sentence, plural-aware, for a given N."""
    return lambda n: ngettext(singular, plural, n)


# One, two, or two and N more actors, per verb: whole sentences, so each translates well.
GROUP_TEXTS = {
    Notification.Verb.LIKE: (
        gettext_lazy("%(a)s liked your photo"),
        gettext_lazy("%(a)s and %(b)s liked your photo"),
        _more(
            "%(a)s, %(b)s and %(n)s other liked your photo",
            "%(a)s, %(b)s and %(n)s others liked your photo",
        ),
    ),
    Notification.Verb.UNLIKE: (
        gettext_lazy("%(a)s unliked your photo"),
        gettext_lazy("%(a)s and %(b)s unliked your photo"),
        _more(
            "%(a)s, %(b)s and %(n)s other unliked your photo",
            "%(a)s, %(b)s and %(n)s others unliked your photo",
        ),
    ),
    Notification.Verb.FOLLOW: (
        gettext_lazy("%(a)s followed you"),
        gettext_lazy("%(a)s and %(b)s followed you"),
        _more(
            "%(a)s, %(b)s and %(n)s other followed you",
            "%(a)s, %(b)s and %(n)s others followed you",
        ),
    ),
}
WARNING_TEXT = gettext_lazy(
    "Moderators warned you about your activity. Please keep your likes genuine: repeated "
    "abuse can lead to restrictions or suspension."
)


@dataclass
class NotificationLine:
    """ "Ana, Ben and 12 others liked your photo": one verb, one photo, one day."""

    group_id: int
    verb: str
    photo_id: int | None
    day: date
    latest: object
    total: int
    unread: bool
    actors: list[User] = field(default_factory=list)
    photo: Photo | None = None

    @property
    def others(self) -> int:
        return self.total - len(self.actors)

    @property
    def text(self) -> str:
        """What the line says: "Ana liked your photo", "Ana and Ben…", "Ana, Ben and 12
        others…"; a warning names nobody."""
        if self.verb == Notification.Verb.WARNING:
            return WARNING_TEXT
        one, two, more = GROUP_TEXTS[self.verb]
        names = [actor.name for actor in self.actors]
        if len(names) == 1:
            return one % {"a": names[0]}
        if self.others == 0:
            return two % {"a": names[0], "b": names[1]}
        return more(self.others) % {"a": names[0], "b": names[1], "n": self.others}


def visible_notifications(recipient: User) -> QuerySet[Notification]:
    return Notification.objects.filter(Notification.visible_at(timezone.now()), recipient=recipient)


def unread_count(recipient: User) -> int:
    """The badge number: one query on a partial index."""
    return visible_notifications(recipient).filter(read_at__isnull=True).count()


def grouped_notifications(recipient: User, *, before: Cursor | None = None) -> KeysetPage:
    """A page of notification lines, newest first, with names and thumbnails filled in.

    Three queries whatever the history: the page of groups (an index on the recipient's
    groups by latest activity, each with its two newest names and whether any is unread,
    read by the per-group index), the people named, the photos shown. Groups must be
    settled first (services.notifications_settle) so due withdrawals have left them.
    """
    shown = Notification.objects.filter(group=OuterRef("pk"), shown=True)
    newest = shown.order_by("-created", "-id").values("actor_id")
    groups = NotificationGroup.objects.filter(recipient=recipient, total__gt=0).annotate(
        first_actor=Subquery(newest[:1]),
        second_actor=Subquery(newest[1:2]),
        # One unread id or none, probed per line: written as EXISTS, PostgreSQL may
        # hash every unread notification of every group instead (24 ms at 2M).
        an_unread=Subquery(shown.filter(read_at__isnull=True).values("id")[:1]),
    )
    page = keyset_page(groups, before=before, limit=GROUPS_PER_PAGE, time_field="latest")
    actor_ids = {
        actor
        for group in page.object_list
        for actor in (group.first_actor, group.second_actor)
        if actor
    }
    actors = User.objects.in_bulk(actor_ids)
    photo_ids = {group.photo_id for group in page.object_list if group.photo_id}
    photos = Photo.objects.only("id", "thumbnail", "alt_text").in_bulk(photo_ids)
    lines = [
        NotificationLine(
            group_id=group.pk,
            verb=group.verb,
            photo_id=group.photo_id,
            day=group.day,
            latest=group.latest,
            total=group.total,
            unread=group.an_unread is not None,
            actors=[
                actors[actor]
                for actor in (group.first_actor, group.second_actor)
                if actor in actors
            ],
            photo=photos.get(group.photo_id),
        )
        for group in page.object_list
    ]
    return KeysetPage(lines, page.next_cursor)


def unread_ids_in_lines(recipient: User, line_ids: set[int]) -> list[int]:
    """The recipient's unread notifications behind the given lines, to mark them read."""
    if not line_ids:
        return []
    return list(
        Notification.objects.filter(
            recipient=recipient, group_id__in=line_ids, shown=True, read_at__isnull=True
        ).values_list("pk", flat=True)
    )


def is_muted(user: User, photo: Photo) -> bool:
    return PhotoMute.objects.filter(user=user, photo=photo).exists()


def muted_photos(user: User) -> QuerySet[Photo]:
    return Photo.objects.filter(pk__in=PhotoMute.objects.filter(user=user).values("photo_id"))
