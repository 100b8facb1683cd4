"""Purging an account while other people like the same photos (PostgreSQL only: SQLite
serialises writers). The purge locks the photos it recounts, so a like racing it is
counted exactly once."""

from io import StringIO

from django.core.management import call_command

from engagement.models import Like
from engagement.services import like_set
from tests.factories import PhotoFactory, UserFactory
from tests.postgres import POSTGRES_ONLY, run_together
from tests.test_account_deletion import schedule, still_there

pytestmark = POSTGRES_ONLY


def test_likes_arriving_while_an_account_is_purged_keep_the_count_exact():
    photo = PhotoFactory(owner=UserFactory(username="olivia"))
    leaving = UserFactory(username="lea")
    like_set(user=leaving, photo=photo, liked=True)
    schedule(leaving)
    people = UserFactory.create_batch(20)
    work = [lambda: call_command("purge_deleted_accounts", stdout=StringIO())]
    work += [
        lambda person=person: like_set(user=person, photo=photo, liked=True) for person in people
    ]
    run_together(work)
    photo.refresh_from_db()
    assert photo.like_count == Like.objects.filter(photo=photo).count() == 20
    assert not still_there(leaving)
