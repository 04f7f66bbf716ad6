"""Plain words for a report: the verdict title and one line per check (FR first, then EN).

Wording from reliability-ux.md B3 (FALC-checked proposal): « Badge authentique » / « À vérifier »
/ « Non valable », never "faux" when the truth is "could not check". Problem sentences come from
``docs/error-codes.md`` through ``verifier.messages``. Used by the CLI and the verification page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from badges.problems import Severity
from verifier.checks.parties import issuer_id_of
from verifier.messages import problem_sentence
from verifier.report import Check, CheckId, Outcome, Verdict, VerificationReport

_MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def format_date(value: Any, lang: str = "fr") -> str:
    if isinstance(value, str):
        from verifier.checks.validity import parse_datetime

        parsed = parse_datetime(value)
    elif isinstance(value, datetime):
        parsed = value
    else:
        parsed = None
    if parsed is None:
        return str(value) if value else ""
    if lang == "en":
        return parsed.strftime("%d %B %Y")
    return f"{parsed.day} {_MONTHS_FR[parsed.month - 1]} {parsed.year}"


@dataclass(frozen=True, slots=True)
class VerdictText:
    icon: str
    title: str
    explanation: str
    css: str


def verdict_text(report: VerificationReport, lang: str = "fr") -> VerdictText:
    expired = _expired(report)
    if report.verdict == Verdict.VERIFIED:
        if lang == "en":
            note = "The badge is authentic."
            if expired:
                note += " It has expired, but it remains a true record of what was achieved."
            return VerdictText("✔", "Authentic badge", note, "verified")
        note = "Le badge est authentique."
        if expired:
            note += " Il a expiré, mais il reste une trace fidèle de ce qui a été acquis."
        return VerdictText("✔", "Badge authentique", note, "verified")
    if report.verdict == Verdict.NOT_VERIFIED:
        if lang == "en":
            return VerdictText(
                "✖", "Not valid", "Do not rely on this badge: see why below.", "not-verified"
            )
        return VerdictText(
            "✖",
            "Non valable",
            "Ne vous fiez pas à ce badge : voyez pourquoi ci-dessous.",
            "not-verified",
        )
    if lang == "en":
        return VerdictText(
            "⚠",
            "To be checked",
            "We could not check everything. This does not mean the badge is false.",
            "inconclusive",
        )
    return VerdictText(
        "⚠",
        "À vérifier",
        "Nous n'avons pas pu tout vérifier. Cela ne veut pas dire que le badge est faux.",
        "inconclusive",
    )


def _expired(report: VerificationReport) -> bool:
    check = report.check(CheckId.VALIDITY_PERIOD)
    return check is not None and "expired" in check.codes()


def _issuer_name(report: VerificationReport, lang: str = "fr") -> str:
    """The issuer's name, marked as declared when the registry does not know it (OB 3.0
    implementation guide, Displayer: issuer data in a credential is unverified)."""
    credential = report.credential or {}
    issuer = credential.get("issuer")
    name = issuer.get("name") if isinstance(issuer, dict) else None
    if not isinstance(name, str) or not name:
        return issuer_id_of(credential) or ("the issuer" if lang == "en" else "l'organisme")
    known = report.outcome(CheckId.ISSUER_TRUST) == Outcome.PASSED
    if known:
        return name
    return (
        f"« {name} » (name given by the issuer)"
        if lang == "en"
        else (f"« {name} » (nom donné par l'organisme)")
    )


_PASSED_FR = {
    CheckId.STRUCTURE: "Le document est bien un badge numérique.",
    CheckId.CONTEXT: "Le vocabulaire du badge est reconnu.",
    CheckId.SCHEMA: "Les informations du badge ont la forme prévue par la norme.",
    CheckId.PROOF: "Le contenu n'a pas été modifié depuis sa délivrance par {issuer}.",
    CheckId.VALIDITY_PERIOD: "Le badge est valable aujourd'hui.",
    CheckId.STATUS: "L'organisme n'a pas retiré ce badge.",
    CheckId.ISSUER_TRUST: "{issuer} fait partie des organismes reconnus.",
    CheckId.RECIPIENT: "Le badge a bien été délivré à la personne indiquée.",
    CheckId.ENDORSEMENTS: "Les recommandations jointes au badge sont authentiques.",
}
_PASSED_EN = {
    CheckId.STRUCTURE: "The document is a digital badge.",
    CheckId.CONTEXT: "The badge vocabulary is recognised.",
    CheckId.SCHEMA: "The badge fields have the form the standard requires.",
    CheckId.PROOF: "The content has not changed since {issuer} issued it.",
    CheckId.VALIDITY_PERIOD: "The badge is valid today.",
    CheckId.STATUS: "The issuer has not withdrawn this badge.",
    CheckId.ISSUER_TRUST: "{issuer} is one of the recognised issuers.",
    CheckId.RECIPIENT: "The badge was issued to the stated person.",
    CheckId.ENDORSEMENTS: "The endorsements attached to the badge are authentic.",
}
_LABELS_FR = {
    CheckId.STRUCTURE: "Forme",
    CheckId.CONTEXT: "Vocabulaire",
    CheckId.SCHEMA: "Norme",
    CheckId.PROOF: "Signature",
    CheckId.VALIDITY_PERIOD: "Dates",
    CheckId.STATUS: "Retrait",
    CheckId.ISSUER_TRUST: "Organisme",
    CheckId.RECIPIENT: "Titulaire",
    CheckId.ENDORSEMENTS: "Recommandations",
}
_LABELS_EN = {
    CheckId.STRUCTURE: "Form",
    CheckId.CONTEXT: "Vocabulary",
    CheckId.SCHEMA: "Standard",
    CheckId.PROOF: "Signature",
    CheckId.VALIDITY_PERIOD: "Dates",
    CheckId.STATUS: "Withdrawal",
    CheckId.ISSUER_TRUST: "Issuer",
    CheckId.RECIPIENT: "Holder",
    CheckId.ENDORSEMENTS: "Endorsements",
}
OUTCOME_ICONS = {
    Outcome.PASSED: "✔",
    Outcome.FAILED: "✖",
    Outcome.INDETERMINATE: "?",
    Outcome.SKIPPED: "–",
}
OUTCOME_WORDS_FR = {
    Outcome.PASSED: "vérifié",
    Outcome.FAILED: "problème",
    Outcome.INDETERMINATE: "non vérifiable",
    Outcome.SKIPPED: "non vérifié",
}


TONE_ICONS = {
    "passed": "✔",
    "failed": "✖",
    "warning": "⚠",
    "indeterminate": "?",
    "skipped": "–",
}


TONE_WORDS_FR = {
    "passed": "vérifié",
    "failed": "problème",
    "warning": "à noter",
    "indeterminate": "non vérifiable",
    "skipped": "non vérifié",
}


def check_tone(check: Check, report: VerificationReport) -> str:
    """``warning`` for a failed check that does not decide the verdict under this report's policy
    (an unknown issuer, an expired badge under ``default``): shown, but not as a red cross."""
    if check.outcome != Outcome.FAILED:
        return str(check.outcome)
    errors = check.errors()
    if not errors:
        return "warning"
    if report.policy != "strict" and report.verdict != Verdict.NOT_VERIFIED:
        soft = check.check in (CheckId.ISSUER_TRUST, CheckId.ENDORSEMENTS) or (
            check.check == CheckId.VALIDITY_PERIOD and all(p.code == "expired" for p in errors)
        )
        if soft or check.check in (CheckId.STRUCTURE, CheckId.SCHEMA):
            return "warning"
    return "failed"


def _key_bound(report: VerificationReport) -> bool:
    """False when ``issuer_trust`` says the signing key is not (or could not be) the issuer's."""
    trust = report.check(CheckId.ISSUER_TRUST)
    state = trust.details.get("key_binding") if trust is not None else None
    return state in (None, "bound")


