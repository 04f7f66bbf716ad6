"""Reading a bulk-issuance spreadsheet (CSV or XLSX) row by row, and checking every row.

reliability-ux.md B4: French Excel files come as ``;``-separated Windows-1252 as often as
``,``-separated UTF-8 (with or without BOM), so both are accepted. Rows are **streamed** (never
the whole file in memory): CSV through ``csv.reader`` on the open file, XLSX through openpyxl's
read-only mode. Errors name the spreadsheet line and column as a person sees them:
« ligne 14, colonne « email » : l'adresse « x » n'est pas valide ».
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from issuer.context import IssuerError
from issuer.issuance import IssueSpec, evidence_item
from issuer.recipients import parse_recipient

__all__ = [
    "COLUMNS",
    "RowError",
    "file_sha256",
    "iter_rows",
    "row_spec",
    "template_csv",
    "template_xlsx",
]

# Canonical column -> (accepted header spellings, help text shown in the template).
COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "email": (("email", "e_mail", "courriel", "mail", "adresse_e_mail"), "adresse e-mail"),
    "telephone": (("telephone", "tel", "portable", "mobile"), "numéro de téléphone"),
    "identifiant": (("identifiant", "id", "identifiant_local"), "identifiant local"),
    "nir": (("nir", "numero_national", "identifiant_national"), "identifiant national"),
    "nom": (("nom", "nom_prenom", "prenom_nom", "beneficiaire"), "nom affiché (privé)"),
    "niveau": (("niveau", "level"), "code du niveau atteint (ex. N2)"),
    "preuve": (("preuve", "observation", "commentaire"), "ce que le tuteur a observé"),
    "preuve_lien": (("preuve_lien", "lien", "lien_preuve"), "lien vers une preuve"),
    "date_debut": (("date_debut", "debut", "valide_du"), "JJ/MM/AAAA (défaut : aujourd'hui)"),
    "date_fin": (("date_fin", "fin", "valide_jusqu_au", "expiration"), "JJ/MM/AAAA (facultatif)"),
    "cle": (("cle", "cle_ligne", "idempotency_key"), "clé unique de la ligne (facultatif)"),
}
_ALIASES = {alias: name for name, (aliases, _) in COLUMNS.items() for alias in aliases}
_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"ligne {self.line}"
        if self.column:
            where += f", colonne « {self.column} »"
        return f"{where} : {self.message}"


def _header_key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.strip().lower()).strip("_")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _csv_encoding(path: Path) -> str:
    """UTF-8 (BOM or not) if the whole file decodes, else Windows-1252 (checked streaming)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _is_xlsx(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def _map_header(cells: list[str]) -> tuple[list[str | None], list[RowError]]:
    names: list[str | None] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for cell in cells:
        key = _header_key(cell)
        name = _ALIASES.get(key)
        if name is None and key:
            errors.append(
                RowError(1, cell, "unknown_column", "colonne inconnue, ignorée (voir le modèle)")
            )
        if name in seen:
            errors.append(RowError(1, cell, "duplicate_column", "colonne en double"))
            name = None
        if name:
            seen.add(name)
        names.append(name)
    return names, errors


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _raw_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    if _is_xlsx(path):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell(v) for v in values]
        finally:
            workbook.close()
        return
    encoding = _csv_encoding(path)
    with path.open("r", encoding=encoding, newline="") as handle:
        first = handle.readline()
        delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        line = 1
        for cells in reader:
            yield line, [c.strip() for c in cells]
            line = reader.line_num + 1


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, str]] | RowError]:
    """Yield ``(line, {column: value})`` per non-empty data row, or header :class:`RowError` s
    (unknown columns are reported and ignored)."""
    header: list[str | None] | None = None
    for line, cells in _raw_rows(path):
        if header is None:
            header, errors = _map_header(cells)
            yield from errors
            continue
        if not any(cells):
            continue
        row = {name: cells[i] for i, name in enumerate(header) if name and i < len(cells)}
        yield line, row
    if header is None:
        yield RowError(1, "", "empty_file", "le fichier est vide : utilisez le modèle")


def _parse_date(value: str, column: str) -> datetime | None:
    if not value:
        return None
    match = _DATE_FR.match(value)
    try:
        if match:
            day = date(int(match[3]), int(match[2]), int(match[1]))
        else:
            day = date.fromisoformat(value[:10])
    except ValueError as exc:
        raise IssuerError(
            f"date « {value} » illisible : écrivez JJ/MM/AAAA", code="date_invalid", column=column
        ) from exc
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def row_spec(row: dict[str, str], *, suite: str, suspendable: bool = False) -> IssueSpec:
    """The issue request a row stands for; :class:`IssuerError` (with ``column``) if invalid."""
    given = [c for c in ("email", "telephone", "nir", "identifiant") if row.get(c)]
    if len(given) > 1:
        raise IssuerError(
            "une seule façon d'identifier la personne par ligne (e-mail, téléphone ou identifiant)",
            code="recipient_ambiguous",
            column=given[1],
        )
    column = given[0] if given else "email"
    prefix = {"email": "email:", "telephone": "tel:", "nir": "nir:", "identifiant": "id:"}[column]
    recipient = parse_recipient(
        prefix + row[column] if given else None, name=row.get("nom") or None, column=column
    )
    evidence = []
    if row.get("preuve") or row.get("preuve_lien"):
        link = row.get("preuve_lien") or None
        if link and not link.startswith(("https://", "http://")):
            raise IssuerError(
                f"le lien « {link} » doit commencer par https://",
                code="evidence_link_invalid",
                column="preuve_lien",
            )
        evidence.append(evidence_item(narrative=row.get("preuve") or None, url=link))
    return IssueSpec(
        recipient=recipient,
        evidence=evidence,
        level=row.get("niveau") or None,
        valid_from=_parse_date(row.get("date_debut", ""), "date_debut"),
        valid_until=_parse_date(row.get("date_fin", ""), "date_fin"),
        suite=suite,
        suspendable=suspendable,
    )


def template_csv() -> bytes:
    """The CSV template (UTF-8 with BOM so Excel opens it right, ``;`` as French Excel does)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(list(COLUMNS))
    writer.writerow(
        [
            "lea.martin@example.org",
            "",
            "",
            "",
            "Léa Martin",
            "N2",
            "Accueil observé",
            "",
            "",
            "",
            "",
        ]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "badges"
    sheet.append(list(COLUMNS))
    for index, (_, help_text) in enumerate(COLUMNS.values(), start=1):
        sheet.cell(row=1, column=index).comment = Comment(help_text, "atouts")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
