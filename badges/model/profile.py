"""Profile and the small classes it uses (OB 3.0 §B.1 Profile, Image, IdentifierEntry, Address)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from badges.model.base import LanguageString, Number, OBModel, OneOrMany

if TYPE_CHECKING:
    from badges.model.credential import EndorsementCredential


class Image(OBModel):
    """OB 3.0 Image: a URI or data: URI with type ``Image`` and an optional caption."""

    id: str
    type: OneOrMany[str] = "Image"
    caption: LanguageString | None = None


class IdentifierEntry(OBModel):
    """Another identifier of a profile or achievement (``otherIdentifier``)."""

    type: OneOrMany[str] = "IdentifierEntry"
    identifier: str
    identifierType: str


class GeoCoordinates(OBModel):
    type: OneOrMany[str] = "GeoCoordinates"
    latitude: Number
    longitude: Number


class Address(OBModel):
    type: OneOrMany[str] = Field(default_factory=lambda: ["Address"])
    addressCountry: LanguageString | None = None
    addressCountryCode: str | None = None
    addressRegion: LanguageString | None = None
    addressLocality: LanguageString | None = None
    streetAddress: LanguageString | None = None
    postOfficeBoxNumber: str | None = None
    postalCode: str | None = None
    geo: GeoCoordinates | None = None


class Profile(OBModel):
    """An issuer, creator or source: a person or an organisation (OB 3.0 §B.1.14)."""

    id: str
    type: OneOrMany[str] = Field(default_factory=lambda: ["Profile"])
    name: LanguageString | None = None
    url: str | None = None
    phone: str | None = None
    description: LanguageString | None = None
    endorsement: OneOrMany[EndorsementCredential] | None = None
    endorsementJwt: OneOrMany[str] | None = None
    image: Image | None = None
    email: str | None = None
    address: Address | None = None
    otherIdentifier: OneOrMany[IdentifierEntry] | None = None
    official: LanguageString | None = None
    parentOrg: Profile | None = None
    familyName: LanguageString | None = None
    givenName: LanguageString | None = None
    additionalName: LanguageString | None = None
    patronymicName: LanguageString | None = None
    honorificPrefix: LanguageString | None = None
    honorificSuffix: LanguageString | None = None
    familyNamePrefix: LanguageString | None = None
    dateOfBirth: str | None = None
