"""CSV reading shared by the ESCO, ROME and certification-block importers.

The public competence datasets are CSV files with a header row, but each publisher has its own
dialect (``shared/research/referentials.md`` §9):

* ESCO: comma separated, CRLF line ends, minimal quoting, multi-line quoted cells, multi-valued
  cells separated by newlines (main files) or ``" | "`` (collections), columns reordered or added
  between v1.1 and v1.2;
* ROME 4.0: comma separated, LF, every field quoted, doubled apostrophes inside quotes;
* RNCP exports: semicolon separated.

Columns are therefore always looked up **by header name**, never by position, and a column can be
named by several aliases (the first one present wins). Reading goes through :mod:`csv` with
``newline=""`` so that line ends inside quoted cells are preserved and CRLF is handled.
"""

from __future__ import annotations

import csv
import gc
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from referentials.model import ReferentialFormatError

__all__ = [
    "CsvFormatError",
    "CsvTable",
    "gc_paused",
    "open_table",
    "split_multi",
]

# A column spec is a header name or a tuple of aliases (ESCO 1.1 vs 1.2, case variants).
ColumnSpec = str | tuple[str, ...]

_MULTI_SEPARATORS = re.compile(r"\r?\n|\s\|\s")


class CsvFormatError(ReferentialFormatError, ValueError):
    """A CSV file that cannot be read as the expected table (missing column, bad encoding)."""

    code = "referential_csv_invalid"

    def __init__(self, message: str, *, path: Path, line: int = 0) -> None:
        self.path = path
        self.line = line
        super().__init__([(line or None, message)], source=path.name)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk import creates many objects.

    An ESCO-sized import creates hundreds of thousands of small acyclic objects; every
    generation-0 threshold crossing would otherwise rescan the growing heap (the same reason
    :mod:`timeit` disables the collector). Nothing built here forms cycles, and the previous
    state is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def split_multi(value: str) -> list[str]:
    """Split a multi-valued cell (newline or ``" | "`` separated) into trimmed, non-empty values.

    Order is kept and duplicates are removed, so that the same alt label appearing twice in a
    cell does not appear twice in the model.
    """
    if not value:
        return []
    seen: dict[str, None] = {}
    for part in _MULTI_SEPARATORS.split(value):
        text = part.strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def _normalise_header(name: str) -> str:
    # Headers are compared case-insensitively and without surrounding spaces or a stray BOM.
    return name.strip().lstrip("\ufeff").casefold()


def _sniff_delimiter(first_line: str) -> str:
    # Publishers use ',' (ESCO, ROME) or ';' (RNCP CSV zip). The header row decides.
    return ";" if first_line.count(";") > first_line.count(",") else ","


@dataclass(frozen=True)
class CsvTable:
    """A CSV file opened for header-based reading."""

    path: Path
    header: tuple[str, ...]
    delimiter: str

    def index_of(self, spec: ColumnSpec) -> int | None:
        """Position of the first alias of ``spec`` present in the header, or None."""
        aliases = (spec,) if isinstance(spec, str) else spec
        wanted = [_normalise_header(a) for a in aliases]
        normalised = [_normalise_header(h) for h in self.header]
        for alias in wanted:
            if alias in normalised:
                return normalised.index(alias)
        return None

    def has(self, spec: ColumnSpec) -> bool:
        return self.index_of(spec) is not None

    def rows(
        self,
        required: Sequence[ColumnSpec],
        optional: Sequence[ColumnSpec] = (),
    ) -> list[tuple[str, ...]]:
        """For each data row, the values of ``required`` then ``optional`` columns.

        A missing required column raises :class:`CsvFormatError` naming it; a missing optional
        column, or a short row, reads as ``""``. Values are returned as found (no stripping),
        because multi-line cells are meaningful.
        """
        positions: list[int] = []
        for spec in required:
            index = self.index_of(spec)
            if index is None:
                name = spec if isinstance(spec, str) else " / ".join(spec)
                raise CsvFormatError(f"colonne obligatoire absente : {name}", path=self.path)
            positions.append(index)
        for spec in optional:
            index = self.index_of(spec)
            positions.append(-1 if index is None else index)
        if -1 not in positions and len(positions) > 1:
            # Every column present: read the whole file at C speed (itemgetter over the csv
            # reader); a short row makes itemgetter fail, and the padded path below takes over.
            try:
                return self._read(lambda reader: list(map(itemgetter(*positions), reader)))
            except IndexError:
                pass

        def padded(reader: Iterator[list[str]]) -> list[tuple[str, ...]]:
            return [
                tuple([row[i] if 0 <= i < len(row) else "" for i in positions])
                for row in reader
                if row
            ]

        return self._read(padded)

    def _read(
        self, collect: Callable[[Iterator[list[str]]], list[tuple[str, ...]]]
    ) -> list[tuple[str, ...]]:
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            try:
                next(reader, None)
                return collect(reader)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise CsvFormatError(str(exc), path=self.path, line=reader.line_num) from exc


def open_table(path: Path) -> CsvTable:
    """Read the header of ``path`` (UTF-8, BOM tolerated) and sniff its delimiter."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first_line = handle.readline()
            delimiter = _sniff_delimiter(first_line)
            handle.seek(0)
            header = next(csv.reader(handle, delimiter=delimiter), None)
    except UnicodeDecodeError as exc:
        raise CsvFormatError(f"encodage non UTF-8 ({exc.reason})", path=path, line=1) from exc
    if not header:
        raise CsvFormatError("fichier vide (pas de ligne d'en-tête)", path=path, line=1)
    return CsvTable(
        path=path, header=tuple(h.strip().lstrip("\ufeff") for h in header), delimiter=delimiter
    )
