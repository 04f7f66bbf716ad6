"""Structure plans: the structure walk and the input limits of a badge shape, compiled once.

An issuer signs thousands of badges of one shape: the same members, the same nesting, only the
values differ. ``badges.structure`` walks every badge along its class tables, and
``verifier.inputs`` walks it again to measure its nesting depth and blank nodes. For a shape seen
before, a *plan* does both in one straight-line function generated from a badge of that shape
that the walker found conforming:

* every object must have exactly the member names of that badge, every array the same length,
  every value the same JSON type (so depth and blank-node count are those of that badge);
* every ``type`` must equal that badge's, and every value the walker tests (URIs, URLs, dates,
  language tags, enumerations) passes the walker's pattern, enumeration or fast test, run on this
  badge's value (a value equal to that badge's, which matched, is not matched again);
* the class rules that read values (identity hash, dates order) run on every badge; those that
  read only names and types (``badges.structure.SHAPE_ONLY_RULES``) and the credential type rule
  (``type`` is pinned) are settled once, when the plan is built.

Plans are built only from badges whose ``@context`` check finds nothing too, and pin ``@context``
equal to theirs: the context check reads nothing else but ``type``, pinned as well.

A plan answers "the walker would report nothing, and here are depth and blank nodes" or "no": it
never decides a finding. Any difference sends the badge through the walker, which reports it. No
verdict is cached: values are checked on every badge. Plans are built only for shapes seen more
than once, from member names and types only; no document text ever becomes source code (names and
values are passed to the generated function as constants).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from badges.structure import (
    _COMPILED,
    _PATTERN_CHECKS,
    DATES_ORDER_END_MEMBERS,
    MAX_DEPTH,
    OB_CREDENTIAL_TYPES,
    SHAPE_ONLY_RULES,
    _always,
    _Compiled,
    _credential_type_rule,
    _Slot,
    _validity_rule,
    _Walker,
    check_context,
    check_structure,
    is_legacy,
)
from badges.structure_clr_spec import CLR_CREDENTIAL_TYPE
from badges.structure_spec import Kind

_SCALAR_TYPES = (str, int, float, bool, type(None))
_CLASS = "AchievementCredential"
# Bounds on the work a plan may cost to build, and on how many are kept.
MAX_PLAN_LINES = 800
MAX_PLANS_PER_KEYS = 4
MAX_PLANS = 64
SEEN_BEFORE_COMPILING = 3


class _Bail(Exception):
    """The sample needs the walker's exact rules somewhere: no plan for this shape."""


class _Found(Exception):
    """A class rule would report a problem."""


class _Probe(_Walker):
    """A walker that stops at the first problem; it keeps no state, so one serves everyone."""

    def add(self, code: str, message: str, path: str, **details: Any) -> None:
        raise _Found


_PROBE = _Probe()


def _rule_passes(rule: Callable[[_Walker, dict[str, Any], str], None], obj: dict[str, Any]) -> bool:
    try:
        rule(_PROBE, obj, "")
    except _Found:
        return False
    return True


def _credential_type_passes(obj: dict[str, Any]) -> bool:
    try:
        _credential_type_rule(_PROBE, obj, "", _CLASS)
    except _Found:
        return False
    return True


def _dates_in_order(obj: dict[str, Any]) -> bool:
    try:
        _validity_rule(_PROBE, obj, "", False)
    except _Found:
        return False
    return True


