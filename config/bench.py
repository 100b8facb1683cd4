"""Measurements for `manage.py bench`: each row is judged against its target in one run.

Requests go through Django's full middleware stack in this process (the test client,
with a real session in the configured session store), so statement counts include the
session and user, and times are server time without the network. The like path is
measured side by side with a bare authenticated POST view, interleaved request by
request, so the ratio does not depend on how busy the machine is.
"""

import io
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median, quantiles

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from config import urls as site_urls
from engagement.ranking.services import feed_forget
from photos.models import Photo

BARE_URL = "/bench/bare/"


@require_POST
@login_required
def bare_view(request: HttpRequest) -> HttpResponse:
    """The cheapest authenticated POST the site could answer: the like path's yardstick."""
    return HttpResponse("ok")


class BenchUrls:
    """A URL configuration: the site's own plus the bare view (only while bench runs)."""

    urlpatterns = [path(BARE_URL.strip("/") + "/", bare_view), *site_urls.urlpatterns]
    handler400 = site_urls.handler400
    handler403 = site_urls.handler403
    handler404 = site_urls.handler404
    handler500 = site_urls.handler500


@dataclass(frozen=True)
class Row:
    name: str
    value: float
    unit: str
    target: float
    status: str

    @classmethod
    def judged(cls, name: str, value: float, unit: str, target: float) -> "Row":
        return cls(name, round(value, 3), unit, target, "PASS" if value <= target else "FAIL")


@dataclass
class Timing:
    seconds: list[float]
    statements: int

    @property
    def p50_ms(self) -> float:
        return median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        if len(self.seconds) < 2:
            return self.seconds[0] * 1000
        return quantiles(self.seconds, n=20, method="inclusive")[-1] * 1000


def timed(request: Callable[[], HttpResponse]) -> tuple[float, int]:
    """One request: (seconds, SQL statements); a response other than 2xx/3xx is an error."""
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = request()
        elapsed = time.perf_counter() - start
    if response.status_code >= 400:
        raise RuntimeError(f"bench request answered {response.status_code}")
    return elapsed, len(queries.captured_queries)


@dataclass(frozen=True)
class Subjects:
    """Who and what is measured: the busiest owner's hot photo, a viewer who follows
    many people, and a photo the viewer can like."""

    owner: User
    viewer: User
    hot_photo: Photo
    like_photo: Photo

    @classmethod
    def pick(cls) -> "Subjects":
        hot_photo = Photo.objects.select_related("owner").order_by("-like_count", "pk").first()
        if hot_photo is None:
            raise RuntimeError("No photos: run `manage.py seed_scale` first.")
        viewer = (
            User.objects.filter(is_active=True)
            .exclude(pk=hot_photo.owner_id)
            .annotate(follows=Count("following_links"))
            .order_by("-follows", "pk")
            .first()
        )
        like_photo = Photo.objects.exclude(owner=viewer).exclude(likes__user=viewer).first()
        if viewer is None or like_photo is None:
            raise RuntimeError("Not enough data: run `manage.py seed_scale` first.")
        return cls(hot_photo.owner, viewer, hot_photo, like_photo)


def client_for(user: User) -> Client:
    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if "*" not in host]
    client = Client(HTTP_HOST=(hosts or ["localhost"])[0])
    client.force_login(user)
    return client


def send_like(client: Client, url: str, liked: str) -> HttpResponse:
    """A like or unlike as the page's htmx sends it: a url-encoded form, HX-Request set."""
    return client.post(
        url,
        f"liked={liked}",
        content_type="application/x-www-form-urlencoded",
        headers={"HX-Request": "true"},
    )


def like_rows(subjects: Subjects, repeat: int) -> list[Row]:
    """Like and unlike versus the bare view, interleaved, through the whole stack."""
    client = client_for(subjects.viewer)
    like_url = reverse("like", kwargs={"photo_id": subjects.like_photo.pk})
    bare, like, unlike = Timing([], 0), Timing([], 0), Timing([], 0)
    limits = {"LIKE_RATE_PER_MINUTE": 10**9, "LIKE_RATE_PER_DAY": 10**9}
    with override_settings(ROOT_URLCONF=BenchUrls, **limits):
        # Once untimed: sessions and connections warm, as on a site already running.
        client.post(BARE_URL)
        send_like(client, like_url, "1")
        send_like(client, like_url, "0")
        for _ in range(repeat):
            for timing, send in (
                (bare, lambda: client.post(BARE_URL)),
                (like, lambda: send_like(client, like_url, "1")),
                (bare, lambda: client.post(BARE_URL)),
                (unlike, lambda: send_like(client, like_url, "0")),
            ):
                seconds, statements = timed(send)
                timing.seconds.append(seconds)
                timing.statements = max(timing.statements, statements)
    return [
        Row.judged("like: statements", like.statements, "statements", 8),
        Row.judged("unlike: statements", unlike.statements, "statements", 8),
        Row.judged("like: median vs bare view", like.p50_ms / bare.p50_ms, "x", 2),
        Row.judged("unlike: median vs bare view", unlike.p50_ms / bare.p50_ms, "x", 2),
        Row.judged("bare view: statements", bare.statements, "statements", 4),
    ]


