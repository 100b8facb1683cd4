"""Tests that need real concurrent transactions (PostgreSQL): their marks, and one way to
start work in many threads at once."""

import random
import threading
import time
from collections.abc import Callable

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


def run_together(
    jobs: list[Callable[[], object]], *, rng: random.Random | None = None, jitter: float = 0.004
) -> list[object]:
    """Run each job in its own thread, all released at once by a Barrier; their results,
    in order. With ``rng``, each job first waits a random 0 to ``jitter`` seconds, drawn
    here from that seeded generator, so both orders of a close race occur, repeatably.

    Each thread uses its own database connection and closes it when done. A thread that
    fails or hangs fails the test.
    """
    barrier = threading.Barrier(len(jobs))
    delays = [rng.uniform(0, jitter) if rng else 0.0 for _ in jobs]
    results: list[object] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            time.sleep(delays[index])
            results[index] = job()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, f"{len(errors)} threads failed, first: {errors[0]!r}"
    return results
