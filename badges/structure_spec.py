"""The OB 3.0 data model as data: classes, their members and the kind of each value.

Written from the specification's data model (OB 3.0 Appendix B "Data Models", the CDM source
``common_credentials.lines``): one :class:`ClassSpec` per class, with the required members,
the IRI its ``type`` must contain (or equal, for closed classes), and each member's value kind.
Cardinality ``0..*`` members accept a single value as well as an array, as the JSON-LD compacted
form allows and the published JSON Schemas do (OB 3.0 §"Serialization"; VC 2.0 §4.5).

``badges.structure`` walks a credential with these tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT_PATTERN = r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$"


class Kind(Enum):
    """What a member value must be."""

    STRING = "string"  # String, Markdown: a string, a language map or VC 2.0 value object(s)
    URI = "uri"  # URI / IRI: an absolute URI (``scheme:…``)
    URL = "url"  # URL: an absolute URL with ``//`` authority
    DATETIME = "datetime"  # DateTimeZ / DateTime: XSD dateTimeStamp
    DATE = "date"  # xsd:date
    NUMBER = "number"
    BOOLEAN = "boolean"
    LANGUAGE = "language"  # LanguageCode (BCP 47 subset used by the schemas)
    COMPACT_JWS = "compact_jws"
    PROFILE_REF = "profile_ref"  # a URI or a Profile object
    CONTEXT = "context"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class Member:
    """One member: a value kind, or the name of a class for object values."""

    kind: Kind | None = None
    cls: str | None = None
    many: bool = False  # cardinality 0..* / 1..*: a single value or an array
    enum: tuple[str, ...] = ()
    extensible: bool = False  # EnumExt: ``ext:`` values allowed too


@dataclass(frozen=True, slots=True)
class ClassSpec:
    name: str
    type_iri: str | None  # the IRI ``type`` must contain; None: any type allowed
    required: tuple[str, ...] = ()
    members: dict[str, Member] = field(default_factory=dict)
    closed: bool = False  # no other members (IdentityObject, IdentifierEntry, Image)
    type_exact: bool = False  # ``type`` is a single IRI that MUST equal ``type_iri``


def _s(many: bool = False) -> Member:
    return Member(Kind.STRING, many=many)


def _obj(cls: str, many: bool = False) -> Member:
    return Member(cls=cls, many=many)


_URI = Member(Kind.URI)
_DT = Member(Kind.DATETIME)
_JWS = Member(Kind.COMPACT_JWS, many=True)

IDENTIFIER_TYPES = (
    "name",
    "sourcedId",
    "systemId",
    "productId",
    "userName",
    "accountId",
    "emailAddress",
    "nationalIdentityNumber",
    "isbn",
    "issn",
    "lisSourcedId",
    "oneRosterSourcedId",
    "sisSourcedId",
    "ltiContextId",
    "ltiDeploymentId",
    "ltiToolId",
    "ltiPlatformId",
    "ltiUserId",
    "identifier",
)
ACHIEVEMENT_TYPES = (
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
)
ALIGNMENT_TARGET_TYPES = (
    "ceasn:Competency",
    "ceterms:Credential",
    "CFItem",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "CTDL",
)
RESULT_TYPES = (
    "GradePointAverage",
    "LetterGrade",
    "Percent",
    "PerformanceLevel",
    "PredictedScore",
    "RawScore",
    "Result",
    "RubricCriterion",
    "RubricCriterionLevel",
    "RubricScore",
    "ScaledScore",
    "Status",
)
RESULT_STATUS = (
    "Completed",
    "Enrolled",
    "Failed",
    "InProgress",
    "OnHold",
    "Provisional",
    "Withdrew",
)

_CREDENTIAL_COMMON: dict[str, Member] = {
    "@context": Member(Kind.CONTEXT),
    "id": _URI,
    "name": _s(),
    "description": _s(),
    "awardedDate": _DT,
    "issuer": Member(Kind.PROFILE_REF),
    "validFrom": _DT,
    "validUntil": _DT,
    # VC 1.1 members of the legacy AchievementCredentialv1p1 (verification only).
    "issuanceDate": _DT,
    "expirationDate": _DT,
    "proof": _obj("Proof", many=True),
    "credentialSchema": _obj("CredentialSchema", many=True),
    "credentialStatus": _obj("CredentialStatus"),
    "refreshService": _obj("RefreshService"),
    "termsOfUse": _obj("TermsOfUse", many=True),
    "evidence": _obj("Evidence", many=True),
    "endorsement": _obj("EndorsementCredential", many=True),
    "endorsementJwt": _JWS,
}

CLASSES: dict[str, ClassSpec] = {
    spec.name: spec
    for spec in (
        ClassSpec(
            "AchievementCredential",
            None,  # checked by badges.structure (two IRIs are required)
            required=("@context", "id", "type", "credentialSubject", "issuer", "validFrom"),
            members={
                **_CREDENTIAL_COMMON,
                "image": _obj("Image"),
                "credentialSubject": _obj("AchievementSubject"),
            },
        ),
        ClassSpec(
            "EndorsementCredential",
            None,
            required=("@context", "type", "id", "name", "credentialSubject", "issuer", "validFrom"),
            members={**_CREDENTIAL_COMMON, "credentialSubject": _obj("EndorsementSubject")},
        ),
        ClassSpec(
            "AchievementSubject",
            "AchievementSubject",
            required=("type", "achievement"),
            members={
                "id": _URI,
                "activityEndDate": _DT,
                "activityStartDate": _DT,
                "creditsEarned": Member(Kind.NUMBER),
                "achievement": _obj("Achievement"),
                "identifier": _obj("IdentityObject", many=True),
                "image": _obj("Image"),
                "licenseNumber": _s(),
                "narrative": _s(),
                "result": _obj("Result", many=True),
                "role": _s(),
                "source": _obj("Profile"),
                "term": _s(),
            },
        ),
        ClassSpec(
            "EndorsementSubject",
            "EndorsementSubject",
            required=("id", "type"),
            members={"id": _URI, "endorsementComment": _s()},
        ),
        ClassSpec(
            "Achievement",
            "Achievement",
            required=("id", "type", "criteria", "description", "name"),
            members={
                "id": _URI,
                "alignment": _obj("Alignment", many=True),
                "achievementType": Member(Kind.STRING, enum=ACHIEVEMENT_TYPES, extensible=True),
                "creator": _obj("Profile"),
                "creditsAvailable": Member(Kind.NUMBER),
                "criteria": _obj("Criteria"),
                "description": _s(),
                "endorsement": _obj("EndorsementCredential", many=True),
                "endorsementJwt": _JWS,
                "fieldOfStudy": _s(),
                "humanCode": _s(),
                "image": _obj("Image"),
                "inLanguage": Member(Kind.LANGUAGE),
                "name": _s(),
                "otherIdentifier": _obj("IdentifierEntry", many=True),
                "related": _obj("Related", many=True),
                "resultDescription": _obj("ResultDescription", many=True),
                "specialization": _s(),
                "tag": _s(many=True),
                "version": _s(),
            },
        ),
        ClassSpec(
            "Alignment",
            "Alignment",
            required=("type", "targetName", "targetUrl"),
            members={
                "targetCode": _s(),
                "targetDescription": _s(),
                "targetName": _s(),
                "targetFramework": _s(),
                "targetType": Member(Kind.STRING, enum=ALIGNMENT_TARGET_TYPES, extensible=True),
                "targetUrl": Member(Kind.URL),
            },
        ),
        ClassSpec("Criteria", None, members={"id": _URI, "narrative": _s()}),
        ClassSpec(
            "Evidence",
            "Evidence",
            required=("type",),
            members={
                "id": _URI,
                "narrative": _s(),
                "name": _s(),
                "description": _s(),
                "genre": _s(),
                "audience": _s(),
            },
        ),
        ClassSpec(
            "IdentityObject",
            "IdentityObject",
            required=("type", "hashed", "identityHash", "identityType"),
            members={
                "hashed": Member(Kind.BOOLEAN),
                "identityHash": _s(),
                "identityType": Member(Kind.STRING, enum=IDENTIFIER_TYPES, extensible=True),
                "salt": _s(),
            },
            closed=True,
            type_exact=True,
        ),
        ClassSpec(
            "IdentifierEntry",
            "IdentifierEntry",
            required=("type", "identifier", "identifierType"),
            members={
                "identifier": _s(),
                "identifierType": Member(Kind.STRING, enum=IDENTIFIER_TYPES, extensible=True),
            },
            closed=True,
            type_exact=True,
        ),
        ClassSpec(
            "Image",
            "Image",
            required=("id", "type"),
            members={"id": _URI, "caption": _s()},
            closed=True,
            type_exact=True,
        ),
        ClassSpec(
            "Profile",
            "Profile",
            required=("id", "type"),
            members={
                "id": _URI,
                "name": _s(),
                "url": _URI,
                "phone": _s(),
                "description": _s(),
                "endorsement": _obj("EndorsementCredential", many=True),
                "endorsementJwt": _JWS,
                "image": _obj("Image"),
                "email": _s(),
                "address": _obj("Address"),
                "otherIdentifier": _obj("IdentifierEntry", many=True),
                "official": _s(),
                "parentOrg": _obj("Profile"),
                "familyName": _s(),
                "givenName": _s(),
                "additionalName": _s(),
                "patronymicName": _s(),
                "honorificPrefix": _s(),
                "honorificSuffix": _s(),
                "familyNamePrefix": _s(),
                "dateOfBirth": Member(Kind.DATE),
            },
        ),
        ClassSpec(
            "Address",
            "Address",
            required=("type",),
            members={
                "addressCountry": _s(),
                "addressCountryCode": _s(),
                "addressRegion": _s(),
                "addressLocality": _s(),
                "streetAddress": _s(),
                "postOfficeBoxNumber": _s(),
                "postalCode": _s(),
                "geo": _obj("GeoCoordinates"),
            },
        ),
        ClassSpec(
            "GeoCoordinates",
            "GeoCoordinates",
            required=("type", "latitude", "longitude"),
            members={"latitude": Member(Kind.NUMBER), "longitude": Member(Kind.NUMBER)},
            type_exact=True,
        ),
        ClassSpec(
            "Related",
            "Related",
            required=("id", "type"),
            members={"id": _URI, "inLanguage": Member(Kind.LANGUAGE), "version": _s()},
        ),
        ClassSpec(
            "Result",
            "Result",
            required=("type",),
            members={
                "achievedLevel": _URI,
                "alignment": _obj("Alignment", many=True),
                "resultDescription": _URI,
                "status": Member(Kind.STRING, enum=RESULT_STATUS),
                "value": _s(),
            },
        ),
        ClassSpec(
            "ResultDescription",
            "ResultDescription",
            required=("id", "type", "name", "resultType"),
            members={
                "id": _URI,
                "alignment": _obj("Alignment", many=True),
                "allowedValue": _s(many=True),
                "name": _s(),
                "requiredLevel": _URI,
                "requiredValue": _s(),
                "resultType": Member(Kind.STRING, enum=RESULT_TYPES, extensible=True),
                "rubricCriterionLevel": _obj("RubricCriterionLevel", many=True),
                "valueMax": _s(),
                "valueMin": _s(),
            },
        ),
        ClassSpec(
            "RubricCriterionLevel",
            "RubricCriterionLevel",
            required=("id", "type", "name"),
            members={
                "id": _URI,
                "alignment": _obj("Alignment", many=True),
                "description": _s(),
                "level": _s(),
                "name": _s(),
                "points": _s(),
            },
        ),
        # VC 2.0 members: the type is any IRI (a single one for these classes).
        ClassSpec(
            "Proof",
            None,
            required=("type",),
            members={
                "created": _DT,
                "cryptosuite": _s(),
                "challenge": _s(),
                "domain": _s(),
                "nonce": _s(),
                "proofPurpose": _s(),
                "proofValue": _s(),
                # The proof check owns the form of the verification method (DID, URL).
                "verificationMethod": _s(),
            },
        ),
        ClassSpec("CredentialSchema", None, required=("id", "type"), members={"id": _URI}),
        ClassSpec("CredentialStatus", None, required=("type",), members={"id": _URI}),
        ClassSpec("RefreshService", None, required=("id", "type"), members={"id": _URI}),
        ClassSpec("TermsOfUse", None, required=("type",), members={"id": _URI}),
    )
}
