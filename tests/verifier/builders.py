"""Signed test credentials built with the real primitives (keys, Data Integrity, JWT, status)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from badges.fetch import MapFetcher
from badges.keys import Ed25519KeyPair
from badges.proofs.data_integrity import create_proof
from badges.status_list import StatusList

NOW = datetime(2026, 1, 1, tzinfo=UTC)
OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
LIST_URL = "https://formation.example/status/1"


def key(seed: int = 1) -> Ed25519KeyPair:
    return Ed25519KeyPair.from_seed(bytes([seed]) * 32)


def did_of(pair: Ed25519KeyPair) -> str:
    return str(pair.public.did_key)


def method_of(pair: Ed25519KeyPair) -> str:
    return f"{did_of(pair)}#{pair.public.public_key_multibase}"


def unsigned(issuer: str, **extra: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": list(OB_CONTEXT),
        "id": "urn:uuid:5c1a0b8e-3f7c-4a57-9b3e-6b3a8c1d2e01",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Centre de formation Exemple"},
        "validFrom": "2025-03-01T09:00:00Z",
        "name": "Accueillir un client",
        "credentialSubject": {
            "id": "did:example:titulaire-1",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://formation.example/achievements/accueil",
                "type": ["Achievement"],
                "name": "Accueillir un client",
                "description": "Accueille un client avec courtoisie et l'oriente.",
                "criteria": {"narrative": "Observé en situation réelle pendant deux semaines."},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Savoir accueillir",
                        "targetUrl": "https://formation.example/referentials/attitude/1/competences/A1",
                        "targetCode": "A1",
                        "targetFramework": "Attitude Pro",
                        "targetType": "CFItem",
                    }
                ],
            },
        },
    }
    credential.update(extra)
    return credential


def sign(document: dict[str, Any], pair: Ed25519KeyPair, **options: Any) -> dict[str, Any]:
    return create_proof(
        copy.deepcopy(document),
        pair,
        cryptosuite=options.pop("cryptosuite", "eddsa-rdfc-2022"),
        verification_method=options.pop("verification_method", method_of(pair)),
        created=options.pop("created", "2025-03-01T09:00:00Z"),
        **options,
    )


def signed(pair: Ed25519KeyPair | None = None, **extra: Any) -> dict[str, Any]:
    pair = pair or key()
    return sign(unsigned(did_of(pair), **extra), pair)


def status_entry(index: int, purpose: str = "revocation", url: str = LIST_URL) -> dict[str, Any]:
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def status_list(
    pair: Ed25519KeyPair,
    *,
    revoked: tuple[int, ...] = (),
    purpose: str = "revocation",
    url: str = LIST_URL,
) -> dict[str, Any]:
    bits = StatusList()
    for index in revoked:
        bits.set(index, 1)
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did_of(pair),
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
        },
    }
    return sign(document, pair)


def fetcher_for(*documents: dict[str, Any]) -> MapFetcher:
    return MapFetcher({d["id"]: json.dumps(d).encode() for d in documents})