def pages(subjects: Subjects) -> list[tuple[str, User, str, float]]:
    """(row name, who looks, URL, p95 target in ms) for every page the bench measures."""
    hot = subjects.hot_photo
    return [
        ("home feed, ranked", subjects.viewer, reverse("home"), 50),
        ("explore", subjects.viewer, reverse("explore"), 50),
        ("profile grid", subjects.viewer, subjects.owner.get_absolute_url(), 50),
        ("photo page, owner", subjects.owner, hot.get_absolute_url(), 50),
        ("photo page, viewer", subjects.viewer, hot.get_absolute_url(), 50),
        ("likers list, owner", subjects.owner, reverse("likers", args=[hot.pk]), 50),
        ("notifications, owner", subjects.owner, reverse("notifications"), 50),
        ("photo insights, owner", subjects.owner, reverse("photo_insights", args=[hot.pk]), 100),
        ("account insights, owner", subjects.owner, reverse("account_insights"), 100),
    ]


# The bench reads pages far faster than a person browses: lift the read limits meant
# to stop "who unliked" scrapers, as like_rows lifts the like rate limits.
UNLIMITED_READS = {
    f"{what}_READS_{per}": 10**9
    for what in ("LIKERS", "LIKE_COUNT")
    for per in ("PER_MINUTE", "PER_DAY", "PER_ADDRESS_PER_MINUTE", "PER_ADDRESS_PER_DAY")
}


@override_settings(**UNLIMITED_READS)
def page_rows(subjects: Subjects, repeat: int) -> list[Row]:
    rows = []
    for name, person, url, target_ms in pages(subjects):
        rows += page_row(name, person, url, target_ms, repeat)
    # A reload within minutes shows the viewer's current ranking; someone opening the
    # site after a while (or after liking) gets a ranking made afresh: measured apart.
    viewer = subjects.viewer
    rows += page_row(
        "home feed, ranked afresh",
        viewer,
        reverse("home"),
        50,
        repeat,
        before=lambda: feed_forget(viewer_id=viewer.pk),
    )
    return rows


def page_row(
    name: str,
    person: User,
    url: str,
    target_ms: float,
    repeat: int,
    before: Callable[[], None] = lambda: None,
) -> list[Row]:
    """A page's statements and p95 as ``person``; ``before`` runs, untimed, before each."""
    client = client_for(person)
    client.get(url)  # warm caches and connections once
    timing = Timing([], 0)
    for _ in range(repeat):
        before()
        seconds, statements = timed(lambda: client.get(url))
        timing.seconds.append(seconds)
        timing.statements = max(timing.statements, statements)
    return [
        Row.judged(f"{name}: statements", timing.statements, "statements", 12),
        Row.judged(f"{name}: p95", timing.p95_ms, "ms", target_ms),
    ]


UPLOAD_PROBE = """
import io, resource, sys, time, django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from photos.renditions import decode_upload, upload_renditions
data = open(sys.argv[1], "rb").read()
start = time.perf_counter()
image = decode_upload(SimpleUploadedFile("big.jpg", data, content_type="image/jpeg"))
upload_renditions(image)
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def big_jpeg(path: Path, size: tuple[int, int] = (6000, 4000)) -> None:
    """A 24-megapixel JPEG with real texture (noise), like a camera's."""
    from PIL import Image

    noise = Image.effect_noise((size[0] // 4, size[1] // 4), 60).resize(size)
    Image.merge("RGB", (noise, noise.rotate(180), noise.transpose(0))).save(
        path, "JPEG", quality=90
    )


def upload_rows(workdir: Path) -> list[Row]:
    """A 24-MP JPEG through the upload pipeline, in a fresh process (its peak memory)."""
    source = workdir / "bench-24mp.jpg"
    big_jpeg(source)
    result = subprocess.run(
        [sys.executable, "-c", UPLOAD_PROBE, str(source)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, peak_mb = (float(value) for value in result.stdout.split()[-2:])
    return [
        Row.judged("upload 24-MP JPEG: time", seconds, "s", 1.5),
        Row.judged("upload 24-MP JPEG: peak memory", peak_mb, "MB", 300),
    ]


def report(rows: list[Row], out: io.TextIOBase, scale: dict) -> None:
    width = max(len(row.name) for row in rows)
    out.write(f"{'measure':<{width}}  {'value':>10} {'unit':<10} {'target':>8}  status\n")
    for row in rows:
        out.write(
            f"{row.name:<{width}}  {row.value:>10.3f} {row.unit:<10} {row.target:>8}  "
            f"{row.status}\n"
        )
    out.write(json.dumps({"scale": scale, "rows": [asdict(row) for row in rows]}) + "\n")
