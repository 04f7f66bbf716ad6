"""The verifier's fetcher, served by the application under test (no network)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from badges.fetch import FetchResult

__all__ = ["AppFetcher"]


class AppFetcher:
    """Serves what the app publishes (status lists, DID and key documents) to the verifier: a URL
    under the test client's base URL is fetched from the app itself."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        base = str(self.client.base_url).rstrip("/")
        response = self.client.get(url.removeprefix(base).split("#", 1)[0])
        return FetchResult(
            response.status_code, response.headers.get("content-type", ""), response.content, url
        )
