"""Referential store (filesystem) and the format-dispatching import: idempotence, immutability."""

from __future__ import annotations

import tempfile
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings

from referentials.graph import build_graph
from referentials.importing import (
    export_referential,
    graph_from_store,
    guess_format,
    import_and_store,
    import_paths,
)
from referentials.model import (
    Item,
    ItemKind,
    PublishedReferentialError,
    Referential,
    ReferentialError,
    ReferentialFormatError,
    Status,
)
from referentials.store import (
    FilesystemReferentialStore,
    ReferentialNotFoundError,
    SaveOutcome,
    version_key,
)
from referentials.yaml_format import canonical, dumps
from tests.referentials.test_yaml_format import referentials


def _ref(version: str = "1.0", status: Status = Status.DRAFT, label: str = "a") -> Referential:
    return Referential(
        "demo",
        version,
        {"fr": "Démo"},
        status,
        items=(Item("C1", ItemKind.COMPETENCE, {"fr": label}),),
    )


def test_saving_the_same_referential_twice_changes_nothing(tmp_path: Path) -> None:
    store = FilesystemReferentialStore(tmp_path)
    assert store.save(_ref()) is SaveOutcome.CREATED
    before = (tmp_path / "demo" / "1.0.yaml").read_bytes()
    assert store.save(_ref()) is SaveOutcome.UNCHANGED
    assert (tmp_path / "demo" / "1.0.yaml").read_bytes() == before
    assert store.get("demo", "1.0") == _ref()


def test_a_draft_can_be_updated(tmp_path: Path) -> None:
    store = FilesystemReferentialStore(tmp_path)
    store.save(_ref())
    assert store.save(_ref(label="b")) is SaveOutcome.UPDATED
    assert store.get("demo").item("C1").labels == {"fr": "b"}


def test_a_published_version_cannot_change_but_can_be_retired(tmp_path: Path) -> None:
    store = FilesystemReferentialStore(tmp_path)
    store.save(_ref(status=Status.PUBLISHED))
    with pytest.raises(PublishedReferentialError, match="nouvelle version"):
        store.save(_ref(status=Status.PUBLISHED, label="changed"))
    assert store.get("demo", "1.0").item("C1").labels == {"fr": "a"}
    assert store.save(_ref(status=Status.RETIRED)) is SaveOutcome.UPDATED


def test_model_refuses_to_change_a_published_version() -> None:
    published = _ref(status=Status.PUBLISHED)
    with pytest.raises(PublishedReferentialError) as err:
        published.evolve(title={"fr": "Autre"})
    assert err.value.code == "referential_published_immutable"
    with pytest.raises(PublishedReferentialError):
        published.evolve(status=Status.DRAFT)
    assert published.evolve(status=Status.RETIRED).status is Status.RETIRED
    draft = published.new_version("1.1")
    assert (draft.status, draft.replaces) == (Status.DRAFT, "1.0")
    assert draft.evolve(title={"fr": "Autre"}).title == {"fr": "Autre"}


def test_get_without_version_prefers_the_latest_published(tmp_path: Path) -> None:
    store = FilesystemReferentialStore(tmp_path)
    store.save(_ref("1.2", Status.PUBLISHED))
    store.save(_ref("1.10", Status.DRAFT))
    store.save(_ref("1.9", Status.PUBLISHED))
    assert store.get("demo").version == "1.9"
    assert [r.version for r in store.list()] == ["1.2", "1.9", "1.10"]
    with pytest.raises(ReferentialNotFoundError):
        store.get("absent")
    with pytest.raises(ReferentialNotFoundError):
        store.get("demo", "7")


def test_versions_sort_naturally() -> None:
    assert sorted(["1.10", "1.2", "1.9", "2"], key=version_key) == ["1.2", "1.9", "1.10", "2"]


def test_store_refuses_paths_that_climb_out(tmp_path: Path) -> None:
    store = FilesystemReferentialStore(tmp_path)
    with pytest.raises(ReferentialError):
        store.get("demo", "../../etc")


def test_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReferentialError, match="format inconnu « xml »"):
        import_paths([tmp_path], "xml")


