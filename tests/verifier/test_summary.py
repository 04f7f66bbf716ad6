"""The plain words shown to people: verdict first, one line per check, never "faux" when unsure."""

from __future__ import annotations

from badges.fetch import MapFetcher
from tests.verifier.builders import NOW, signed, status_entry
from verifier import VerifyOptions, verify
from verifier.display import describe, text_in
from verifier.messages import catalogue, sentence
from verifier.summary import summary_lines


def lines(credential: object, **options: object) -> list[str]:
    report = verify(credential, options=VerifyOptions(now=NOW, **options))  # type: ignore[arg-type]
    return summary_lines(report)


def test_expired_badge_is_authentic_with_a_warning_line() -> None:
    out = lines(signed(validUntil="2025-06-01T00:00:00Z"))
    assert out[0].startswith("✔ Badge authentique")
    assert "  ⚠ Dates : Ce badge a expiré le 1 juin 2025." in out
    assert any(line.startswith("  ⚠ Organisme") for line in out)


def test_unreachable_status_says_could_not_check_never_false() -> None:
    out = lines(signed(credentialStatus=status_entry(4)), fetcher=MapFetcher({}))
    assert out[0].startswith("⚠ À vérifier")
    assert "faux" in out[0]  # « Cela ne veut pas dire que le badge est faux. »
    assert "ne veut pas dire" in out[0]
    assert any("Réessayez plus tard" in line for line in out)


def test_tampered_badge_says_it_was_changed() -> None:
    credential = signed()
    credential["name"] = "Autre"
    out = lines(credential)
    assert out[0].startswith("✖ Non valable")
    assert any("modifié après sa délivrance" in line for line in out)


def test_messages_come_from_the_documentation_in_both_languages() -> None:
    assert "revoked" in catalogue()
    assert sentence("revoked") == "L'organisme a retiré ce badge."
    assert sentence("revoked", "en") == "The issuer has withdrawn this badge."


def test_description_reads_language_maps_and_keeps_only_safe_links() -> None:
    assert text_in({"fr": "Bonjour", "en": "Hello"}) == "Bonjour"
    assert text_in(
        [{"@value": "Hi", "@language": "en"}, {"@value": "Salut", "@language": "fr"}]
    ) == ("Salut")
    credential = signed()
    credential["credentialSubject"]["achievement"]["alignment"][0]["targetUrl"] = "javascript:x"
    badge = describe(credential)
    assert badge.competences[0].name == "Savoir accueillir"
    assert badge.competences[0].url is None
    assert badge.issuer_name == "Centre de formation Exemple"
    assert describe(None).name == ""
