"""Holder competences from verified badges, jobs in YAML, free-text proposals."""

from __future__ import annotations

from typing import Any

import pytest

from matching.credit import CreditTables
from matching.holders import holder_from_credentials, is_verified
from matching.jobs_yaml import JobFormatError, load_job
from matching.params import DEFAULT_PARAMETERS
from matching.resolve import NodeResolver
from matching.search import LabelIndex, stems
from referentials.graph import SkillsGraph

AP = "https://atouts.example/referentials/attitude-pro-reunion/1.0"
BTP = "https://atouts.example/referentials/btp-blocs-exemple/1.0"


def _badge(badge_id: str, alignments: list[dict[str, Any]], **subject: Any) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": f"https://issuer.example/achievements/{badge_id}",
        "type": ["Achievement"],
        "name": badge_id,
        "alignment": alignments,
    }
    achievement.update(subject.pop("achievement", {}))
    return {
        "id": f"urn:uuid:{badge_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": achievement,
            **subject,
        },
    }


class _Report:
    def __init__(self, verdict: str) -> None:
        self.verdict = verdict


def test_only_verified_badges_assert_competences(bundled_graph: SkillsGraph) -> None:
    tables = CreditTables(bundled_graph, DEFAULT_PARAMETERS)
    block = f"{BTP}/blocks/B-SECU"
    good = _badge("good", [{"type": ["Alignment"], "targetUrl": block, "targetName": "Sécurité"}])
    bad = _badge("bad", [{"type": ["Alignment"], "targetUrl": f"{AP}/competences/SE01"}])
    holder = holder_from_credentials(
        "h",
        [(good, _Report("verified")), (bad, _Report("not_verified")), (bad, "inconclusive")],
        tables,
    )
    assert [(h.node, h.badge_id) for h in holder.holdings] == [(block, "urn:uuid:good")]
    assert holder.holdings[0].alignment is not None
    assert holder.holdings[0].alignment["targetName"] == "Sécurité"
    assert is_verified(True)
    assert is_verified({"verdict": "verified"})
    assert not is_verified("x")


def test_target_codes_resolve_rome_codes_and_item_codes(real_graph: SkillsGraph) -> None:
    tables = CreditTables(real_graph, DEFAULT_PARAMETERS)
    badge = _badge(
        "codes",
        [
            {
                "type": ["Alignment"],
                "targetCode": "F1703",
                "targetUrl": "https://unknown.example/x",
            },
            {"type": ["Alignment"], "targetCode": "MAC-B1"},
            {"type": ["Alignment"], "targetCode": "nothing-like-this"},
        ],
    )
    holder = holder_from_credentials("h", [(badge, True)], tables)
    assert [h.node for h in holder.holdings] == ["urn:rome:fiche:F1703", f"{BTP}/blocks/MAC-B1"]
    resolver = NodeResolver(real_graph)
    assert resolver.resolve("f1703") == "urn:rome:fiche:F1703"
    assert resolver.resolve(None) is None


def test_the_achieved_level_comes_from_the_results(bundled_graph: SkillsGraph) -> None:
    tables = CreditTables(bundled_graph, DEFAULT_PARAMETERS)
    competence = f"{AP}/competences/SE01"
    badge = _badge(
        "level",
        [{"type": ["Alignment"], "targetUrl": competence}],
        achievement={
            "resultDescription": [
                {
                    "id": "urn:rd:1",
                    "type": ["ResultDescription"],
                    "resultType": "RubricCriterionLevel",
                    "rubricCriterionLevel": [
                        {"id": "urn:lvl:a", "name": "découvre", "level": "N1"},
                        {
                            "id": "urn:lvl:b",
                            "name": "maîtrise",
                            "alignment": [{"targetUrl": f"{AP}/levels/N2"}],
                        },
                    ],
                }
            ]
        },
        result=[
            {"type": ["Result"], "resultDescription": "urn:rd:1", "achievedLevel": "urn:lvl:b"}
        ],
    )
    holder = holder_from_credentials("h", [(badge, True)], tables)
    assert [(h.node, h.level) for h in holder.holdings] == [(competence, 2)]


def _job(body: str) -> str:
    return "offre: OFF-1\ntitre: Maçon H/F\n" + body


def test_a_job_in_yaml_resolves_its_requirements(real_graph: SkillsGraph) -> None:
    resolver = NodeResolver(real_graph)
    job = load_job(
        _job(
            "metiers: [F1703]\n"
            "exigences:\n"
            "  - element: F1703\n"
            f"  - {{element: {BTP}/blocks/B-SECU, obligatoire: false, niveau: 2}}\n"
            "  - MAC-B1\n"
        ),
        resolve=resolver.resolve,
    )
    assert job.id == "OFF-1"
    assert job.occupations == ("urn:rome:fiche:F1703",)
    assert [(r.node, r.mandatory, r.level) for r in job.requirements] == [
        ("urn:rome:fiche:F1703", True, None),
        (f"{BTP}/blocks/B-SECU", False, "2"),
        (f"{BTP}/blocks/MAC-B1", True, None),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("exigences:\n  - element: Z9999\n", "ligne 4 : l'élément « Z9999 » n'existe"),
        (
            "exigences:\n  - element: MAC-B1\n    obligatoir: true\n",
            "ligne 5 : clé inconnue « obligatoir »",
        ),
        (
            "exigences:\n  - {element: MAC-B1, obligatoire: peut-être}\n",
            "ligne 4 : « obligatoire » vaut true ou false",
        ),
        ("exigences: []\n", "ligne 3 : l'offre doit lister au moins une exigence"),
        (
            "exigences:\n  - MAC-B1\n  - MAC-B1\n",
            "ligne 5 : l'élément « MAC-B1 » est déjà exigé ligne 4",
        ),
        ("statut: vendue\nexigences: [MAC-B1]\n", "ligne 3 : statut inconnu « vendue »"),
        ("exigences:\n  - element: [MAC-B1\n", "YAML illisible"),
    ],
)
def test_job_yaml_errors_are_in_french_with_the_line(
    real_graph: SkillsGraph, body: str, expected: str
) -> None:
    with pytest.raises(JobFormatError) as caught:
        load_job(_job(body), resolve=NodeResolver(real_graph).resolve, source="offre.yaml")
    assert expected in str(caught.value)
    assert str(caught.value).startswith("offre.yaml : ")


def test_a_job_without_id_or_title_is_refused() -> None:
    with pytest.raises(JobFormatError) as caught:
        load_job("exigences: [x:y]\n")
    assert "offre" in str(caught.value)
    assert "titre" in str(caught.value)


def test_stems_ignore_accents_case_and_plural() -> None:
    assert stems("Poser des Plaques de PLÂTRE") == stems("pose plaque platre")
    assert stems("maçonnerie") == stems("Maçon")


def test_free_text_proposes_items_in_french_and_english(real_graph: SkillsGraph) -> None:
    index = LabelIndex(real_graph)
    french = index.search("poser des plaques de plâtre", limit=5)
    assert french
    assert all(not p.to_dict()["confirmed"] for p in french)
    assert "plâtre" in french[0].label.casefold()
    english = index.search("bricklaying", limit=5)
    assert any(p.node == f"{BTP}/certifications/CERT-MACON" for p in english)
    assert index.search("zzzz qqqq") == []
    scores = [p.score for p in index.search("sécurité chantier", limit=10)]
    assert scores == sorted(scores, reverse=True)