def test_import_yaml_reports_counts_from_the_graph(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(dumps(_ref()), encoding="utf-8")
    refs, summary = import_paths([path], "yaml")
    assert refs == [_ref()]
    assert summary.nodes_by_type == {"competence": 1, "framework": 1}
    assert summary.edges_by_type == {}


def test_export_yaml_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(export_referential(_ref(), "yaml"), encoding="utf-8")
    assert import_paths([path], "yaml")[0] == [_ref()]


def _refusal(path: Path, store: FilesystemReferentialStore) -> str | None:
    try:
        import_paths([path], "yaml")
    except ReferentialError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@given(referentials())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_importing_the_same_file_twice_gives_the_same_graph_and_store(ref: Referential) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.yaml"
        path.write_text(dumps(ref), encoding="utf-8")
        store = FilesystemReferentialStore(Path(tmp) / "store")
        refused = _refusal(path, store)
        if refused is not None:  # an incoherent file is refused the same way twice
            assert _refusal(path, store) == refused
            assert store.list() == []
            return
        first, summary1, outcomes1 = import_and_store([path], "yaml", store)
        stored = (Path(tmp) / "store" / ref.slug / f"{ref.version}.yaml").read_bytes()
        second, summary2, outcomes2 = import_and_store([path], "yaml", store)
        assert first == second
        assert summary1 == summary2
        assert outcomes1 == [SaveOutcome.CREATED]
        assert outcomes2 == [SaveOutcome.UNCHANGED]
        assert (Path(tmp) / "store" / ref.slug / f"{ref.version}.yaml").read_bytes() == stored
        assert nx.utils.graphs_equal(build_graph(first).graph, build_graph(first + second).graph)


@pytest.mark.parametrize(
    ("fmt", "relative"),
    [
        ("rome", "data/rome/v460"),
        ("case", "data/case/opensalt"),
        ("blocks-csv", "data/legifrance-titres-pro/titres_pro_ccp_derived.csv"),
    ],
)
def test_real_imports_are_stored_losslessly_and_idempotently(
    shared: Path, tmp_path: Path, fmt: str, relative: str
) -> None:
    store = FilesystemReferentialStore(tmp_path)
    refs, summary, outcomes = import_and_store([shared / relative], fmt, store)
    assert set(outcomes) == {SaveOutcome.CREATED}
    for ref in refs:
        assert store.get(ref.slug, ref.version) == canonical(ref)
    listed = {(r.slug, r.version): r.items for r in store.list()}
    assert listed == {(r.slug, r.version): len(r.items) for r in refs}
    again, summary2, outcomes2 = import_and_store([shared / relative], fmt, store)
    assert set(outcomes2) == {SaveOutcome.UNCHANGED}
    assert summary2 == summary
    assert again == refs


def test_a_yaml_hierarchy_cycle_is_refused_naming_the_items(tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text(
        "referentiel: cycle\nversion: '1'\ntitre: Cycle\ncompetences:\n"
        "  - {code: A, libelle: a, code_affiche: CA, parents: [B]}\n"
        "  - {code: B, libelle: b, parents: [A]}\n",
        encoding="utf-8",
    )
    store = FilesystemReferentialStore(tmp_path / "store")
    with pytest.raises(ReferentialFormatError) as err:
        import_and_store([path], "yaml", store)
    [(line, message)] = err.value.errors
    assert line == 5
    assert "cycle : A → B → A" in message
    assert store.list() == []


def test_format_is_guessed_only_from_unambiguous_extensions() -> None:
    assert guess_format([Path("a.yaml"), Path("b.YML")]) == "yaml"
    assert guess_format([Path("package.json")]) == "case"
    assert guess_format([Path("skills_en.csv")]) is None
    assert guess_format([Path("a.yaml"), Path("b.json")]) is None


def test_graph_from_store_holds_every_stored_version(tmp_path: Path) -> None:
    store = FilesystemReferentialStore(tmp_path)
    store.save(_ref("1.0", Status.PUBLISHED))
    store.save(_ref("1.1", Status.DRAFT))
    assert set(graph_from_store(store).referentials) == {("demo", "1.0"), ("demo", "1.1")}
    assert set(graph_from_store(store, published_only=True).referentials) == {("demo", "1.0")}
