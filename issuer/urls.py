"""Public URLs of what an issuer publishes, and the issuer identifiers (ADR 0003).

Everything public hangs under the deployment base URL (``ATOUTS_BASE_URL``):

- issuer profile (OB 3.0 ``Profile``): ``{base}/issuers/{slug}``;
- did:web document: ``{base}/issuers/{slug}/did.json`` for ``did:web:{host}:issuers:{slug}``
  (did:web §3.2 maps the DID to exactly that URL);
- achievement: ``{base}/achievements/{id}`` and its default image ``.../image.svg``;
- credential: ``{base}/credentials/{id}`` (also its ``id``), verification page
  ``{base}/verifier?url=<credential URL>``;
- status list: ``{base}/status/{list id}`` (stable: the URL is stored with the list);
- claim link: ``{base}/reclamer/{code}``.

Identifier mode (ADR 0003): ``did:web`` when the base URL is https on a domain name (the
default for any deployment); ``did:key`` for a purely local demo (http, localhost or an IP
address), where did:web cannot resolve.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from urllib.parse import quote, urlsplit

__all__ = ["IdentifierMode", "IssuerUrls", "default_mode"]


class IdentifierMode(StrEnum):
    DID_WEB = "did:web"
    DID_KEY = "did:key"


def default_mode(base_url: str) -> IdentifierMode:
    """did:web for an https base URL on a domain name, else did:key (local demo)."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme != "https" or host in ("localhost", ""):
        return IdentifierMode.DID_KEY
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return IdentifierMode.DID_WEB
    return IdentifierMode.DID_KEY


# Characters urllib.parse.quote leaves as they are whatever ``safe`` says.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


@lru_cache(maxsize=64)
def _quote_prefix(text: str) -> str:
    return quote(text, safe="")


@dataclass(frozen=True, slots=True)
class IssuerUrls:
    base: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", self.base.rstrip("/"))

    def profile(self, slug: str) -> str:
        return f"{self.base}/issuers/{slug}"

    def did_web(self, slug: str) -> str:
        parts = urlsplit(self.base)
        host = quote(parts.netloc, safe="")  # "host:8443" -> "host%3A8443" (did:web §3.1)
        segments = [s for s in parts.path.split("/") if s] + ["issuers", slug]
        return "did:web:" + ":".join([host, *segments])

    def did_document(self, slug: str) -> str:
        return f"{self.profile(slug)}/did.json"

    def achievement(self, achievement_id: str) -> str:
        return f"{self.base}/achievements/{achievement_id}"

    def achievement_image(self, achievement_id: str) -> str:
        return f"{self.achievement(achievement_id)}/image.svg"

    def credential(self, row_id: str) -> str:
        return f"{self.base}/credentials/{row_id}"

    def verification_page(self, credential_url: str) -> str:
        # One per badge message in a bulk batch: the constant prefix is quoted once, and a row id
        # made of characters quote() never escapes is appended as is (same text as quoting all).
        prefix = f"{self.base}/credentials/"
        if credential_url.startswith(prefix):
            rest = credential_url[len(prefix) :]
            if _UNRESERVED.fullmatch(rest):
                return f"{self.base}/verifier?url={_quote_prefix(prefix)}{rest}"
        return f"{self.base}/verifier?url={quote(credential_url, safe='')}"

    def status_list(self, list_id: str) -> str:
        return f"{self.base}/status/{list_id}"

    def claim(self, code: str) -> str:
        return f"{self.base}/reclamer/{code}"

    def endorsement(self, endorsement_id: str) -> str:
        return f"{self.base}/endorsements/{endorsement_id}"

    def row_id_of_credential(self, credential_url: str) -> str | None:
        prefix = f"{self.base}/credentials/"
        if credential_url.startswith(prefix):
            return credential_url[len(prefix) :]
        return None
