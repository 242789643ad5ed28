"""index.html of the demo tour: a plain static page, the screenshots grouped by walk, the
languages side by side, the step names as captions, relative links. Every text is escaped."""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from kiosk.tour.run import Shot, TourReport, WalkResult

LANGUAGES = {"zh_CN": "简体中文 (zh_CN)", "en": "English (en)"}

_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
.fail { color: #b00020; } .skip { color: #666; } .warn { color: #8a5a00; font-size: 90%; }
table { border-collapse: collapse; width: 100%; }
th, td { vertical-align: top; padding: 0.4em; text-align: left; }
td.caption { width: 16em; }
img { width: 100%; max-width: 640px; border: 1px solid #ccc; }
nav a { margin-right: 1em; white-space: nowrap; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _image(name: str) -> str:
    href = _e(quote(name))
    return f'<a href="{href}"><img src="{href}" alt="{_e(name)}" loading="lazy"></a>'


def _columns(report: TourReport) -> list[str]:
    """The picture columns: each language, then (with --portrait) each language in portrait."""
    keys: list[str] = []
    for result in report.results:
        for shot in result.shots:
            keys.extend(k for k in shot.files if k not in keys)
    return keys


def _heading(key: str) -> str:
    locale, _, variant = key.partition("-")
    return LANGUAGES.get(locale, locale) + (f", {variant}" if variant else "")


def _shot_row(shot: Shot, columns: list[str]) -> str:
    klass = ' class="fail"' if shot.failed else ""
    cells = [
        f'<td class="caption"><b{klass}>{shot.number:02d} {_e(shot.step)}</b><br>{_e(shot.caption)}'
        + "".join(f'<div class="warn">{_e(w)}</div>' for w in shot.warnings)
        + "</td>"
    ]
    cells.extend(f"<td>{_image(shot.files[key]) if key in shot.files else ''}</td>" for key in columns)
    return "<tr>" + "".join(cells) + "</tr>"


def _walk_section(result: WalkResult, columns: list[str]) -> str:
    walk = result.walk
    parts = [f'<section id="{_e(walk.name)}"><h2>{_e(walk.name)}</h2><p>{_e(walk.about)}</p>']
    if result.skipped:
        parts.append(f'<p class="skip">Skipped: {_e(result.skipped)}</p>')
    if result.failure:
        parts.append(f'<p class="fail">Failed: {_e(result.failure)}</p>')
    if result.shots:
        header = "".join(f"<th>{_e(_heading(key))}</th>" for key in columns)
        parts.append(f"<table><tr><th>step</th>{header}</tr>")
        parts.extend(_shot_row(shot, columns) for shot in result.shots)
        parts.append("</table>")
    parts.append("</section>")
    return "\n".join(parts)


def render_index(report: TourReport) -> str:
    columns = _columns(report)
    ran = [r for r in report.results if r.skipped is None]
    summary = (
        f"{len(ran)} walks, {report.screenshots} screenshots, {report.seconds:.0f} s, "
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M}."
    )
    failures = "".join(f'<li class="fail">{_e(f)}</li>' for f in report.failures)
    nav = " ".join(f'<a href="#{_e(r.walk.name)}">{_e(r.walk.name)}</a>' for r in report.results)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            "<title>hospital-kiosk demo tour</title>",
            f"<style>{_STYLE}</style></head><body>",
            "<h1>hospital-kiosk demo tour</h1>",
            f"<p>Every flow walked offscreen against the HIS simulator, the simulated devices and the payment "
            f"sandbox. {_e(summary)}</p>",
            f'<p class="fail">{len(report.failures)} walk(s) failed:</p><ul>{failures}</ul>' if failures else "",
            f"<nav>{nav}</nav>",
            *(_walk_section(r, columns) for r in report.results),
            "</body></html>",
            "",
        ]
    )


def write_index(report: TourReport) -> None:
    report.index.write_text(render_index(report), encoding="utf-8")
