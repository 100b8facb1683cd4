"""Reports and flags about a person, and reports they made, erased with their account.

The audit log (ModerationAction) is never erased: deleting the account clears its links
to the person (see engagement.moderation.models) and replaces their username in it with
a pseudonym, the same in every record, that names nobody.
"""

import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from accounts.models import User
from engagement.moderation.models import Flag, ModerationAction, Report, ReportEntry


def pseudonym(user: User) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:member:{user.pk}".encode()).hexdigest()
    return f"deleted-member-{digest[:10]}"


@transaction.atomic
def erase(*, user: User) -> None:
    ModerationAction.objects.pseudonymise(username=user.username, pseudonym=pseudonym(user))
    Flag.objects.filter(subject=user).delete()
    Report.objects.filter(subject=user).delete()
    made = ReportEntry.objects.filter(reporter=user)
    report_ids = list(made.values_list("report_id", flat=True))
    made.delete()
    remaining = dict(
        ReportEntry.objects.filter(report_id__in=report_ids)
        .values_list("report_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    Report.objects.filter(pk__in=set(report_ids) - remaining.keys()).delete()
    for report_id, n in remaining.items():
        Report.objects.filter(pk=report_id).update(report_count=n)
