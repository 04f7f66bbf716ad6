"""The CSV dialects of the open datasets: header names, BOM, separators, multi-valued cells."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from referentials.formats import esco, rome
from referentials.formats.csvutil import CsvFormatError, open_table, split_multi
from referentials.model import ReferentialFormatError


def test_multi_valued_cells_split_on_newlines_and_pipes_without_duplicates() -> None:
    assert split_multi("a\r\nb\n\n a ") == ["a", "b"]
    assert split_multi("take the initiative | give impetus") == [
        "take the initiative",
        "give impetus",
    ]
    assert split_multi("") == []


def test_columns_are_found_by_name_whatever_their_order_case_or_bom(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffSkillUri,RELATIONTYPE,occupationUri\r\ns,essential,o\r\n".encode())
    table = open_table(path)
    assert list(table.rows(("occupationUri", "relationType", "skillUri"))) == [
        ("o", "essential", "s")
    ]


def test_semicolon_files_are_recognised_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Numero_Fiche;Intitule\nRNCP1;Titre, avec virgule\n", encoding="utf-8")
    assert list(open_table(path).rows(("numero_fiche", "intitule"))) == [
        ("RNCP1", "Titre, avec virgule")
    ]


def test_short_rows_and_missing_optional_columns_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('a,b,c\n1,2\n\n"x\ny",3,4\n', encoding="utf-8")
    rows = list(open_table(path).rows(("a", "c"), ("missing", ("B", "b"))))
    assert rows == [("1", "", "", "2"), ("x\ny", "4", "", "3")]


def test_a_missing_required_column_names_the_column_and_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ReferentialFormatError, match=r"t\.csv.*colonne obligatoire absente : b"):
        list(open_table(path).rows(("b",)))


def test_non_utf8_files_are_refused_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("a\nd\xe9j\xe0\n".encode("latin-1"))
    with pytest.raises(CsvFormatError) as caught:
        list(open_table(path).rows(("a",)))
    assert caught.value.errors[0][0] is not None


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(CsvFormatError, match="vide"):
        open_table(path)


def test_the_published_zips_are_read_without_trusting_member_paths(
    tmp_path: Path, shared: Path
) -> None:
    esco_dir = shared / "data" / "esco" / "v1.1.1" / "en"
    rome_dir = shared / "data" / "rome" / "v460"
    if not esco_dir.is_dir() or not rome_dir.is_dir():
        pytest.skip("../shared/data ESCO/ROME extracts are absent")
    archive = tmp_path / "ESCO dataset - v1.1.1 - classification - en - csv.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in ("occupations_en.csv", "occupationSkillRelations.csv", "skills_en.csv"):
            zipped.write(esco_dir / name, f"../../evil/{name}")
        zipped.writestr("README.txt", "not a csv")
    (from_zip,), _ = esco.load([archive])
    (from_files,), _ = esco.load(
        [
            esco_dir / n
            for n in ("occupations_en.csv", "occupationSkillRelations.csv", "skills_en.csv")
        ]
    )
    assert from_zip.version == "v1.1.1"
    assert from_zip.items == from_files.items
    assert from_zip.relations == from_files.relations
    assert not (tmp_path.parent / "evil").exists()
    rome_zip = tmp_path / "RefRomeCsv.zip"
    with zipfile.ZipFile(rome_zip, "w") as zipped:
        for path in sorted(rome_dir.glob("*.csv")):
            zipped.write(path, f"RefRomeCsv/{path.name}")
    assert rome.load([rome_zip])[0] == rome.load([rome_dir])[0]


def test_a_broken_zip_is_a_format_error(tmp_path: Path) -> None:
    archive = tmp_path / "x.zip"
    archive.write_bytes(b"PK not really")
    with pytest.raises(ReferentialFormatError, match="zip"):
        esco.load([archive])