class _Emitter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {
            "_dict": dict,
            "_list": list,
            "_rule_passes": _rule_passes,
            "_dates_in_order": _dates_in_order,
        }
        self._names: dict[int, str] = {}
        self._count = 0

    def constant(self, value: Any) -> str:
        # Identity-keyed so that equal but distinct constants (two lists) stay distinct objects.
        name = self._names.get(id(value))
        if name is None:
            name = f"c{len(self.constants)}"
            self.constants[name] = value
            self._names[id(value)] = name
        return name

    def variable(self, parent: str, key: str | int) -> str:
        self._count += 1
        name = f"v{self._count}"
        index = self.constant(key) if isinstance(key, str) else str(key)
        self.emit(f"{name} = {parent}[{index}]")
        return name

    def child(self, parent: str, key: str | int, sample: Any) -> str:
        """How the generated code reads ``parent[key]``: a scalar is read where it is tested, a
        container is named once (it is read again for each of its members)."""
        if type(sample) in _SCALAR_TYPES:
            index = self.constant(key) if isinstance(key, str) else str(key)
            return f"{parent}[{index}]"
        return self.variable(parent, key)

    def emit(self, line: str) -> None:
        if len(self.lines) >= MAX_PLAN_LINES:
            raise _Bail
        self.lines.append("    " + line)

    def guard(self, condition: str) -> None:
        self.emit(f"if not ({condition}): return False")

    # -- the shape alone (members the walker does not read, and values it accepted) ----------

    def shape(self, var: str, sample: Any) -> None:
        kind = type(sample)
        if kind is dict:
            keys = self.constant(frozenset(sample))
            self.guard(f"type({var}) is _dict and {var}.keys() == {keys}")
            for key, value in sample.items():
                if not isinstance(key, str):
                    raise _Bail
                self.shape(self.child(var, key, value), value)
        elif kind is list:
            self.guard(f"type({var}) is _list and len({var}) == {len(sample)}")
            for index, item in enumerate(sample):
                self.shape(self.child(var, index, item), item)
        elif kind in _SCALAR_TYPES:
            self.guard(f"type({var}) is {self.constant(kind)}")
        else:
            raise _Bail

    def accepted(self, var: str, slot: _Slot, sample: Any) -> None:
        """A value the walker settles with the slot's fast test: same shape, test passes."""
        if not slot.ok(sample):
            raise _Bail
        self.shape(var, sample)
        kind = slot.member.kind
        if type(sample) is str and kind is not None:
            # Exact str, pinned by the shape: the walker's exact rule (``_Walker.scalar``) reports
            # nothing for a string that matches its kind's pattern or lies in its enumeration;
            # test that inline, and fall back to the walker's own fast test for the rest.
            pattern = _PATTERN_CHECKS.get(Kind.URI if kind is Kind.PROFILE_REF else kind)
            if pattern is not None:
                match = pattern[0].match
                if match(sample) is None:
                    raise _Bail
                # The badges of one issuer repeat most of these values (issuer, achievement,
                # alignments, status list, key, dates): equal to this badge's, a value that
                # matched here matches again; any other is matched on the spot.
                same = self.constant(sample)
                self.guard(f"{var} == {same} or {self.constant(match)}({var}) is not None")
                return
            if kind is Kind.STRING:
                if slot.member.enum:
                    allowed = self.constant(frozenset(slot.member.enum))
                    self.guard(f"{var} in {allowed} or {self.constant(slot.ok)}({var})")
                return
        if slot.ok is not _always:
            self.guard(f"{self.constant(slot.ok)}({var})")

    # -- the walker's decisions, mirrored (badges.structure._Walker.object / value) ----------

    def object(self, var: str, compiled: _Compiled, sample: dict[str, Any], depth: int) -> None:
        if depth > MAX_DEPTH or not all(isinstance(k, str) for k in sample):
            raise _Bail
        keys = self.constant(frozenset(sample))
        self.guard(f"type({var}) is _dict and {var}.keys() == {keys}")
        if compiled.credential and (depth > 0 or is_legacy(sample)):
            # Embedded credentials and VC 1.1 badges take the walker. The root badge is then not
            # legacy on every badge of the plan: is_legacy reads only @context, which
            # compile_plan pins to this badge's.
            raise _Bail
        if not compiled.required <= sample.keys():
            raise _Bail
        if "type" in sample:
            value = sample["type"]
            if type(value) not in (str, list):
                raise _Bail
            if not compiled.type_ok(value):
                # The exact rule settles it; it reads only this value, pinned equal below.
                walker = _Walker()
                walker.type_member(compiled.spec, sample, "")
                if walker.problems:
                    raise _Bail
            # A copy: the caller owns the sample and may change it after verification.
            found = self.constant(copy.deepcopy(value))
            self.guard(f"{var}[{self.constant('type')}] == {found}")
        spec = compiled.spec
        slots = compiled.slots
        for name, value in sample.items():
            slot = slots.get(name)
            member = self.child(var, name, value)
            if slot is None:
                if spec.closed and name != "type":
                    raise _Bail
                self.shape(member, value)
                continue
            if slot.plain and type(value) is str:
                self.guard(f"type({member}) is str")
                continue
            if slot.child is None and slot.ok(value):
                self.accepted(member, slot, value)
                continue
            if slot.member.many and type(value) is list:
                self.guard(f"type({member}) is _list and len({member}) == {len(value)}")
                for index, item in enumerate(value):
                    element = self.child(member, index, item)
                    if slot.child is not None or not slot.ok(item):
                        self.value(element, slot, item, depth)
                    else:
                        self.accepted(element, slot, item)
            else:
                self.value(member, slot, value, depth)
        rule = compiled.rule
        if rule is not None:
            if rule in SHAPE_ONLY_RULES:
                if not _rule_passes(rule, sample):  # same shape, same answer: settled here
                    raise _Bail
            else:
                self.guard(f"_rule_passes({self.constant(rule)}, {var})")
        if compiled.credential:
            # The credential type rule reads only ``type``, pinned equal to this badge's above.
            if not _credential_type_passes(sample):
                raise _Bail
            if DATES_ORDER_END_MEMBERS & sample.keys():  # the names are pinned
                self.guard(f"_dates_in_order({var})")

    def value(self, var: str, slot: _Slot, sample: Any, depth: int) -> None:
        child = slot.child
        if child is not None and type(sample) is dict:
            self.object(var, _COMPILED[child], sample, depth + 1)
        elif slot.member.cls is not None:
            raise _Bail
        else:
            self.accepted(var, slot, sample)


