"""Pictures of matching, drawn on the server as accessible SVG (issue 8: « a match shows
coverage per block as bars; a wallet shows a competence map »), no chart library, no JavaScript.

Accessibility (WCAG 1.1.1, 1.4.1, 1.4.11, reliability-ux.md B1):

- each picture is ``role="img"`` with a ``<title>`` and a ``<desc>`` named by
  ``aria-labelledby`` (ids are prefixed, so several pictures can share a page);
- numbers are written in words next to each bar (« 3 sur 4 »), the state is written too
  (« acquis », « en partie », « pas encore »), and held / not held tiles differ by shape (filled
  square with a tick versus an empty outline), never by colour alone; every stroke has ≥ 3:1
  contrast, every text ≥ 4.5:1 (dark ink on white or light fills);
- every picture has a text alternative built from the same data: :func:`coverage_table` (a
  table with a caption) and :func:`competence_list` (nested lists), which pages put right after
  the picture.

The data classes are plain so pages and tests build them without the matching engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from api.i18n import gettext as _
from api.i18n import ngettext

__all__ = [
    "Bar",
    "MapBlock",
    "MapGroup",
    "Tile",
    "competence_list",
    "competence_map",
    "coverage_bars",
    "coverage_table",
    "state_word",
]

WIDTH = 360  # narrow on purpose: on a 320 px phone the words stay at least 11 px
_INK = "#1d1d1f"  # 16:1 on white
_TRACK = "#ffffff"
_TRACK_LINE = "#5c5c66"  # 6.6:1 on white
_FILL = "#1f5f99"  # 6.9:1 on white: the filled part of a bar
_HELD = "#1f6b3a"  # 6.5:1 on white: a held competence
_FONT = 'font-family="system-ui, sans-serif"'


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _percent(held: int, total: int) -> int:
    return round(100 * held / total) if total else 0


def state_word(held: int, total: int) -> str:
    """The state in words: « acquis », « en partie » or « pas encore »."""
    if total and held >= total:
        return _("acquis")
    return _("en partie") if held else _("pas encore")


@dataclass(frozen=True, slots=True)
class Bar:
    """One block (or certification, module) of a job: ``held`` of ``total`` items are met."""

    label: str
    held: int
    total: int
    mandatory: bool = True

    @property
    def percent(self) -> int:
        return _percent(self.held, self.total)

    @property
    def state(self) -> str:
        return state_word(self.held, self.total)

    @property
    def need(self) -> str:
        return _("obligatoire") if self.mandatory else _("facultatif")

    def words(self) -> str:
        return _("%(held)d sur %(total)d (%(percent)d %%)") % {
            "held": self.held,
            "total": self.total,
            "percent": self.percent,
        }


def _head(prefix: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{prefix}-titre {prefix}-desc">',
        f'<title id="{prefix}-titre">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(desc)}</desc>',
    ]


def coverage_bars(bars: Sequence[Bar], *, title: str, prefix: str = "couverture") -> Markup:
    """Horizontal bars, one per block: the label on a first line, the bar, then « need ·
    held sur total (percent %) — state » written under it (three lines: fits a phone)."""
    row = 74
    height = max(1, len(bars)) * row + 4
    desc = "; ".join(f"{b.label} ({b.need}) : {b.words()}, {b.state}" for b in bars) or _(
        "Aucun bloc à montrer."
    )
    parts = _head(prefix, WIDTH, height, title, desc)
    track = WIDTH - 8
    for n, bar in enumerate(bars):
        y = 4 + n * row
        parts.append(
            f'<text x="4" y="{y + 14}" font-size="14" fill="{_INK}" {_FONT}>'
            f"{escape(_clip(bar.label, 46))}</text>"
        )
        dashed = "" if bar.mandatory else ' stroke-dasharray="6 4"'
        parts.append(
            f'<rect x="4" y="{y + 22}" width="{track}" height="20" rx="3" fill="{_TRACK}" '
            f'stroke="{_TRACK_LINE}" stroke-width="1.5"{dashed}/>'
        )
        filled = round(track * bar.held / bar.total) if bar.total else 0
        if filled:
            parts.append(
                f'<rect x="4" y="{y + 22}" width="{filled}" height="20" rx="3" fill="{_FILL}"/>'
            )
        parts.append(
            f'<text x="4" y="{y + 60}" font-size="14" fill="{_INK}" {_FONT}>'
            f'<tspan font-weight="700">{escape(bar.need)}</tspan> · '
            f"{escape(bar.words())} — {escape(bar.state)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def coverage_table(bars: Sequence[Bar], *, caption: str) -> Markup:
    """The text version of :func:`coverage_bars`."""
    head = (
        f"<th scope='col'>{escape(_('Bloc'))}</th>"
        f"<th scope='col'>{escape(_('Compétences réunies'))}</th>"
        f"<th scope='col'>{escape(_('État'))}</th>"
    )
    rows = "".join(
        f"<tr><th scope='row'>{escape(b.label)} ({escape(b.need)})</th>"
        f"<td>{escape(b.words())}</td><td>{escape(b.state)}</td></tr>"
        for b in bars
    )
    return Markup(  # noqa: S704 - escaped above
        f"<div class='table-scroll'><table class='chart-table'><caption>{escape(caption)}"
        f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


@dataclass(frozen=True, slots=True)
class Tile:
    """One competence of a block: held (a verified badge asserts it) or not."""

    label: str
    held: bool


@dataclass(frozen=True, slots=True)
class MapBlock:
    label: str
    tiles: tuple[Tile, ...]

    @property
    def held(self) -> int:
        return sum(1 for t in self.tiles if t.held)


@dataclass(frozen=True, slots=True)
class MapGroup:
    """One referential: its blocks (or a single group of competences when it has none)."""

    label: str
    blocks: tuple[MapBlock, ...] = field(default_factory=tuple)


_TILE = 22
_GAP = 6
_PER_LINE = (WIDTH - 8) // (_TILE + _GAP)


def competence_map(groups: Sequence[MapGroup], *, title: str, prefix: str = "carte") -> Markup:
    """A map of competences: per referential, per block, one tile per competence — a filled
    square with a tick when held, an empty outline when not — and « n sur m » written."""
    parts: list[str] = []
    y = 4
    held_total = sum(b.held for g in groups for b in g.blocks)
    for group in groups:
        parts.append(
            f'<text x="4" y="{y + 16}" font-size="16" font-weight="700" fill="{_INK}" {_FONT}>'
            f"{escape(_clip(group.label, 34))}</text>"
        )
        y += 26
        for block in group.blocks:
            words = _("%(held)d sur %(total)d") % {"held": block.held, "total": len(block.tiles)}
            parts.append(
                f'<text x="4" y="{y + 14}" font-size="14" fill="{_INK}" {_FONT}>'
                f"{escape(_clip(block.label, 34))} — {escape(words)}</text>"
            )
            y += 22
            for n, tile in enumerate(block.tiles):
                x = 4 + (n % _PER_LINE) * (_TILE + _GAP)
                ty = y + (n // _PER_LINE) * (_TILE + _GAP)
                if tile.held:
                    parts.append(
                        f'<rect x="{x}" y="{ty}" width="{_TILE}" height="{_TILE}" rx="3" '
                        f'fill="{_HELD}"/><path d="M{x + 5} {ty + 11} l4 5 l8 -10" '
                        f'fill="none" stroke="#ffffff" stroke-width="2.5"/>'
                    )
                else:
                    parts.append(
                        f'<rect x="{x + 1}" y="{ty + 1}" width="{_TILE - 2}" '
                        f'height="{_TILE - 2}" rx="3" fill="#ffffff" stroke="{_TRACK_LINE}" '
                        f'stroke-width="1.5" stroke-dasharray="3 2"/>'
                    )
            lines = max(1, -(-len(block.tiles) // _PER_LINE))
            y += lines * (_TILE + _GAP) + 8
        y += 6
    desc = ngettext(
        "%(n)d compétence prouvée par un badge vérifié. Carré plein : prouvée ; carré vide : "
        "pas encore. La version texte suit.",
        "%(n)d compétences prouvées par des badges vérifiés. Carré plein : prouvée ; carré "
        "vide : pas encore. La version texte suit.",
        held_total,
    ) % {"n": held_total}
    head = _head(prefix, WIDTH, max(y, 30), title, desc)
    return Markup("".join([*head, *parts, "</svg>"]))  # noqa: S704 - escaped above


def competence_list(groups: Sequence[MapGroup]) -> Markup:
    """The text version of :func:`competence_map`: nested lists, held first said in words."""
    out = ["<ul class='competence-list'>"]
    for group in groups:
        out.append(f"<li><strong>{escape(group.label)}</strong><ul>")
        for block in group.blocks:
            words = _("%(held)d sur %(total)d") % {"held": block.held, "total": len(block.tiles)}
            out.append(f"<li>{escape(block.label)} ({escape(words)})<ul>")
            for tile in block.tiles:
                state = _("prouvée") if tile.held else _("pas encore")
                out.append(f"<li>{escape(tile.label)} : {escape(state)}</li>")
            out.append("</ul></li>")
        out.append("</ul></li>")
    out.append("</ul>")
    return Markup("".join(out))  # noqa: S704 - escaped above
