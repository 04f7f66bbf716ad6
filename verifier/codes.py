"""The problem codes the verifier itself emits (the primitives in ``badges`` bring their own).

Every value here, and every code literal in ``badges/`` and ``verifier/``, must have a row in
``docs/error-codes.md`` (``tests/architecture/test_error_codes_documented.py`` enforces it).
Codes are flat snake_case and stable once released (DESIGN.md §5).
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    # The input itself, before any check.
    INPUT_TOO_LARGE = "input_too_large"
    INPUT_EMPTY = "input_empty"
    INPUT_UNRECOGNIZED = "input_unrecognized"
    MALFORMED_JSON = "malformed_json"
    JSON_TOO_DEEP = "json_too_deep"
    JSON_DUPLICATE_KEY = "json_duplicate_key"
    NOT_AN_OBJECT = "not_an_object"
    BLANK_NODE_LIMIT_EXCEEDED = "blank_node_limit_exceeded"
    FETCH_UNAVAILABLE = "fetch_unavailable"
    FETCH_HTTP_ERROR = "fetch_http_error"
    # Checks.
    PREREQUISITE_FAILED = "prerequisite_failed"
    INTERNAL_ERROR = "internal_error"
    NOT_A_CREDENTIAL = "not_a_credential"
    OB2_ASSERTION = "ob2_assertion"
    OB2_NOT_VERIFIED = "ob2_not_verified"
    OB2_HOSTED_MISMATCH = "ob2_hosted_mismatch"
    OB2_REVOKED = "ob2_revoked"
    PROOF_INVALID = "proof_invalid"
    MULTIPLE_PROOFS = "multiple_proofs"
    JWT_PAYLOAD_INVALID = "jwt_payload_invalid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    VALIDITY_PERIOD_MALFORMED = "validity_period_malformed"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    STATUS_MESSAGE = "status_message"
    STATUS_TYPE_UNSUPPORTED = "status_type_unsupported"
    STATUS_ENTRY_MALFORMED = "status_entry_malformed"
    STATUS_LIST_UNREACHABLE = "status_list_unreachable"
    STATUS_LIST_INVALID = "status_list_invalid"
    STATUS_LIST_PROOF_INVALID = "status_list_proof_invalid"
    STATUS_LIST_PROOF_UNVERIFIABLE = "status_list_proof_unverifiable"
    STATUS_LIST_EXPIRED = "status_list_expired"
    STATUS_LIST_NOT_YET_VALID = "status_list_not_yet_valid"
    STATUS_PURPOSE_MISMATCH = "status_purpose_mismatch"
    STATUS_LIST_ISSUER_MISMATCH = "status_list_issuer_mismatch"
    ISSUER_MISSING = "issuer_missing"
    ISSUER_NOT_IN_REGISTRY = "issuer_not_in_registry"
    ISSUER_IN_REGISTRY = "issuer_in_registry"
    RECIPIENT_MISMATCH = "recipient_mismatch"
    RECIPIENT_NOT_STATED = "recipient_not_stated"
    RECIPIENT_HASH_UNSUPPORTED = "recipient_hash_unsupported"
    ENDORSEMENT_NOT_VERIFIED = "endorsement_not_verified"
    ENDORSEMENT_INCONCLUSIVE = "endorsement_inconclusive"
    ENDORSEMENT_DEPTH_EXCEEDED = "endorsement_depth_exceeded"
    PRESENTATION_MALFORMED = "presentation_malformed"
    PRESENTATION_PROOF_MISSING = "presentation_proof_missing"
    PRESENTATION_CREDENTIAL_NOT_VERIFIED = "presentation_credential_not_verified"
    PRESENTATION_CREDENTIAL_INCONCLUSIVE = "presentation_credential_inconclusive"
