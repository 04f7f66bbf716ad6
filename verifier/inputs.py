"""Turning whatever was given (dict, text, bytes, image, URL) into something to verify.

Every limit is applied here, before any JSON-LD or cryptographic work (reliability-ux.md V24,
§A3-S4/S10/S11): input size, JSON depth, duplicate keys, blank-node count, image size. Each
exceeded limit has its own code. Nothing here raises: problems are returned.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from badges.problems import BadgeError, Problem
from verifier.checks.structure_plan import PLANS
from verifier.codes import Code
from verifier.options import Limits

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


class InputKind:
    CREDENTIAL = "credential"
    PRESENTATION = "presentation"
    JWT = "vc_jwt"
    OB2_ASSERTION = "ob2_assertion"
    URL = "url"
    PNG = "png"
    SVG = "svg"
    UNKNOWN = "unknown"


@dataclass(slots=True)
class Parsed:
    kind: str
    document: dict[str, Any] | None = None
    text: str | None = None  # a compact JWT or a URL
    image: bytes | None = None
    problems: list[Problem] = field(default_factory=list)
    # A structure plan found the document conforming (verifier.checks.structure_plan).
    structure_cleared: bool = False


def _problem(code: Code, message: str, **details: Any) -> Problem:
    return Problem(code=str(code), message=message, details=dict(details))


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def count_blank_nodes(document: Any) -> int:
    """Objects without ``id``/``@id``: each becomes a blank node when the document is RDF.

    Blank nodes drive the cost of RDF canonicalization (RDF-canon §Dataset Poisoning), so their
    number is bounded before any canonicalization starts.
    """
    return _measure(document)[1]


def _measure(value: Any) -> tuple[int, int]:
    """Nesting depth and blank-node count in one pass, without recursion."""
    deepest = 0
    blank = 0
    if not isinstance(value, dict | list):
        return 0, 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if depth > deepest:
            deepest = depth
        if isinstance(node, dict):
            if "id" not in node and "@id" not in node and "@value" not in node:
                blank += 1
            children = node.values()
        else:
            children = node
        below = depth + 1
        for child in children:
            kind = type(child)
            # Most members are strings: skip them before the slower isinstance test.
            if kind is not str and (kind is dict or kind is list or isinstance(child, dict | list)):
                push((child, below))
    return deepest, blank


def check_document_limits(document: Any, limits: Limits) -> list[Problem]:
    return _limit_problems(*_measure(document), limits)


def _limit_problems(depth: int, blank: int, limits: Limits) -> list[Problem]:
    problems: list[Problem] = []
    if depth > limits.max_json_depth:
        problems.append(
            _problem(
                Code.JSON_TOO_DEEP,
                f"JSON nesting depth {depth} exceeds {limits.max_json_depth}",
                depth=depth,
                limit=limits.max_json_depth,
            )
        )
        return problems
    if blank > limits.max_blank_nodes:
        problems.append(
            _problem(
                Code.BLANK_NODE_LIMIT_EXCEEDED,
                f"{blank} blank nodes exceed the limit of {limits.max_blank_nodes}",
                blank_nodes=blank,
                limit=limits.max_blank_nodes,
            )
        )
    return problems


def parse_json_text(text: str, limits: Limits) -> tuple[Any, list[Problem]]:
    value, problems = _load_json(text)
    if problems:
        return None, problems
    return value, check_document_limits(value, limits)


def _load_json(text: str) -> tuple[Any, list[Problem]]:
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKeyError as exc:
        return None, [_problem(Code.JSON_DUPLICATE_KEY, f"duplicate key {exc}", key=str(exc))]
    except RecursionError:
        return None, [_problem(Code.JSON_TOO_DEEP, "JSON nesting too deep to parse")]
    except ValueError as exc:
        return None, [_problem(Code.MALFORMED_JSON, f"not valid JSON: {exc}")]
    return value, []


def classify_document(document: Any) -> Parsed:
    if not isinstance(document, dict):
        return Parsed(
            InputKind.UNKNOWN,
            problems=[_problem(Code.NOT_AN_OBJECT, "a JSON object was expected")],
        )
    types = document["type"] if "type" in document else document.get("@type")
    type_list = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" in type_list:
        return Parsed(InputKind.PRESENTATION, document=document)
    if "Assertion" in type_list or _is_ob2_context(document.get("@context")):
        return Parsed(InputKind.OB2_ASSERTION, document=document)
    return Parsed(InputKind.CREDENTIAL, document=document)


def _is_ob2_context(context: Any) -> bool:
    contexts = context if isinstance(context, list) else [context]
    # A loop, not any() over a generator: this runs for every document verified.
    for item in contexts:  # noqa: SIM110
        if isinstance(item, str) and "openbadges/v2" in item:
            return True
    return False


def _planned_limits(document: dict[str, Any], limits: Limits) -> tuple[list[Problem], bool]:
    """The limit problems of ``document``, and whether a structure plan already cleared it.

    A badge of a shape seen before is measured and checked for structure by its plan
    (``verifier.checks.structure_plan``) in one pass; any other is measured here and counted
    towards a plan for its shape.
    """
    planned = PLANS.match(document)
    if planned is not None:
        depth, blank = planned
        if depth <= limits.max_json_depth and blank <= limits.max_blank_nodes:
            return [], True
        return _limit_problems(depth, blank, limits), True
    depth, blank = _measure(document)
    problems = _limit_problems(depth, blank, limits)
    if not problems:
        PLANS.learn(document, depth, blank)
    return problems, False


def parse_input(value: Any, limits: Limits) -> Parsed:
    """Classify ``value`` (dict, str, bytes) without fetching anything."""
    if isinstance(value, dict):
        problems, cleared = _planned_limits(value, limits)
        if problems:
            return Parsed(InputKind.UNKNOWN, problems=problems)
        parsed = classify_document(value)
        parsed.structure_cleared = cleared
        return parsed
    if isinstance(value, str):
        data = value.encode("utf-8", errors="surrogatepass")
    elif isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
    else:
        return Parsed(
            InputKind.UNKNOWN,
            problems=[_problem(Code.INPUT_UNRECOGNIZED, f"cannot verify a {type(value).__name__}")],
        )
    if len(data) > max(limits.max_input_bytes, limits.max_image_bytes):
        return Parsed(InputKind.UNKNOWN, problems=[_too_large(len(data), limits)])
    if data.startswith(PNG_SIGNATURE):
        if len(data) > limits.max_image_bytes:
            return Parsed(InputKind.UNKNOWN, problems=[_image_too_large(len(data), limits)])
        return Parsed(InputKind.PNG, image=data)
    stripped = data.strip().lstrip(b"\xef\xbb\xbf").strip()
    if not stripped:
        return Parsed(InputKind.UNKNOWN, problems=[_problem(Code.INPUT_EMPTY, "empty input")])
    if stripped[:1] == b"<":
        if len(data) > limits.max_image_bytes:
            return Parsed(InputKind.UNKNOWN, problems=[_image_too_large(len(data), limits)])
        return Parsed(InputKind.SVG, image=data)
    if len(data) > limits.max_input_bytes:
        return Parsed(InputKind.UNKNOWN, problems=[_too_large(len(data), limits)])
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError:
        return Parsed(
            InputKind.UNKNOWN,
            problems=[_problem(Code.INPUT_UNRECOGNIZED, "neither UTF-8 text nor an image")],
        )
    if text[:1] in "{[":
        document, problems = _load_json(text)
        cleared = False
        if not problems:
            if isinstance(document, dict):
                problems, cleared = _planned_limits(document, limits)
            else:
                problems = check_document_limits(document, limits)
        if problems:
            return Parsed(InputKind.UNKNOWN, problems=problems)
        parsed = classify_document(document)
        parsed.structure_cleared = cleared
        return parsed
    if _JWT.match(text):
        return Parsed(InputKind.JWT, text=text)
    if text.startswith(("https://", "http://")) and not any(c.isspace() for c in text):
        return Parsed(InputKind.URL, text=text)
    return Parsed(
        InputKind.UNKNOWN,
        problems=[_problem(Code.INPUT_UNRECOGNIZED, "not JSON, a JWT, an image or a link")],
    )


def _too_large(size: int, limits: Limits) -> Problem:
    return _problem(
        Code.INPUT_TOO_LARGE,
        f"input of {size} bytes exceeds {limits.max_input_bytes}",
        size=size,
        limit=limits.max_input_bytes,
    )


def _image_too_large(size: int, limits: Limits) -> Problem:
    return Problem(
        code="image_too_large",
        message=f"image of {size} bytes exceeds {limits.max_image_bytes}",
        details={"size": size, "limit": limits.max_image_bytes},
    )


def error_problem(exc: BaseException) -> Problem:
    """A problem for an exception raised by a primitive (its code when it has one)."""
    if isinstance(exc, BadgeError):
        return exc.to_problem()
    return Problem(
        code=str(Code.INTERNAL_ERROR),
        message=f"{type(exc).__name__}: {exc}",
    )
