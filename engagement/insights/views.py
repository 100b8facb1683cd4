"""Owner insight pages and their CSV downloads. Owner only: anyone else gets 404."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from config.views import error_response
from engagement.insights import charts, selectors
from engagement.insights.reach import reach_flush_waiting
from engagement.insights.selectors import PERIODS, Figures, Insights
from engagement.policy import get_policy
from photos import selectors as photo_selectors
from photos.models import Photo

CSV_HEADER = ["date", "likes_gained", "likes_withdrawn", "likes_voided", "views", "unique_viewers"]


def _period(request: HttpRequest) -> int | None:
    chosen = request.GET.get("period", str(selectors.DEFAULT_PERIOD))
    return int(chosen) if chosen in {str(days) for days in PERIODS} else None


def _bad_period(request: HttpRequest) -> HttpResponse:
    return error_response(request, 400, _("Choose a period of 7, 30 or 90 days."))


def _owned_photo(request: HttpRequest, photo_id: int) -> Photo:
    photo = photo_selectors.photo_for_page(photo_id, request.user)
    if photo.owner_id != request.user.pk:
        raise Http404
    return photo


def _photo_insights(request: HttpRequest, photo_id: int) -> tuple[Photo, Insights | None]:
    """The owner's photo and its figures for the asked period (None: no such period)."""
    photo = _owned_photo(request, photo_id)
    period = _period(request)
    if period is None:
        return photo, None
    reach_flush_waiting()
    now = timezone.now()
    return photo, selectors.photo_insights(photo, period=period, now=now, policy=get_policy())


def _account_insights(request: HttpRequest) -> Insights | None:
    period = _period(request)
    if period is None:
        return None
    reach_flush_waiting()
    return selectors.account_insights(
        request.user, period=period, now=timezone.now(), policy=get_policy()
    )


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """The whole page, or only the figures when htmx switches the period."""
    if request.htmx:
        template = f"{template}#figures"
    context |= {"periods": PERIODS, "policy": get_policy()}
    return render(request, template, context)


@vary_on_headers("HX-Request")
@login_required
def photo_insights(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo, insights = _photo_insights(request, photo_id)
    if insights is None:
        return _bad_period(request)
    context = {
        "photo": photo,
        "insights": insights,
        "charts": [charts.likes_chart(insights), charts.reach_chart(insights)],
    }
    return _render(request, "insights/photo.html", context)


@vary_on_headers("HX-Request")
@login_required
def account_insights(request: HttpRequest) -> HttpResponse:
    insights = _account_insights(request)
    if insights is None:
        return _bad_period(request)
    context = {
        "insights": insights,
        "charts": [
            charts.likes_chart(insights),
            charts.reach_chart(insights),
            charts.followers_chart(insights),
            charts.withdrawal_rate_chart(insights),
        ],
    }
    return _render(request, "insights/account.html", context)


def _csv_row(day, figures: Figures, insights: Insights) -> list:
    withdrawn = figures.withdrawn
    if withdrawn is None:
        withdrawn = _("fewer than %(k)s") % {"k": insights.min_group}
    return [
        day.isoformat(),
        figures.gained,
        withdrawn,
        figures.voided,
        figures.views,
        figures.unique_viewers,
    ]


def _csv_response(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@login_required
def photo_insights_csv(request: HttpRequest, photo_id: int) -> HttpResponse:
    """The photo's daily series for the chosen period: dates and counts, never a name."""
    photo, insights = _photo_insights(request, photo_id)
    if insights is None:
        return _bad_period(request)
    rows = [_csv_row(d.day, d.figures, insights) for d in insights.series]
    filename = f"likewise-photo-{photo.pk}-{insights.period}-days.csv"
    return _csv_response(filename, CSV_HEADER, rows)


@login_required
def account_insights_csv(request: HttpRequest) -> HttpResponse:
    """All of the owner's photos together, with followers gained and lost, per day."""
    insights = _account_insights(request)
    if insights is None:
        return _bad_period(request)
    rows = [
        [*_csv_row(d.day, d.figures, insights), change.gained, change.lost]
        for d, change in zip(insights.series, insights.extra["follower_changes"], strict=True)
    ]
    header = [*CSV_HEADER, "followers_gained", "followers_lost"]
    return _csv_response(f"likewise-account-{insights.period}-days.csv", header, rows)
