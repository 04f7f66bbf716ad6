"""Credentials and presentations (VC Data Model 2.0 §4; OB 3.0 AchievementCredential,
EndorsementCredential; VC 1.1 members kept for legacy inputs)."""

from __future__ import annotations

from typing import Any, TypeAlias

from pydantic import Field

from badges.model.achievement import AchievementSubject, Evidence
from badges.model.base import LanguageString, OBModel, OneOrMany, as_list
from badges.model.profile import Image, Profile

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)

Context: TypeAlias = str | dict[str, Any]


class Proof(OBModel):
    """An embedded proof (VC Data Integrity §2.1); verified by ``badges.proofs``."""

    type: OneOrMany[str]
    created: str | None = None
    cryptosuite: str | None = None
    challenge: str | None = None
    domain: str | None = None
    nonce: str | None = None
    proofPurpose: str | None = None
    proofValue: str | None = None
    verificationMethod: str | None = None


class CredentialSchema(OBModel):
    id: str
    type: OneOrMany[str] = "1EdTechJsonSchemaValidator2019"


class CredentialStatus(OBModel):
    """``credentialStatus``; the BitstringStatusListEntry members are typed (BSL §2.1)."""

    type: OneOrMany[str]
    id: str | None = None
    statusPurpose: str | None = None
    # BSL wants a base-10 string; one published fixture uses an integer: keep either as given.
    statusListIndex: str | int | None = None
    statusListCredential: str | None = None
    statusSize: int | None = None


BitstringStatusListEntry = CredentialStatus


class RefreshService(OBModel):
    id: str
    type: OneOrMany[str]


class TermsOfUse(OBModel):
    type: OneOrMany[str]
    id: str | None = None


class VerifiableCredential(OBModel):
    """Members shared by every credential (VC 2.0 §4), with VC 1.1 dates for legacy inputs."""

    context: OneOrMany[Context] = Field(alias="@context")
    id: str | None = None
    type: OneOrMany[str]
    issuer: str | Profile
    name: LanguageString | None = None
    description: LanguageString | None = None
    validFrom: str | None = None
    validUntil: str | None = None
    issuanceDate: str | None = None
    expirationDate: str | None = None
    awardedDate: str | None = None
    credentialSchema: OneOrMany[CredentialSchema] | None = None
    credentialStatus: CredentialStatus | None = None
    refreshService: RefreshService | None = None
    termsOfUse: OneOrMany[TermsOfUse] | None = None
    evidence: OneOrMany[Evidence] | None = None
    proof: OneOrMany[Proof] | None = None

    @property
    def issuer_id(self) -> str:
        return self.issuer if isinstance(self.issuer, str) else self.issuer.id

    @property
    def proofs(self) -> list[Proof]:
        return as_list(self.proof)

    @property
    def types(self) -> list[str]:
        return as_list(self.type)


class AchievementCredential(VerifiableCredential):
    """OB 3.0 AchievementCredential, alias OpenBadgeCredential (OB 3.0 §B.1.2)."""

    credentialSubject: AchievementSubject
    image: Image | None = None
    endorsement: OneOrMany[EndorsementCredential] | None = None
    endorsementJwt: OneOrMany[str] | None = None


OpenBadgeCredential = AchievementCredential


class EndorsementSubject(OBModel):
    id: str
    type: OneOrMany[str] = Field(default_factory=lambda: ["EndorsementSubject"])
    endorsementComment: LanguageString | None = None


class EndorsementCredential(VerifiableCredential):
    """A third party's claim about a profile, achievement or credential (OB 3.0 §B.1.7)."""

    credentialSubject: EndorsementSubject


class BitstringStatusList(OBModel):
    """Subject of a status list credential (BSL §2.2); see ``badges.status_list``."""

    id: str | None = None
    type: OneOrMany[str] = "BitstringStatusList"
    statusPurpose: OneOrMany[str]
    encodedList: str
    ttl: int | None = None
    statusSize: int | None = None
    statusMessage: list[dict[str, Any]] | None = None
    statusReference: OneOrMany[str] | None = None


class BitstringStatusListCredential(VerifiableCredential):
    """A published status list (BSL §2.2): type ⊇ {VerifiableCredential,
    BitstringStatusListCredential}, one ``BitstringStatusList`` subject."""

    type: OneOrMany[str] = Field(
        default_factory=lambda: ["VerifiableCredential", "BitstringStatusListCredential"]
    )
    credentialSubject: BitstringStatusList


class VerifiablePresentation(OBModel):
    """A holder's presentation (VC 2.0 §4.13).

    Embedded credentials stay raw JSON (objects, or strings for enveloped/JWT forms): a
    presentation is a container, and each credential is verified from the bytes it carries.
    """

    context: OneOrMany[Context] = Field(alias="@context")
    id: str | None = None
    type: OneOrMany[str] = Field(default_factory=lambda: ["VerifiablePresentation"])
    holder: str | dict[str, Any] | None = None
    verifiableCredential: OneOrMany[dict[str, Any] | str] | None = None
    proof: OneOrMany[Proof] | None = None

    @property
    def credentials(self) -> list[dict[str, Any] | str]:
        return as_list(self.verifiableCredential)
