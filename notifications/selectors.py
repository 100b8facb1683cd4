"""Reads for the notification list and badge: grouped at read time, in fixed queries."""

from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from notifications.models import Notification, PhotoMute
from photos.models import Photo

GROUPS_PER_PAGE = 20
NAMES_PER_GROUP = 2


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
class NotificationGroup:
    """ "Ana, Ben and 12 others liked your photo": one verb, one photo, one day."""

    verb: str
    photo_id: int | None
    day: date
    latest: object
    total: int
    unread: int
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

    @property
    def key(self) -> tuple:
        return (self.verb, self.photo_id, self.day)


def visible_notifications(recipient: User) -> QuerySet[Notification]:
    return Notification.objects.filter(Notification.visible_at(timezone.now()), recipient=recipient)


def _visible_by_day(recipient: User) -> QuerySet[Notification]:
    """Visible notifications with the (viewer's local) day they are grouped by."""
    return visible_notifications(recipient).annotate(day=TruncDate("created"))


def unread_count(recipient: User) -> int:
    """The badge number: one query on a partial index."""
    return visible_notifications(recipient).filter(read_at__isnull=True).count()


def _group_condition(groups: list[NotificationGroup]) -> Q:
    condition = Q(pk__in=[])
    for group in groups:
        condition |= Q(verb=group.verb, photo_id=group.photo_id, day=group.day)
    return condition


def grouped_notifications(recipient: User, page_number) -> Page:
    """A page of notification groups, newest first, with names and thumbnails filled in."""
    rows = _visible_by_day(recipient)
    grouped = (
        rows.values("verb", "photo_id", "day")
        .annotate(
            latest=Max("created"),
            total=Count("id"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
        )
        .order_by("-latest", "verb", "photo_id")
    )
    page = Paginator(grouped, GROUPS_PER_PAGE).get_page(page_number)
    groups = [NotificationGroup(**values) for values in page.object_list]
    page.object_list = groups
    if not groups:
        return page

    by_key = {group.key: group for group in groups}
    first_actors = (
        rows.filter(_group_condition(groups))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("verb"), F("photo_id"), F("day")],
                order_by=[F("created").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=NAMES_PER_GROUP)
        .select_related("actor")
        .order_by("rank")
    )
    for row in first_actors:
        by_key[(row.verb, row.photo_id, row.day)].actors.append(row.actor)
    photo_ids = {group.photo_id for group in groups if group.photo_id}
    photos = Photo.objects.only("id", "thumbnail", "alt_text").in_bulk(photo_ids)
    for group in groups:
        group.photo = photos.get(group.photo_id)
    return page


def unread_ids_in(recipient: User, groups: list[NotificationGroup]) -> list[int]:
    """The unread notifications behind the groups shown, to mark them read."""
    if not groups:
        return []
    rows = _visible_by_day(recipient)
    return list(
        rows.filter(_group_condition(groups), read_at__isnull=True).values_list("pk", flat=True)
    )


def is_muted(user: User, photo: Photo) -> bool:
    return PhotoMute.objects.filter(user=user, photo=photo).exists()


def muted_photos(user: User) -> QuerySet[Photo]:
    return Photo.objects.filter(pk__in=PhotoMute.objects.filter(user=user).values("photo_id"))