Plan = Callable[[Any], bool]


def compile_plan(sample: dict[str, Any]) -> Plan | None:
    """A plan for ``sample``'s shape, or ``None`` when the walker must see such badges."""
    types = sample.get("type")
    type_list = types if isinstance(types, list) else [types]
    if (
        "EndorsementCredential" in type_list
        or CLR_CREDENTIAL_TYPE in type_list
        or not any(t in type_list for t in OB_CREDENTIAL_TYPES)
        or check_structure(sample)
        or check_context(sample)
    ):
        return None
    emitter = _Emitter()
    # The context check reads only @context and type: pinned equal to this badge's (a copy, the
    # caller owns the sample), their shapes pinned below, it finds nothing on a badge that passes.
    context = emitter.constant(copy.deepcopy(sample["@context"]))
    emitter.guard(f"type(v0) is _dict and v0.get({emitter.constant('@context')}) == {context}")
    try:
        emitter.object("v0", _COMPILED[_CLASS], sample, 0)
    except _Bail:
        return None
    source = "def plan(v0):\n" + "\n".join(emitter.lines) + "\n    return True\n"
    namespace = dict(emitter.constants)
    exec(compile(source, "<structure plan>", "exec"), namespace)  # noqa: S102 - no document text
    plan: Plan = namespace["plan"]
    return plan


class StructurePlans:
    """Plans by top-level member names, each with the depth and blank nodes of its shape."""

    def __init__(self) -> None:
        self._plans: dict[tuple[str, ...], list[tuple[Plan, int, int]]] = {}
        self._seen: dict[tuple[str, ...], int] = {}
        self._count = 0
        self._lock = threading.Lock()

    def match(self, document: dict[str, Any]) -> tuple[int, int] | None:
        """``(depth, blank nodes)`` when a plan clears ``document``; ``None`` otherwise."""
        candidates = self._plans.get(tuple(document))
        if candidates:
            for plan, depth, blank in candidates:
                try:
                    cleared = plan(document)
                except Exception:  # an odd object in a dict given by a caller: let the walker see
                    cleared = False
                if cleared:
                    return depth, blank
        return None

    def learn(self, document: dict[str, Any], depth: int, blank: int) -> None:
        """Count a badge no plan cleared; build a plan when its shape comes back."""
        keys = tuple(document)
        with self._lock:
            seen = self._seen.get(keys, 0) + 1
            if seen < SEEN_BEFORE_COMPILING or len(self._plans.get(keys, ())) >= MAX_PLANS_PER_KEYS:
                if len(self._seen) >= MAX_PLANS * 4:
                    self._seen.clear()
                self._seen[keys] = seen
                return
            self._seen.pop(keys, None)
        plan = compile_plan(document)
        if plan is None:
            return
        with self._lock:
            if self._count >= MAX_PLANS:
                self._plans.clear()
                self._count = 0
            self._plans.setdefault(keys, []).append((plan, depth, blank))
            self._count += 1

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()
            self._seen.clear()
            self._count = 0


PLANS = StructurePlans()
