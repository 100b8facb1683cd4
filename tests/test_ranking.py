"""The ranked home feed and explore: they learn from likes and unlikes (through the
event outbox), respect the shield, page without repeats or gaps, and say why."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.services import follow_set
from engagement.models import Like
from engagement.ranking import selectors
from engagement.ranking.models import Affinity, FeedPreference
from engagement.ranking.scoring import Parts
from engagement.services import like_set, likes_void
from photos.models import Photo
from tests.factories import FollowFactory, PhotoFactory, UserFactory
from tests.pages import assert_redirects_to_login, page_text

CARD = re.compile(r'id="like-control-(\d+)"')


@pytest.fixture
def ana(db):
    return UserFactory(username="ana", display_name="Ana")


@pytest.fixture
def ben(db):
    return UserFactory(username="ben", display_name="Ben")


@pytest.fixture
def following(fan, ana, ben):
    FollowFactory(follower=fan, followed=ana)
    FollowFactory(follower=fan, followed=ben)


@pytest.fixture
def engage(django_capture_on_commit_callbacks):
    """Like or unlike with the side effects run, as the workers would."""

    def act(user, photo, liked: bool) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            like_set(user=user, photo=photo, liked=liked)

    return act


def order(viewer, at=None) -> list[int]:
    return [item.photo_id for item in selectors.feed_rank(viewer, at or timezone.now())]


def posted(owner, hours_ago: float) -> Photo:
    return PhotoFactory(owner=owner, created=timezone.now() - timedelta(hours=hours_ago))


# --- Learning from likes and unlikes ---------------------------------------------------------


def test_liking_an_authors_photos_lifts_their_next_ones(fan, ana, ben, following, engage):
    engage(fan, posted(ana, 40), True)
    anas, bens = posted(ana, 2), posted(ben, 1)  # Ben's is newer

    ranking = order(fan)

    assert ranking.index(anas.pk) < ranking.index(bens.pk)
    assert Affinity.objects.get(viewer=fan, author=ana).score == pytest.approx(1.0)


def test_an_unlike_lowers_an_author_below_an_untouched_one(fan, ana, ben, following, engage):
    earlier = posted(ana, 40)
    engage(fan, earlier, True)
    engage(fan, earlier, False)  # the unlike takes more than the like gave
    anas, bens = posted(ana, 1), posted(ben, 2)  # Ana's is newer

    ranking = order(fan)

    assert ranking.index(bens.pk) < ranking.index(anas.pk)
    assert Affinity.objects.get(viewer=fan, author=ana).score == pytest.approx(-0.5)


def test_a_moderators_void_takes_back_only_what_the_like_taught(
    fan, ana, following, engage, django_capture_on_commit_callbacks
):
    photo = posted(ana, 5)
    engage(fan, photo, True)
    with django_capture_on_commit_callbacks(execute=True):
        likes_void(user=fan, photo=photo)

    assert Affinity.objects.get(viewer=fan, author=ana).score == pytest.approx(0.0, abs=1e-6)


def test_what_was_learnt_halves_every_thirty_days(fan, ana, following, engage):
    engage(fan, posted(ana, 1), True)
    later = timezone.now() + timedelta(days=60)
    photo = PhotoFactory(owner=ana, created=later - timedelta(hours=1))

    (item,) = [i for i in selectors.feed_rank(fan, later) if i.photo_id == photo.pk]

    assert item.parts.learnt == pytest.approx(0.25, rel=1e-3)


def test_a_pending_withdrawal_does_not_move_the_rank(fan, ana, stranger, following, engage):
    """Under the shield a withdrawn like still shows until its window ends; so does the
    rank, or a person could date the unlike by watching their feed."""
    photo = posted(ana, 3)
    engage(stranger, photo, True)
    before = {i.photo_id: i.parts for i in selectors.feed_rank(fan, timezone.now())}

    engage(stranger, photo, False)
    after = {i.photo_id: i.parts for i in selectors.feed_rank(fan, timezone.now())}

    assert after[photo.pk].likes == before[photo.pk].likes == 1
    assert after[photo.pk].withdrawals == 0
    assert after[photo.pk].score == pytest.approx(before[photo.pk].score, rel=1e-3)


def test_the_feed_leaves_out_strangers_hidden_photos_and_old_ones(fan, ana, stranger, following):
    shown = posted(ana, 1)
    posted(stranger, 1)
    hidden = posted(ana, 1)
    Photo.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    posted(ana, 24 * 31)

    assert order(fan) == [shown.pk]


# --- Pages and explanations --------------------------------------------------------------------


def test_pages_never_repeat_or_skip_while_likes_change(
    fan_client, fan, ana, ben, stranger, following, settings, engage, htmx_headers
):
    settings.FEED_CARDS_PER_PAGE = 2
    photos = [posted((ana, ben)[n % 2], hours_ago=n) for n in range(5)]
    first = page_text(fan_client.get(reverse("home")))
    seen = [int(pk) for pk in CARD.findall(first)]
    for photo in photos:  # everything gets liked between pages: the ranking would change
        engage(stranger, photo, True)

    while link := re.search(r'class="load-more" href="([^"]+)"', first):
        first = page_text(fan_client.get(link.group(1).replace("&amp;", "&"), headers=htmx_headers))
        assert "<html" not in first
        seen += [int(pk) for pk in CARD.findall(first)]

    assert sorted(seen) == sorted(photo.pk for photo in photos)
    assert len(seen) == len(set(seen))
    assert "all caught up" in first


def test_an_expired_snapshot_never_repeats_photos_while_scrolling(
    fan_client, fan, ana, following, settings, htmx_headers
):
    settings.FEED_CARDS_PER_PAGE = 1
    posted(ana, 2)
    photo = posted(ana, 1)
    first = page_text(fan_client.get(reverse("home")))
    link = re.search(r'class="load-more" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    token = re.search(r"snapshot=([^&]+)", link).group(1)
    cache.delete(selectors._snapshot_key("feed", fan, token))  # 30 minutes later

    scrolled = page_text(fan_client.get(link, headers=htmx_headers))

    assert CARD.findall(scrolled) == []  # the first photo is not appended a second time
    assert "Your feed has changed since you started scrolling." in scrolled
    assert 'href="/"' in scrolled
    # Without JavaScript, "Show more" is a whole page: the feed afresh, from the top.
    whole = page_text(fan_client.get(link))
    assert "Your feed has changed since you started scrolling." in whole
    assert [int(pk) for pk in CARD.findall(whole)] == [photo.pk]


def test_the_end_of_the_ranked_feed_offers_older_photos(fan_client, ana, following):
    posted(ana, 1)

    page = page_text(fan_client.get(reverse("home")))

    assert "all caught up on the last 30 days" in page
    assert 'name="order" value="chronological"' in page
    assert "See older photos, newest first" in page


def snapshot_of(page: str) -> str | None:
    found = re.search(r"snapshot=([^&\"]+)", page)
    return found.group(1) if found else None


def test_a_reload_shows_the_same_ranking_without_ranking_again(
    fan_client, ana, following, settings, django_assert_max_num_queries
):
    settings.FEED_CARDS_PER_PAGE = 1
    posted(ana, 2), posted(ana, 1)
    first = page_text(fan_client.get(reverse("home")))

    with django_assert_max_num_queries(11) as reload:
        again = page_text(fan_client.get(reverse("home")))

    assert snapshot_of(again) == snapshot_of(first)
    assert CARD.findall(again) == CARD.findall(first)
    assert not any("ranking_affinity" in query["sql"] for query in reload.captured_queries)


def test_the_feed_ranks_afresh_after_the_viewer_likes_or_someone_posts(
    fan_client, fan, ana, ben, following, settings, engage
):
    settings.FEED_CARDS_PER_PAGE = 1
    anas, bens = posted(ana, 3), posted(ben, 1)
    first = page_text(fan_client.get(reverse("home")))
    assert [int(pk) for pk in CARD.findall(first)] == [bens.pk]

    for hours in (30, 40):  # the viewer likes Ana's older photos: her next ones rise
        engage(fan, posted(ana, hours), True)
    liked = page_text(fan_client.get(reverse("home")))
    assert snapshot_of(liked) != snapshot_of(first)
    assert [int(pk) for pk in CARD.findall(liked)] == [anas.pk]

    newest = posted(ben, 0)  # someone the viewer follows posts
    later = page_text(fan_client.get(reverse("home")))
    assert snapshot_of(later) != snapshot_of(liked)
    assert newest.pk in [
        photo_id for photo_id, _ in selectors.snapshot_load(fan, snapshot_of(later))
    ]


def test_the_feed_ranks_afresh_after_a_follow_and_after_five_minutes(
    fan_client,
    fan,
    ana,
    stranger,
    following,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.FEED_CARDS_PER_PAGE = 1
    posted(ana, 3), posted(ana, 4)
    first = snapshot_of(page_text(fan_client.get(reverse("home"))))
    theirs = posted(stranger, 2)

    with django_capture_on_commit_callbacks(execute=True):
        follow_set(follower=fan, followed=stranger, following=True)
    followed = page_text(fan_client.get(reverse("home")))

    assert snapshot_of(followed) != first
    assert [int(pk) for pk in CARD.findall(followed)] == [theirs.pk]
    six_minutes_later = timezone.now() + timedelta(minutes=6)
    monkeypatch.setattr(timezone, "now", lambda: six_minutes_later)
    assert snapshot_of(page_text(fan_client.get(reverse("home")))) != snapshot_of(followed)


def test_a_bad_offset_is_a_clear_400(fan_client, following):
    response = fan_client.get(reverse("home") + "?snapshot=x&offset=-3")

    assert response.status_code == 400
    assert "That page of your feed doesn't exist." in page_text(response)


def test_each_item_says_why_from_the_numbers_that_ranked_it(
    fan_client, fan, ana, following, engage
):
    for hours in (30, 20):
        engage(fan, posted(ana, hours), True)
    photo = posted(ana, 1)

    page = page_text(fan_client.get(reverse("home")))

    (item,) = [i for i in selectors.feed_rank(fan, timezone.now()) if i.photo_id == photo.pk]
    assert item.parts.followed and item.parts.learnt == pytest.approx(2.0, rel=1e-3)
    assert "Why am I seeing this?" in page
    assert "You follow Ana." in page
    assert "You liked 2 of Ana's photos this month, so theirs rank higher." in page


def test_reasons_follow_the_parts_of_the_score(ana):
    shunned = Parts(
        age_hours=50, followed=True, own=False, learnt=-1.5, likes=4, reach=20, withdrawals=2
    )

    lines = selectors.feed_reasons(shunned, ana, liked_this_month=0)

    assert lines == [
        "You follow Ana.",
        "You unliked some of Ana's photos, so theirs rank lower.",
        "Posted 2 days ago: older photos sink.",
    ]
    assert shunned.score < Parts(50, True, False, 0.0, 4, 20, 2).score


def test_reasons_never_tell_reach_counts_or_withdrawn_likes(ana):
    """Reach is the owner's insight; withdrawn likes are nobody's business: they weigh in
    the score but are never said, as numbers or in words."""
    well_liked = Parts(
        age_hours=3, followed=True, own=False, learnt=0.0, likes=30, reach=40, withdrawals=5
    )

    lines = selectors.feed_reasons(well_liked, ana, liked_this_month=0)

    assert "Many of the people who saw it liked it." in lines
    text = " ".join(lines)
    assert not any(char.isdigit() for char in text)
    assert "withdr" not in text and "unlike" not in text
    hidden = selectors.feed_reasons(well_liked, ana, liked_this_month=0, likes_shown=False)
    assert "Many of the people who saw it liked it." not in hidden


# --- The chronological choice ------------------------------------------------------------------


def test_choosing_newest_first_is_remembered(client, fan, ana, following):
    older, newer = posted(ana, 5), posted(ana, 1)
    Affinity.objects.create(viewer=fan, author=ana, score=0, updated=timezone.now())
    client.force_login(fan)

    response = client.post(reverse("feed_order"), {"order": "chronological"})

    assert response.status_code == 302
    client.logout()
    client.force_login(fan)
    page = page_text(client.get(reverse("home")))
    assert [int(pk) for pk in CARD.findall(page)] == [newer.pk, older.pk]
    assert "Show what I'd like most first" in page
    assert FeedPreference.objects.get(user=fan).chronological


def test_the_feed_order_refuses_nonsense_and_strangers(client, fan):
    client.force_login(fan)
    response = client.post(reverse("feed_order"), {"order": "random"})
    assert response.status_code == 400
    assert "Choose a ranked or a chronological feed." in page_text(response)
    client.logout()

    assert_redirects_to_login(client.post(reverse("feed_order"), {"order": "ranked"}))


# --- Explore -----------------------------------------------------------------------------------


def test_explore_shows_popular_photos_of_people_you_dont_follow(
    fan_client, fan, ana, ben, stranger, engage, django_capture_on_commit_callbacks
):
    FollowFactory(follower=fan, followed=ana)
    followed = posted(ana, 2)
    popular, quiet, voided = posted(ben, 3), posted(stranger, 1), posted(stranger, 2)
    hidden = posted(ben, 1)
    Photo.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    likers = UserFactory.create_batch(3)
    for person in likers:
        engage(person, followed, True)
        engage(person, popular, True)
        engage(person, voided, True)
        engage(person, hidden, True)
    with django_capture_on_commit_callbacks(execute=True):
        for person in likers:
            likes_void(user=person, photo=voided)

    page = page_text(fan_client.get(reverse("explore")))

    shown = re.findall(r'href="/p/(\d+)/"><img', page)
    assert [int(pk) for pk in shown] == [popular.pk, quiet.pk, voided.pk]
    assert "Popular this week: it has been getting new likes." in page
    assert "a score of" not in page
    assert "You don't follow Ben yet." in page
    assert not Like.objects.filter(photo=voided).exists()


def test_explore_is_public_and_on_the_home_page_for_visitors(client, ana):
    photo = posted(ana, 1)

    for url in (reverse("explore"), reverse("home")):
        page = page_text(client.get(url))
        assert f'href="/p/{photo.pk}/"' in page
        assert "You don't follow" not in page


EXPLORE_ITEM = re.compile(r'href="/p/(\d+)/"><img')


def test_explore_pages_never_repeat_or_skip_while_likes_change(
    fan_client, ana, ben, stranger, engage, settings, htmx_headers
):
    settings.PHOTOS_PER_PAGE = 2
    photos = [posted((ana, ben)[n % 2], hours_ago=n) for n in range(5)]
    engage(stranger, photos[4], True)  # the oldest is popular: it comes first
    first = page_text(fan_client.get(reverse("explore")))
    seen = [int(pk) for pk in EXPLORE_ITEM.findall(first)]
    assert seen[0] == photos[4].pk
    for photo in photos[:4]:  # everything else gets liked between pages
        engage(stranger, photo, True)

    page = first
    while link := re.search(r'class="load-more" href="([^"]+)"', page):
        next_page = reverse("explore") + link.group(1).replace("&amp;", "&")
        page = page_text(fan_client.get(next_page, headers=htmx_headers))
        assert "<html" not in page
        seen += [int(pk) for pk in EXPLORE_ITEM.findall(page)]

    assert sorted(seen) == sorted(photo.pk for photo in photos)
    assert len(seen) == len(set(seen))


def test_an_expired_explore_snapshot_says_so_instead_of_repeating(
    fan_client, ana, settings, htmx_headers
):
    settings.PHOTOS_PER_PAGE = 1
    posted(ana, 2)
    newer = posted(ana, 1)
    first = page_text(fan_client.get(reverse("explore")))
    link = re.search(r'class="load-more" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    link = reverse("explore") + link
    cache.clear()  # half an hour later

    scrolled = page_text(fan_client.get(link, headers=htmx_headers))
    whole = page_text(fan_client.get(link))

    assert EXPLORE_ITEM.findall(scrolled) == []
    assert "Explore has changed since you started scrolling." in scrolled
    assert "Explore has changed since you started scrolling." in whole
    assert [int(pk) for pk in EXPLORE_ITEM.findall(whole)] == [newer.pk]


def test_a_bad_explore_offset_is_a_clear_400(client):
    response = client.get(reverse("explore") + "?snapshot=x&offset=two")

    assert response.status_code == 400
    assert "That page of explore doesn't exist." in page_text(response)


def test_explore_query_count_does_not_grow_with_photos(
    fan_client, fan, ana, ben, stranger, engage, django_assert_max_num_queries
):
    FollowFactory(follower=fan, followed=ben)

    def queries() -> int:
        cache.clear()  # the week's popular list is cached for a minute
        with django_assert_max_num_queries(9) as read:
            fan_client.get(reverse("explore"))
        return len(read)

    engage(stranger, posted(ana, 1), True)
    few = queries()
    for hours in range(2, 22):
        engage(stranger, posted((ana, stranger)[hours % 2], hours), True)

    assert queries() == few


def test_people_to_follow_wait_at_the_end_of_the_feed(
    fan_client, ana, ben, following, settings, htmx_headers
):
    settings.FEED_CARDS_PER_PAGE = 1
    UserFactory(username="newcomer", display_name="Nia Newcomer")
    posted(ana, 2), posted(ben, 1)

    first = page_text(fan_client.get(reverse("home")))
    link = re.search(r'class="load-more" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    last = page_text(fan_client.get(link, headers=htmx_headers))

    assert "People on Likewise" not in first  # out of reach below the infinite scroll
    assert "People on Likewise" in last and "Nia Newcomer" in last


def test_a_new_member_with_an_empty_feed_is_offered_people_to_follow(fan_client):
    UserFactory(username="newcomer", display_name="Nia Newcomer")

    page = page_text(fan_client.get(reverse("home")))

    assert "Photos from people you follow, and your own, show up here." in page
    assert "People on Likewise" in page and "Nia Newcomer" in page


def test_snapshots_kept_by_an_earlier_release_are_not_misread(fan_client, fan, ana, following):
    """A deploy that changes the rows' shape must not read the old ones (a 500 for half
    an hour): their keys name the format, so an old snapshot is simply not found."""
    photo = posted(ana, 1)
    cache.set(f"feed-snapshot:{fan.pk}:old", [(photo.pk, {"age_hours": 1.0})])

    response = fan_client.get(reverse("home") + "?snapshot=old&offset=0")

    assert response.status_code == 200
    assert "Your feed has changed since you started scrolling." in page_text(response)
    assert selectors._snapshot_key("feed", fan, "old") != f"feed-snapshot:{fan.pk}:old"