def check_label(check: Check, lang: str = "fr") -> str:
    return (_LABELS_EN if lang == "en" else _LABELS_FR)[check.check]


def check_line(check: Check, report: VerificationReport, lang: str = "fr") -> str:
    """One plain sentence saying what this check found."""
    issuer = _issuer_name(report, lang)
    if check.outcome == Outcome.PASSED:
        if check.check == CheckId.STATUS and not check.details.get("method"):
            return (
                "The issuer publishes no withdrawal list for this badge."
                if lang == "en"
                else "L'organisme ne publie pas de liste de retrait pour ce badge."
            )
        if check.check == CheckId.VALIDITY_PERIOD and not check.details.get("valid_until"):
            return (
                "The badge has no end date." if lang == "en" else "Le badge n'a pas de date de fin."
            )
        if check.check == CheckId.PROOF and not _key_bound(report):
            # Issue 2: an intact seal says nothing about who signed until the key is bound.
            return (
                "The content has not changed since it was signed."
                if lang == "en"
                else "Le contenu n'a pas été modifié depuis sa signature."
            )
        template = (_PASSED_EN if lang == "en" else _PASSED_FR)[check.check]
        return template.format(issuer=issuer)
    if check.check == CheckId.VALIDITY_PERIOD and check.outcome == Outcome.FAILED:
        codes = check.codes()
        if "expired" in codes:
            date = format_date(check.details.get("valid_until"), lang)
            return (
                f"This badge expired on {date}."
                if lang == "en"
                else f"Ce badge a expiré le {date}."
            )
        if "not_yet_valid" in codes:
            date = format_date(check.details.get("valid_from"), lang)
            return (
                f"This badge is only valid from {date}."
                if lang == "en"
                else f"Ce badge n'est valable qu'à partir du {date}."
            )
    ranked = sorted(
        check.problems,
        key=lambda p: (
            {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}[p.severity],
            p.code == "prerequisite_failed",
        ),
    )
    if ranked:
        return problem_sentence(ranked[0], lang)
    return OUTCOME_WORDS_FR[check.outcome] if lang != "en" else str(check.outcome)


def summary_lines(report: VerificationReport, lang: str = "fr") -> list[str]:
    """The plain text summary: verdict first, then one line per check."""
    verdict = verdict_text(report, lang)
    lines = [f"{verdict.icon} {verdict.title} — {verdict.explanation}"]
    for problem in report.input_problems:
        lines.append(f"  ✖ {problem_sentence(problem, lang)}")
    for check in report.checks:
        icon = TONE_ICONS[check_tone(check, report)]
        lines.append(f"  {icon} {check_label(check, lang)} : {check_line(check, report, lang)}")
    for index, inner in enumerate(report.credentials, start=1):
        inner_verdict = verdict_text(inner, lang)
        lines.append(f"  Badge {index} : {inner_verdict.icon} {inner_verdict.title}")
    return lines
