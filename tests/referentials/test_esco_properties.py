"""Property test: any ESCO-shaped release (CRLF, quotes, commas, multi-line alt labels, EN and
FR files) imports with every label, alt label and relation, and idempotently."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referentials.formats import esco

_phrase = (
    st.text(alphabet=st.sampled_from(list("abcéèçàXZ019 ,;'\"()-/")), min_size=1, max_size=20)
    .map(str.strip)
    .filter(lambda s: s != "" and "|" not in s)
)

OCC = "http://data.europa.eu/esco/occupation/"
SKILL = "http://data.europa.eu/esco/skill/"


@st.composite
def releases(draw: st.DrawFn) -> dict[str, object]:
    occupations = draw(st.integers(1, 5))
    skills = draw(st.integers(1, 8))
    labels = {
        uri: {"en": draw(_phrase), "fr": draw(_phrase)}
        for uri in [f"{OCC}o{i}" for i in range(occupations)]
        + [f"{SKILL}s{i}" for i in range(skills)]
    }
    alt = {uri: draw(st.lists(_phrase, max_size=4, unique=True)) for uri in labels}
    pairs = draw(
        st.sets(st.tuples(st.integers(0, occupations - 1), st.integers(0, skills - 1)), max_size=20)
    )
    relations = [
        (f"{OCC}o{o}", draw(st.sampled_from(["essential", "optional"])), f"{SKILL}s{s}")
        for o, s in sorted(pairs)
    ]
    return {"labels": labels, "alt": alt, "relations": relations}


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def _files(folder: Path, release: dict[str, object]) -> None:
    labels: dict[str, dict[str, str]] = release["labels"]  # type: ignore[assignment]
    alt: dict[str, list[str]] = release["alt"]  # type: ignore[assignment]
    for lang in ("en", "fr"):
        _write(
            folder / f"occupations_{lang}.csv",
            ["conceptUri", "preferredLabel", "altLabels"],
            [
                [u, v[lang], "\n".join(alt[u]) if lang == "en" else ""]
                for u, v in labels.items()
                if u.startswith(OCC)
            ],
        )
    _write(
        folder / "skills_en.csv",
        ["conceptType", "conceptUri", "skillType", "preferredLabel", "altLabels"],
        [
            ["KnowledgeSkillCompetence", u, "skill/competence", v["en"], "\n".join(alt[u])]
            for u, v in labels.items()
            if u.startswith(SKILL)
        ],
    )
    _write(
        folder / "occupationSkillRelations.csv",
        ["occupationUri", "relationType", "skillType", "skillUri"],
        [[o, kind, "skill/competence", s] for o, kind, s in release["relations"]],  # type: ignore[attr-defined]
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases())
def test_any_release_imports_every_label_and_relation(release: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _files(Path(tmp), release)
        (ref,), summary = esco.load([Path(tmp)])
        (again,), _ = esco.load([Path(tmp)])
    assert again == ref
    labels: dict[str, dict[str, str]] = release["labels"]  # type: ignore[assignment]
    alt: dict[str, list[str]] = release["alt"]  # type: ignore[assignment]
    by_uri = {i.uri: i for i in ref.items}
    assert set(by_uri) == set(labels)
    for uri, item in by_uri.items():
        expected = labels[uri] if uri.startswith(OCC) else {"en": labels[uri]["en"]}
        assert dict(item.labels) == expected
        assert list(item.alt_labels.get("en", ())) == alt[uri]
    found = [
        (r.source, r.requirement.value if r.requirement else "", r.target) for r in ref.relations
    ]
    assert found == release["relations"]
    assert summary.warnings == ()
