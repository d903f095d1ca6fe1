"""Charts as inline SVG drawn on the server: no script, no CDN, readable at any width."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 360  # narrow on purpose: the same drawing stays legible on a phone
ROW = 42
BAR = 14
VALUE_ROOM = 90  # room for the value printed after the longest bar
COLORS = {"default": "#1f4e8c", "ok": "#2e7d32", "warn": "#e0a000", "bad": "#b00020"}


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    unit: str = "",
    max_value: float | None = None,
    color: str = "default",
    decimals: int = 0,
) -> Markup:
    """A horizontal bar chart: each row's label above its bar, the value printed after it."""
    if not rows:
        return Markup('<p class="muted">{}：暂无数据</p>').format(title)
    top = max_value if max_value is not None else max((v for _, v in rows), default=0)
    top = top if top > 0 else 1
    span = WIDTH - VALUE_ROOM
    height = ROW * len(rows) + 4
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    fill = COLORS.get(color, COLORS["default"])
    for index, (label, value) in enumerate(rows):
        y = index * ROW
        length = max(value, 0) / top * span
        shown = f"{value:.{decimals}f}{unit}"
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="14">{escape(_short(label))}</text>'
            f'<rect x="0" y="{y + 21}" width="{max(length, 1):.1f}" height="{BAR}" fill="{fill}">'
            f"<title>{escape(label)}：{escape(shown)}</title></rect>"
            f'<text x="{length + 6:.1f}" y="{y + 33}" font-size="13">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_chart(title: str, rows: Sequence[tuple[str, float | None]]) -> Markup:
    """Percentages (0–100) on a fixed 100 % scale; a rate without any case is shown as 无数据."""
    known = [(label, value) for label, value in rows if value is not None]
    if not known:
        return Markup('<p class="muted">{}：暂无已办结或已超过时限的办件</p>').format(title)
    chart = bar_chart(title, known, unit="%", max_value=100, color="ok", decimals=1)
    missing = [label for label, value in rows if value is None]
    if missing:
        note = Markup('<p class="muted">{}：暂无已到期或已办结的办件</p>').format(
            "、".join(missing)
        )
        return Markup(chart + note)
    return chart


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
