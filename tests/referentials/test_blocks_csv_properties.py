"""Property tests: any well-formed blocks CSV (quotes, commas, line breaks in cells) imports
idempotently, keeps every statement, and survives a CASE round trip."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referentials.formats import blocks_csv, case
from referentials.formats.blocks_csv import normalise_statement
from referentials.model import ItemKind

_text = st.text(
    alphabet=st.sampled_from(list("abcdeéèàçÉ XYZ0189,;'\"\n-()«»")), min_size=1, max_size=30
).filter(lambda s: any(c.isalnum() for c in s))

_rows = st.lists(
    st.tuples(
        st.sampled_from(["TP Maçon", "TP Plaquiste", 'Titre "X", niveau 3']),
        st.sampled_from(["CCP1", "CCP2", "CCS"]),
        _text,
    ),
    min_size=1,
    max_size=25,
)

HEADER = ["titre", "unit_code", "unit_label", "unit_kind", "competence_index", "competence_label"]


def _write(folder: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = folder / "blocs.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for index, (title, unit, statement) in enumerate(rows, start=1):
            kind = "complémentaire optionnel (CCS)" if unit == "CCS" else "obligatoire (CCP)"
            writer.writerow([title, unit, f"Unité {unit}", kind, index, statement])
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rows)
def test_any_blocks_file_imports_idempotently_and_round_trips(
    rows: list[tuple[str, str, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), rows)
        (ref,), summary = blocks_csv.load([path])
        (again,), _ = blocks_csv.load([path])
    assert again == ref
    memberships = [(t, u, normalise_statement(s)) for t, u, s in rows]
    repeated = len(memberships) - len(set(memberships))
    assert len(summary.warnings) == repeated  # a statement twice in one unit is reported
    competences = [i for i in ref.items if i.kind is ItemKind.COMPETENCE]
    assert {normalise_statement(i.labels["fr"]) for i in competences} == {
        normalise_statement(s) for _, _, s in rows
    }
    assert {i.labels["fr"] for i in competences} <= {s.strip() for _, _, s in rows}
    modules = {i.human_code for i in ref.items if i.kind is ItemKind.MODULE}
    assert modules <= {"CCS"}
    assert ref.problems() == []
    package = json.loads(json.dumps(case.dump(ref)))
    assert case.from_package(package)[0] == ref
