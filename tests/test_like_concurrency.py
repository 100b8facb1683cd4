"""Many people (and one person's many tabs) liking and unliking the same photo at once.

PostgreSQL only: SQLite serialises writers, so it cannot show a lost update. The threads of
each test are released together (tests.postgres.run_together) so their transactions
really overlap; each uses its own connection (the psycopg pool in the scale-out profile).
"""

import random
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagement.models import EngagementEvent, Like
from engagement.services import counted_withdrawals, events_dispatch_stale, like_set
from engagement.shield import displayed_like_count, window_start
from photos.models import Photo
from tests.factories import PhotoFactory, UserFactory
from tests.postgres import POSTGRES_ONLY, run_together

THREADS = 50
VIRAL = 200  # people on one photo at once
# One person's requests overlap more when each thread sends several in a row.
REQUESTS_PER_THREAD = 4

pytestmark = POSTGRES_ONLY


@pytest.fixture
def photo():
    return PhotoFactory(owner=UserFactory(username="olivia"))


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """These tests are about races, not about the (separately tested) rate limits."""
    settings.LIKE_RATE_PER_MINUTE = 10_000
    settings.LIKE_RATE_PER_DAY = 10_000


def like_count(photo) -> int:
    return Photo.objects.values_list("like_count", flat=True).get(pk=photo.pk)


def test_fifty_people_liking_and_unliking_at_once_keep_the_count_exact(photo):
    rng = random.Random(7)
    people = UserFactory.create_batch(THREADS)
    unlikes_after = {person.pk: rng.random() < 0.4 for person in people}

    def like_then_maybe_unlike(person):
        def job() -> int:
            changes = int(like_set(user=person, photo=photo, liked=True))
            if unlikes_after[person.pk]:
                changes += like_set(user=person, photo=photo, liked=False)
            return changes

        return job

    results = run_together([like_then_maybe_unlike(person) for person in people])

    still_liking = {pk for pk, unliked in unlikes_after.items() if not unliked}
    assert set(Like.objects.filter(photo=photo).values_list("user_id", flat=True)) == still_liking
    assert like_count(photo) == Like.objects.filter(photo=photo).count() == len(still_liking)
    events = EngagementEvent.objects.filter(photo=photo)
    assert events.filter(kind="like").count() == THREADS
    assert events.filter(kind="unlike").count() == THREADS - len(still_liking)
    assert events.count() == sum(results)


def test_fifty_people_toggling_randomly_at_once_keep_the_count_exact(photo):
    rng = random.Random(11)
    people = UserFactory.create_batch(THREADS)
    for person in people[::3]:  # a third of them liked it already
        like_set(user=person, photo=photo, liked=True)
    plans = {person.pk: [rng.random() < 0.5 for _ in range(4)] for person in people}

    def toggle(person):
        def job() -> int:
            return sum(like_set(user=person, photo=photo, liked=want) for want in plans[person.pk])

        return job

    before = EngagementEvent.objects.count()
    results = run_together([toggle(person) for person in people])

    finally_liking = {pk for pk, plan in plans.items() if plan[-1]}
    assert set(Like.objects.filter(photo=photo).values_list("user_id", flat=True)) == finally_liking
    assert like_count(photo) == len(finally_liking)
    assert EngagementEvent.objects.count() - before == sum(results)


