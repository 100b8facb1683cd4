"""Server-rendered SVG bar charts: no script, no inline style (colours come from classes
in site.css), a title and description for screen readers, and the same figures as a
table (see templates/insights/_chart.html) for anyone who cannot read the picture."""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import slugify
from django.utils.translation import gettext

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 52
MAX_X_LABELS = 10


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    values: Sequence[float | None]  # None: withheld (drawn as nothing, shown in the table)


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    x_label: str
    y_label: str
    labels: Sequence[str]
    series: Sequence[Series]
    svg: SafeString
    rows: list[tuple[str, list[str]]]


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def bar_chart(
    *,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    labels: Sequence[str],
    series: Sequence[Series],
    cell: Callable[[float | None], str],
) -> Chart:
    """Grouped bars, one group per label; ``cell`` formats a value for axis and table."""
    chart_id = slugify(title) or "chart"
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_ceiling(max((v for s in series for v in s.values if v is not None), default=0))
    group = plot_width / max(len(labels), 1)
    bar = max(group * 0.8 / max(len(series), 1), 1)

    def y(value: float) -> float:
        return TOP + plot_height - value / top * plot_height

    bars = []
    for index, one in enumerate(series):
        for position, value in enumerate(one.values):
            if not value:
                continue
            x = LEFT + position * group + group * 0.1 + index * bar
            bars.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{}: {}, {}</title></rect>",
                    one.css_class,
                    f"{x:.1f}",
                    f"{y(value):.1f}",
                    f"{bar:.1f}",
                    f"{y(0) - y(value):.1f}",
                    labels[position],
                    one.name,
                    cell(value),
                )
            )
    ticks = format_html_join(
        "",
        '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
        (
            (
                LEFT,
                WIDTH - RIGHT,
                f"{y(v):.1f}",
                f"{y(v):.1f}",
                LEFT - 6,
                f"{y(v) + 4:.1f}",
                cell(v),
            )
            for v in (0, top / 2, top)
            if v in (0, top) or top < 1 or float(v).is_integer()
        ),
    )
    every = math.ceil(len(labels) / MAX_X_LABELS) or 1
    x_ticks = format_html_join(
        "",
        '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (f"{LEFT + (i + 0.5) * group:.1f}", TOP + plot_height + 16, label)
            for i, label in enumerate(labels)
            if (len(labels) - 1 - i) % every == 0
        ),
    )
    legend = format_html_join(
        "",
        '<rect class="{}" x="{}" y="12" width="12" height="12"/>'
        '<text class="chart-legend" x="{}" y="22">{}</text>',
        ((s.css_class, LEFT + i * 160, LEFT + i * 160 + 18, s.name) for i, s in enumerate(series)),
    )
    svg = format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc"'
        ' xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{desc}</desc>{legend}{ticks}{bars}{x_ticks}'
        '<line class="chart-axis" x1="{left}" x2="{right}" y1="{base}" y2="{base}"/>'
        '<text class="chart-axis-label" x="{mid}" y="{bottom}" text-anchor="middle">'
        "{x_label}</text>"
        '<text class="chart-axis-label" x="14" y="{middle}" text-anchor="middle"'
        ' transform="rotate(-90 14 {middle})">{y_label}</text></svg>',
        w=WIDTH,
        h=HEIGHT,
        id=chart_id,
        title=title,
        desc=description,
        legend=legend,
        ticks=ticks,
        bars=SafeString("".join(bars)),
        x_ticks=x_ticks,
        left=LEFT,
        right=WIDTH - RIGHT,
        base=f"{y(0):.1f}",
        mid=LEFT + plot_width / 2,
        bottom=HEIGHT - 8,
        x_label=x_label,
        middle=TOP + plot_height / 2,
        y_label=y_label,
    )
    rows = [(label, [cell(one.values[i]) for one in series]) for i, label in enumerate(labels)]
    return Chart(title, description, x_label, y_label, labels, series, svg, rows)


def count_cell(min_group: int) -> Callable[[float | None], str]:
    """Counts as whole numbers; a withheld count as "fewer than k"."""

    def cell(value: float | None) -> str:
        if value is None:
            return gettext("fewer than %(k)s") % {"k": min_group}
        return number_format(value, 0)

    return cell


def rate_cell(value: float | None) -> str:
    return gettext("not shown") if value is None else f"{number_format(round(value * 100, 1), 1)}%"


def _day_label(day: date) -> str:
    return date_format(day, "M j")


def _noting_withheld(description: str, note: str, buckets, min_group: int) -> str:
    """Say in the description when some buckets' withdrawals are withheld."""
    if any(bucket.figures.withdrawn is None for bucket in buckets):
        return f"{description} {note % {'k': min_group}}"
    return description


def _chart_of(
    buckets, *, title: str, description: str, y_label: str, bars, cell, x_label: str = ""
) -> Chart:
    """One group of bars per bucket (a day by default); ``bars`` are (legend name, CSS
    class, dotted attribute of the bucket to draw)."""
    return bar_chart(
        title=title,
        description=description,
        x_label=x_label or gettext("Day (UTC)"),
        y_label=y_label,
        labels=[_day_label(b.day) for b in buckets],
        series=[
            Series(name, css_class, [attrgetter(value)(b) for b in buckets])
            for name, css_class, value in bars
        ],
        cell=cell,
    )


def likes_chart(insights) -> Chart:
    return _chart_of(
        insights.series,
        title=gettext("Likes per day"),
        description=_noting_withheld(
            gettext("Likes gained, withdrawn and removed by moderators each day (UTC)."),
            gettext("Days with fewer than %(k)s withdrawn likes show no withdrawn bar."),
            insights.series,
            insights.min_group,
        ),
        y_label=gettext("Likes"),
        bars=[
            (gettext("Gained"), "chart-gained", "figures.gained"),
            (gettext("Withdrawn"), "chart-withdrawn", "figures.withdrawn"),
            (gettext("Removed by moderators"), "chart-voided", "figures.voided"),
        ],
        cell=count_cell(insights.min_group),
    )


def reach_chart(insights) -> Chart:
    return _chart_of(
        insights.series,
        title=gettext("Reach per day"),
        description=gettext(
            "Views (photo page and feed, each counted once a day per viewer) and unique "
            "viewers each day (UTC)."
        ),
        y_label=gettext("People"),
        bars=[
            (gettext("Views"), "chart-views", "figures.views"),
            (gettext("Unique viewers"), "chart-viewers", "figures.unique_viewers"),
        ],
        cell=count_cell(insights.min_group),
    )


def followers_chart(insights) -> Chart:
    return _chart_of(
        insights.extra["follower_changes"],
        title=gettext("Followers per day"),
        description=gettext("Followers gained and lost each day (UTC)."),
        y_label=gettext("People"),
        bars=[
            (gettext("New followers"), "chart-gained", "gained"),
            (gettext("Unfollowed"), "chart-withdrawn", "lost"),
        ],
        cell=count_cell(insights.min_group),
    )


def withdrawal_rate_chart(insights) -> Chart:
    return _chart_of(
        insights.weeks,
        title=gettext("Withdrawal rate by week"),
        description=_noting_withheld(
            gettext("Withdrawn likes per like gained, by week (UTC days)."),
            gettext("Weeks with fewer than %(k)s withdrawn likes are not shown."),
            insights.weeks,
            insights.min_group,
        ),
        x_label=gettext("Week ending"),
        y_label=gettext("Withdrawn per like gained"),
        bars=[(gettext("Withdrawal rate"), "chart-withdrawn", "figures.withdrawal_rate")],
        cell=rate_cell,
    )
