"""Shared personas and helpers. Each persona is a verified user who can log in."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections

from tests.factories import UserFactory
from tests.like_pages import PRESET_NAMES


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """Pooled PostgreSQL connections (and ones left by worker threads) would keep the test
    database busy, so dropping it at the end would fail; end them first."""
    yield
    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
            connection.close()
            if connection.vendor == "postgresql":
                connection.close_pool()


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """A MEDIA_ROOT of each test's own: files never leak between tests, and "no file was
    written" can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached values never leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia", display_name="Olivia Owner")


@pytest.fixture
def fan(db):
    return UserFactory(username="fabio", display_name="Fabio Fan")


@pytest.fixture
def stranger(db):
    return UserFactory(username="sam", display_name="Sam Stranger")


@pytest.fixture
def moderator(db):
    return UserFactory(username="mona", display_name="Mona Moderator", moderator=True)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="ada", display_name="Ada Admin", admin=True)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def fan_client(client, fan):
    client.force_login(fan)
    return client


@pytest.fixture
def htmx_headers():
    return {"HX-Request": "true"}


@pytest.fixture(params=PRESET_NAMES)
def preset(request, settings) -> str:
    """Each engagement policy preset in turn, as the site's policy; its name."""
    settings.ENGAGEMENT_POLICY = request.param
    return request.param
