"""Storage test helpers. The database fixtures themselves (``db_backend``, ``db_url``,
``db_engine``, ``db_session``) live in ``tests/dbfixtures.py`` and are loaded for every test by
``tests/conftest.py``; this file adds rows that several storage tests need."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from storage.engine import session_scope
from storage.tables import (
    Achievement,
    IssuerKey,
    Organisation,
    Referential,
    ReferentialStatus,
    StatusList,
    StatusPurpose,
)
from storage.tables.catalogue import DocumentFormat

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def issuer_setup(db_engine: Engine) -> dict[str, str]:
    """An organisation with a key, a published referential, an achievement and a revocation
    list: what an issuance needs. Returns their ids."""
    document = "slug: plaquiste\nversion: '1'\n"
    with session_scope(db_engine) as session:
        org = Organisation(slug="atelier", name="Atelier d'insertion", profile={"type": "Profile"})
        session.add(org)
        session.flush()
        key = IssuerKey(
            organisation_id=org.id,
            verification_method="did:web:example.org#key-1",
            public_key_multibase="z6MkTest",
            encrypted_secret=b"\x00sealed",
            kek_id="kek-1",
        )
        referential = Referential(
            slug="plaquiste",
            version="1",
            title="Plaquiste",
            status=ReferentialStatus.PUBLISHED,
            document_format=DocumentFormat.YAML,
            document=document,
            document_sha256=hashlib.sha256(document.encode()).hexdigest(),
            published_at=NOW,
        )
        session.add_all([key, referential])
        session.flush()
        achievement = Achievement(
            organisation_id=org.id,
            name="Pose de plaques",
            referential_slug="plaquiste",
            referential_version="1",
            items=["C1", "C2"],
            achievement={"type": ["Achievement"], "name": "Pose de plaques"},
        )
        status_list = StatusList(organisation_id=org.id, purpose=StatusPurpose.REVOCATION)
        session.add_all([achievement, status_list])
        session.flush()
        return {
            "organisation": org.id,
            "key": key.id,
            "referential": referential.id,
            "achievement": achievement.id,
            "status_list": status_list.id,
        }
