"""What was achieved and by whom (OB 3.0 §B.1: Achievement, AchievementSubject and parts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from badges.identity import hashed_identity, identity_matches
from badges.model.base import LanguageString, Number, OBModel, OneOrMany
from badges.model.profile import IdentifierEntry, Image, Profile

if TYPE_CHECKING:
    from badges.model.credential import EndorsementCredential


class Alignment(OBModel):
    """A link from an achievement (or result) to a node of a competence framework."""

    type: OneOrMany[str] = Field(default_factory=lambda: ["Alignment"])
    targetName: LanguageString
    targetUrl: str
    targetCode: str | None = None
    targetDescription: LanguageString | None = None
    targetFramework: LanguageString | None = None
    targetType: str | None = None


class Criteria(OBModel):
    """How the achievement is earned: a page (``id``) and/or Markdown ``narrative``."""

    id: str | None = None
    narrative: LanguageString | None = None


class RubricCriterionLevel(OBModel):
    id: str
    type: OneOrMany[str] = Field(default_factory=lambda: ["RubricCriterionLevel"])
    name: LanguageString
    alignment: OneOrMany[Alignment] | None = None
    description: LanguageString | None = None
    level: LanguageString | None = None
    points: str | None = None


class ResultDescription(OBModel):
    """A result that may be asserted for the achievement (a level scale, a grade…)."""

    id: str
    type: OneOrMany[str] = Field(default_factory=lambda: ["ResultDescription"])
    name: LanguageString
    resultType: str
    alignment: OneOrMany[Alignment] | None = None
    allowedValue: OneOrMany[str] | None = None
    requiredLevel: str | None = None
    requiredValue: str | None = None
    rubricCriterionLevel: OneOrMany[RubricCriterionLevel] | None = None
    valueMax: str | None = None
    valueMin: str | None = None


class Related(OBModel):
    id: str
    type: OneOrMany[str] = Field(default_factory=lambda: ["Related"])
    inLanguage: str | None = None
    version: str | None = None


class Achievement(OBModel):
    """The achievement definition (OB 2.0 BadgeClass)."""

    id: str
    type: OneOrMany[str] = Field(default_factory=lambda: ["Achievement"])
    name: LanguageString
    description: LanguageString
    criteria: Criteria
    achievementType: str | None = None
    alignment: OneOrMany[Alignment] | None = None
    creator: Profile | None = None
    creditsAvailable: Number | None = None
    endorsement: OneOrMany[EndorsementCredential] | None = None
    endorsementJwt: OneOrMany[str] | None = None
    fieldOfStudy: LanguageString | None = None
    humanCode: str | None = None
    image: Image | None = None
    inLanguage: str | None = None
    otherIdentifier: OneOrMany[IdentifierEntry] | None = None
    related: OneOrMany[Related] | None = None
    resultDescription: OneOrMany[ResultDescription] | None = None
    specialization: LanguageString | None = None
    tag: OneOrMany[str] | None = None
    version: str | None = None


class Result(OBModel):
    """A result achieved, pointing at a ResultDescription of the achievement."""

    type: OneOrMany[str] = Field(default_factory=lambda: ["Result"])
    achievedLevel: str | None = None
    alignment: OneOrMany[Alignment] | None = None
    resultDescription: str | None = None
    status: str | None = None
    value: str | None = None


class Evidence(OBModel):
    id: str | None = None
    type: OneOrMany[str] = Field(default_factory=lambda: ["Evidence"])
    narrative: LanguageString | None = None
    name: LanguageString | None = None
    description: LanguageString | None = None
    genre: LanguageString | None = None
    audience: LanguageString | None = None


class IdentityObject(OBModel):
    """A recipient identifier, hashed (``sha256$…``) or plain (OB 3.0 IdentityObject)."""

    type: OneOrMany[str] = "IdentityObject"
    hashed: bool
    identityHash: str
    identityType: str
    salt: str | None = None

    @classmethod
    def hashed_from(
        cls, identifier: str, identity_type: str = "emailAddress", *, salt: str | None = None
    ) -> IdentityObject:
        """A hashed identity of an e-mail, phone or national id with a random salt."""
        return cls.model_validate(hashed_identity(identifier, identity_type, salt=salt))

    def matches(self, known: str) -> bool:
        """Does ``known`` designate this recipient (OB 3.0 §9 step 5)?"""
        return identity_matches(self.to_json(), known)


class AchievementSubject(OBModel):
    """The recipient and what they achieved."""

    id: str | None = None
    type: OneOrMany[str] = Field(default_factory=lambda: ["AchievementSubject"])
    achievement: Achievement
    identifier: OneOrMany[IdentityObject] | None = None
    activityEndDate: str | None = None
    activityStartDate: str | None = None
    creditsEarned: Number | None = None
    image: Image | None = None
    licenseNumber: str | None = None
    narrative: LanguageString | None = None
    result: OneOrMany[Result] | None = None
    role: LanguageString | None = None
    source: Profile | None = None
    term: LanguageString | None = None