def test_one_person_racing_fifty_like_and_unlike_requests_stays_consistent(photo):
    fan = UserFactory(username="fabio")
    rng = random.Random(3)
    plans = [[rng.random() < 0.5 for _ in range(REQUESTS_PER_THREAD)] for _ in range(THREADS)]

    def job(plan):
        return lambda: sum(like_set(user=fan, photo=photo, liked=want) for want in plan)

    results = run_together([job(plan) for plan in plans])

    rows = Like.objects.filter(photo=photo).count()
    assert like_count(photo) == rows
    # Every real change left exactly one event, and they alternate like, unlike, like...
    kinds = list(
        EngagementEvent.objects.filter(photo=photo).order_by("id").values_list("kind", flat=True)
    )
    assert len(kinds) == sum(results)
    assert kinds == ["like", "unlike"] * (len(kinds) // 2) + ["like"] * (len(kinds) % 2)
    assert rows == len(kinds) % 2


def test_one_person_racing_fifty_requests_through_the_view_gets_no_errors(photo):
    fan = UserFactory(username="fabio")
    rng = random.Random(5)
    url = reverse("like", args=[photo.pk])
    clients = []
    for _ in range(THREADS):
        client = Client()
        client.force_login(fan)
        clients.append(client)
    plans = [
        [(rng.choice("01"), rng.random() < 0.5) for _ in range(REQUESTS_PER_THREAD)]
        for _ in range(THREADS)
    ]

    def requests(client, plan):
        def job() -> list[int]:
            statuses = []
            for want, with_htmx in plan:
                headers = {"HX-Request": "true"} if with_htmx else {}
                statuses.append(client.post(url, {"liked": want}, headers=headers).status_code)
            return statuses

        return job

    results = run_together([requests(c, plan) for c, plan in zip(clients, plans, strict=True)])

    expected = [[200 if with_htmx else 302 for _want, with_htmx in plan] for plan in plans]
    assert results == expected
    # Whichever request committed last decides: the row is there if its change was a like.
    kinds = list(
        EngagementEvent.objects.filter(photo=photo).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["like", "unlike"] * (len(kinds) // 2) + ["like"] * (len(kinds) % 2)
    rows = Like.objects.filter(photo=photo).count()
    assert rows == len(kinds) % 2
    assert like_count(photo) == rows


def test_fifty_people_liking_through_the_view_at_once_are_all_counted(photo):
    people = UserFactory.create_batch(THREADS)
    url = reverse("like", args=[photo.pk])
    clients = []
    for person in people:
        client = Client()
        client.force_login(person)
        clients.append(client)

    results = run_together(
        [lambda c=c: c.post(url, {"liked": "1"}, headers={"HX-Request": "true"}) for c in clients]
    )

    assert [r.status_code for r in results] == [200] * THREADS
    assert like_count(photo) == Like.objects.filter(photo=photo).count() == THREADS

    results = run_together([lambda c=c: c.post(url, {"liked": "0"}) for c in clients[::2]])

    assert {r.status_code for r in results} == {302}
    assert like_count(photo) == Like.objects.filter(photo=photo).count() == THREADS // 2


def test_two_hundred_people_on_one_photo_keep_both_counts_exact(photo, settings):
    """Each person likes, maybe withdraws, maybe takes it back, all at once; afterwards
    the Like rows, like_count, the pending withdrawals and the events all agree. (The
    side effects are left to the queue's workers, as in the scale-out profile.)"""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    rng = random.Random(12)
    people = UserFactory.create_batch(VIRAL)
    plans = {
        person.pk: rng.choice([[True], [True, False], [True, False, True]]) for person in people
    }

    def engage(person):
        def job() -> int:
            return sum(
                like_set(user=person, photo=photo, liked=liked) for liked in plans[person.pk]
            )

        return job

    changes = run_together([engage(person) for person in people], rng=rng)

    assert sum(changes) == sum(len(plan) for plan in plans.values())
    liking = {pk for pk, plan in plans.items() if plan[-1]}
    withdrawn = sum(1 for plan in plans.values() if not plan[-1])
    photo.refresh_from_db()
    assert set(Like.objects.filter(photo=photo).values_list("user_id", flat=True)) == liking
    assert photo.like_count == len(liking)
    assert photo.shield_withdrawals == withdrawn == pending_in_log(photo)
    assert displayed_like_count(photo) == VIRAL  # nobody can date a withdrawal yet
    assert EngagementEvent.objects.filter(photo=photo).count() == sum(changes)
    assert events_dispatch_stale(older_than=timedelta(0), limit=10_000) == sum(changes)
    assert "All good" in integrity_report(photo)  # notifications and rollups included


def pending_in_log(photo) -> int:
    window = window_start(timezone.now())
    pending = Photo.objects.annotate(n=counted_withdrawals(window)).values_list("n", flat=True)
    return pending.get(pk=photo.pk)


def integrity_report(photo) -> str:
    out = StringIO()
    call_command("check_integrity", "--photos", f"{photo.pk}-{photo.pk}", stdout=out)
    return out.getvalue()
