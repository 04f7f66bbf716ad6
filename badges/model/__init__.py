"""Pydantic v2 wire models of Open Badges 3.0 (OB 3.0 Appendix B) and VC 2.0 containers.

The models require the members the specification requires (what you build is complete) and
accept every form a conforming document may take: single value or array for repeated members and
``type``, language maps and VC 2.0 value objects for texts, unknown (extension) members. They are
lossless: ``parse_credential(doc).to_json() == doc`` for any such document, minus nulls and empty
arrays, which OB 3.0 forbids in output. Rules such as the ``@context`` order or the values ``type``
must contain are reported by ``badges.structure`` as coded problems, not by the models.
Never re-serialise a signed credential to verify it: verify the bytes received."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from badges.model.achievement import (
    Achievement,
    AchievementSubject,
    Alignment,
    Criteria,
    Evidence,
    IdentityObject,
    Related,
    Result,
    ResultDescription,
    RubricCriterionLevel,
)
from badges.model.base import LanguageString, OBModel, OneOrMany, as_list, localized, prune
from badges.model.credential import (
    OB_CONTEXT,
    OB_SCHEMA,
    VC_V2_CONTEXT,
    AchievementCredential,
    BitstringStatusList,
    BitstringStatusListCredential,
    BitstringStatusListEntry,
    CredentialSchema,
    CredentialStatus,
    EndorsementCredential,
    EndorsementSubject,
    OpenBadgeCredential,
    Proof,
    RefreshService,
    TermsOfUse,
    VerifiableCredential,
    VerifiablePresentation,
)
from badges.model.enums import (
    AchievementType,
    AlignmentTargetType,
    IdentifierType,
    ResultStatus,
    ResultType,
)
from badges.model.profile import Address, GeoCoordinates, IdentifierEntry, Image, Profile
from badges.problems import BadgeError

_NAMESPACE = {
    "EndorsementCredential": EndorsementCredential,
    "Profile": Profile,
    "AchievementSubject": AchievementSubject,
}
for _model in (
    Profile,
    Achievement,
    AchievementSubject,
    AchievementCredential,
    EndorsementCredential,
):
    _model.model_rebuild(_types_namespace=_NAMESPACE)


class ModelError(BadgeError):
    """The document cannot be read as the expected model (wrong JSON types, missing members)."""

    code = "credential_model_invalid"


def _parse(model: type[OBModel], document: Any) -> Any:
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        raise ModelError(
            f"{model.__name__} illisible : {first['msg']} ({path})", path=path
        ) from exc


def parse_credential(document: Any) -> AchievementCredential:
    """Read an OpenBadgeCredential / AchievementCredential; raises :class:`ModelError`."""
    result: AchievementCredential = _parse(AchievementCredential, document)
    return result


def parse_endorsement(document: Any) -> EndorsementCredential:
    result: EndorsementCredential = _parse(EndorsementCredential, document)
    return result


def parse_presentation(document: Any) -> VerifiablePresentation:
    result: VerifiablePresentation = _parse(VerifiablePresentation, document)
    return result


def parse_profile(document: Any) -> Profile:
    result: Profile = _parse(Profile, document)
    return result


__all__ = [
    "OB_CONTEXT",
    "OB_SCHEMA",
    "VC_V2_CONTEXT",
    "Achievement",
    "AchievementCredential",
    "AchievementSubject",
    "AchievementType",
    "Address",
    "Alignment",
    "AlignmentTargetType",
    "BitstringStatusList",
    "BitstringStatusListCredential",
    "BitstringStatusListEntry",
    "CredentialSchema",
    "CredentialStatus",
    "Criteria",
    "EndorsementCredential",
    "EndorsementSubject",
    "Evidence",
    "GeoCoordinates",
    "IdentifierEntry",
    "IdentifierType",
    "IdentityObject",
    "Image",
    "LanguageString",
    "ModelError",
    "OBModel",
    "OneOrMany",
    "OpenBadgeCredential",
    "Profile",
    "Proof",
    "RefreshService",
    "Related",
    "Result",
    "ResultDescription",
    "ResultStatus",
    "ResultType",
    "RubricCriterionLevel",
    "TermsOfUse",
    "VerifiableCredential",
    "VerifiablePresentation",
    "as_list",
    "localized",
    "parse_credential",
    "parse_endorsement",
    "parse_presentation",
    "parse_profile",
    "prune",
]
