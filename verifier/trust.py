"""A registry of known issuers (the ``issuer_trust`` check).

The OB 3.0 implementation guide (Key provenance; Displayer) says that without a trusted issuer
list a displayer should mark issuer data as declared, not verified. An issuer absent from the
registry is therefore a *warning*, never a failure of the badge itself (``verifier.policy``).

File format (YAML or JSON), one entry per issuer id (a DID or an https URL)::

    issuers:
      - id: did:web:formation.example
        name: Centre de formation exemple
        url: https://formation.example

A bare list of entries, or of id strings, is accepted too. The registry is read by the caller
(CLI, API) and passed to ``verify`` through ``VerifyOptions``; it never reads files by itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from badges.problems import BadgeError


class TrustRegistryError(BadgeError):
    code = "trust_registry_invalid"


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    id: str
    name: str = ""
    url: str = ""
    source: str = ""


class TrustRegistry:
    """Known issuers by id. Build it from a file, from data, or from this instance's issuers."""

    def __init__(self, issuers: Iterable[TrustedIssuer] = (), *, name: str = "local") -> None:
        self.name = name
        self._issuers: dict[str, TrustedIssuer] = {i.id: i for i in issuers}

    def __len__(self) -> int:
        return len(self._issuers)

    def __contains__(self, issuer_id: object) -> bool:
        return isinstance(issuer_id, str) and issuer_id in self._issuers

    def lookup(self, issuer_id: str | None) -> TrustedIssuer | None:
        if not issuer_id:
            return None
        return self._issuers.get(issuer_id)

    def merged(self, other: TrustRegistry) -> TrustRegistry:
        return TrustRegistry([*self._issuers.values(), *other._issuers.values()], name=self.name)

    @classmethod
    def from_data(cls, data: Any, *, source: str = "") -> TrustRegistry:
        entries: Any = data.get("issuers", []) if isinstance(data, Mapping) else data
        if not isinstance(entries, list):
            raise TrustRegistryError("le registre doit contenir une liste « issuers »")
        issuers: list[TrustedIssuer] = []
        for index, entry in enumerate(entries):
            if isinstance(entry, str):
                issuers.append(TrustedIssuer(id=entry, source=source))
            elif isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
                issuers.append(
                    TrustedIssuer(
                        id=str(entry["id"]),
                        name=str(entry.get("name", "")),
                        url=str(entry.get("url", "")),
                        source=source,
                    )
                )
            else:
                raise TrustRegistryError(
                    f"entrée {index} du registre : un identifiant « id » est requis",
                    path=f"/issuers/{index}",
                )
        name = data.get("name", source) if isinstance(data, Mapping) else source
        return cls(issuers, name=str(name or "local"))

    @classmethod
    def from_file(cls, path: Path) -> TrustRegistry:
        text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise TrustRegistryError(f"registre illisible : {path.name} ({exc})") from exc
        return cls.from_data(data, source=path.name)
