"""Reports and flags about a person, and reports they made, erased with their account.

The audit log (ModerationAction) is never erased: deleting the account only clears its
links to the person (see engagement.moderation.models).
"""

from django.db import transaction
from django.db.models import Count

from accounts.models import User
from engagement.moderation.models import Flag, Report, ReportEntry


@transaction.atomic
def erase(*, user: User) -> None:
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
