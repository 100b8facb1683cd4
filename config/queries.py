"""Query expressions every app uses."""

from django.db.models import Count, QuerySet, Subquery
from django.db.models.functions import Coalesce


def count_of(rows: QuerySet, *, per: str) -> Coalesce:
    """How many of ``rows`` (filtered on an ``OuterRef``) belong to each outer row: a
    correlated COUNT, grouped by the ``per`` field, and 0 where there are none. The
    denormalised counters (likes, follows, notification lines) are checked and
    recounted with it."""
    counted = rows.order_by().values(per).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)
