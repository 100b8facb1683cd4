"""Reach is written off the page: the immediate backend runs this in the request that fills
a batch (embedded profile); a real backend runs it on a worker."""

from django.tasks import task

from engagement.insights import reach


@task
def reach_flush(*, first: int, last: int) -> None:
    reach.reach_flush(first=first, last=last)
