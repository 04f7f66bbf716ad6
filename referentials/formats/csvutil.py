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
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from referentials.model import ReferentialFormatError

__all__ = [
    "CsvFormatError",
    "CsvTable",
    "csv_files",
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


#: Largest total size of the CSV files extracted from one zip (the full ESCO release is ~0.5 GB).
MAX_ZIP_BYTES = 2 << 30


@contextmanager
def csv_files(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """The CSV files named by ``paths``: files as given, folders searched recursively, and the
    ``.csv`` members of ``.zip`` archives (publishers ship ESCO and ROME as zips), extracted to
    a temporary folder that lives as long as the ``with`` block.

    Members are written under their base name only (no path from the archive is trusted) and
    the total uncompressed size is capped (:data:`MAX_ZIP_BYTES`).
    """
    with ExitStack() as stack:
        found: list[Path] = []
        for path in paths:
            if path.is_dir():
                found.extend(sorted(path.rglob("*.csv")))
            elif path.suffix.lower() == ".zip":
                found.extend(
                    _extract(path, Path(stack.enter_context(tempfile.TemporaryDirectory())))
                )
            else:
                found.append(path)
        yield found


def _extract(archive: Path, folder: Path) -> list[Path]:
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [
                m
                for m in zipped.infolist()
                if not m.is_dir() and m.filename.lower().endswith(".csv")
            ]
            if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise CsvFormatError("archive trop volumineuse une fois décompressée", path=archive)
            extracted: list[Path] = []
            for index, member in enumerate(sorted(members, key=lambda m: m.filename)):
                name = Path(member.filename.replace("\\", "/")).name
                # Two members with the same base name in different folders stay distinct.
                target = folder / (name if not (folder / name).exists() else f"{index}-{name}")
                with zipped.open(member) as source, target.open("wb") as sink:
                    while chunk := source.read(1 << 20):
                        sink.write(chunk)
                extracted.append(target)
            return extracted
    except zipfile.BadZipFile as exc:
        raise CsvFormatError(f"archive zip illisible ({exc})", path=archive) from exc


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
