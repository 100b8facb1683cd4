"""Marks for tests that need real concurrent transactions (PostgreSQL)."""

import pytest
from django.db import connection

POSTGRES_ONLY = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL (set DATABASE_URL); SQLite serialises writers",
    ),
    pytest.mark.django_db(transaction=True),
]
