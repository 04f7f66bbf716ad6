"""Runs the JavaScript interop harness (``js/interop.mjs``) from Python tests.

``ensure_js()`` installs the pinned npm packages on demand (``npm ci``, once per checkout, guarded
by a file lock so pytest-xdist workers do not race) and returns a callable
``run(command, payload) -> dict``. Commands: ``sign`` (``{"credential", "seed": hex32, "created"}``
→ ``{"signed", "verificationMethod"}``, did:key of the seed), ``verify`` (``{"credential", "now"?}``
→ ``{"verified", "errors"}``, @digitalbazaar/vc rules: issuer must be the key's controller) and
``verify-proof`` (proof only); ``sign`` also takes ``"cryptosuite"`` (eddsa-rdfc-2022 by
default, or eddsa-jcs-2022) and ``verify-jwt`` (``{"jwt", "documents"}``) checks a VC-JWT with
``jose``. ``extraContexts`` ({url: document}) adds contexts no npm package
ships. When node or npm is missing the calling test is skipped with the reason.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from issuer.context import IssuerContext
from issuer.orgs import did_document

JS_DIR = Path(__file__).resolve().parent / "js"
JsRunner = Callable[[str, dict[str, Any]], dict[str, Any]]


def _install(js_dir: Path) -> None:
    marker = js_dir / "node_modules" / ".package-lock.json"
    lock = js_dir / "package-lock.json"
    with (js_dir / ".install.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
            return
        completed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=js_dir,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(f"npm ci failed in {js_dir}:\n{completed.stdout}\n{completed.stderr}")


def ensure_js() -> JsRunner:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: the JavaScript interop cannot run")
    _install(JS_DIR)

    def run(command: str, payload: dict[str, Any]) -> dict[str, Any]:
        completed = subprocess.run(
            ["node", "interop.mjs", command],
            cwd=JS_DIR,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.stdout, completed.stderr
        result: dict[str, Any] = json.loads(completed.stdout)
        assert "error" not in result, result["error"]
        return result

    return run


def published_documents(ctx: IssuerContext, slug: str) -> dict[str, Any]:
    """The issuer's DID document and each of its methods, for the JS stack's offline loader."""
    document = did_document(ctx, slug)
    documents: dict[str, Any] = {document["id"]: document}
    for method in document["verificationMethod"]:
        documents[method["id"]] = {"@context": "https://w3id.org/security/multikey/v1", **method}
    return documents
