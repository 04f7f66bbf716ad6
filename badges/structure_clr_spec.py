"""The CLR 2.0 classes the structure checks add to the OB 3.0 tables (``badges.structure_spec``).

Written from the Comprehensive Learner Record 2.0 data model (CLR 2.0 Appendix B.1): a
``ClrCredential`` is a VC whose ``credentialSubject`` is a ``ClrSubject`` holding the learner's
``verifiableCredential`` (each an OB 3.0 AchievementCredential with its own proof, checked with the
OB rules, context included), the ``achievement`` definitions and the ``association`` graph between
them. The credential's ``@context`` is ``[VC, CLR 2.0 context, …]`` with an OB 3.0 context among
the rest (``badges.structure.check_context``).
"""

from __future__ import annotations

from badges.structure_spec import _CREDENTIAL_COMMON, ClassSpec, Kind, Member

CLR_CONTEXT_PATTERN = r"^https://purl\.imsglobal\.org/spec/clr/v2p0/context(-2\.\d\.\d)*\.json$"
CLR_CREDENTIAL_TYPE = "ClrCredential"

# CLR 2.0 §B.2.1 AssociationType (a closed enumeration).
ASSOCIATION_TYPES = (
    "exactMatchOf",
    "isChildOf",
    "isParentOf",
    "isPartOf",
    "isPeerOf",
    "isRelatedTo",
    "precedes",
    "replacedBy",
)

_URI = Member(Kind.URI)

CLR_CLASSES: dict[str, ClassSpec] = {
    spec.name: spec
    for spec in (
        ClassSpec(
            CLR_CREDENTIAL_TYPE,
            None,  # VerifiableCredential and ClrCredential: checked by badges.structure
            required=("@context", "id", "type", "credentialSubject", "issuer", "validFrom", "name"),
            members={
                **_CREDENTIAL_COMMON,
                "image": Member(cls="Image"),
                "partial": Member(Kind.BOOLEAN),
                "credentialSubject": Member(cls="ClrSubject"),
            },
        ),
        ClassSpec(
            "ClrSubject",
            "ClrSubject",
            required=("type", "verifiableCredential"),
            members={
                "id": _URI,
                "identifier": Member(cls="IdentityObject", many=True),
                "achievement": Member(cls="Achievement", many=True),
                "verifiableCredential": Member(cls="AchievementCredential", many=True),
                "association": Member(cls="Association", many=True),
            },
        ),
        ClassSpec(
            "Association",
            "Association",
            required=("type", "associationType", "sourceId", "targetId"),
            members={
                "associationType": Member(Kind.STRING, enum=ASSOCIATION_TYPES),
                "sourceId": _URI,
                "targetId": _URI,
            },
            type_exact=True,
        ),
    )
}
