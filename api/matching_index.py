"""One matching index per application, kept up to date instead of rebuilt per request (issue 7,
« Both directions, at scale »).

:class:`MatchingIndex` lives on ``app.state.matching_index`` (built on first use) and holds one
:class:`matching.ranking.Matcher` over the skills graph, with every opted-in holder and every
open job indexed. Each request first brings it up to date, cheaply:

* **referentials** — the bundled ones plus those stored under ``$ATOUTS_HOME/referentials``;
  the fingerprint is the list of stored files with their size and modification time (one
  directory listing: importing, publishing or retiring a referential rewrites its file). When it
  changes, the graph, the credit tables and the whole index are rebuilt;
* **holders** — ``store.holders_fingerprint`` (one aggregate query) says whether anything
  changed; only then ``store.holder_versions`` says which wallets, and only those are reloaded
  (``add_holder`` replaces, ``remove_holder`` withdraws). Levels are read from the stored
  credentials (``store.opted_in_holders(tables=…)``);
* **jobs** — likewise with ``store.jobs_fingerprint`` / ``store.job_versions``: an offer added,
  replaced, closed or removed is added to or removed from the index alone.

Removed holders leave empty slots in the postings; when they outnumber the live holders, the
holders are re-indexed from scratch. A lock serialises updates and ranking (the routes are
synchronous and run on a thread pool).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import Request

from api.database import engine_of
from matching import store
from matching.holders import resolved
from matching.ranking import Matcher
from matching.resolve import NodeResolver
from referentials.graph import SkillsGraph
from storage.engine import session_scope

__all__ = ["MatchingIndex", "index_of", "matcher_of", "referentials_fingerprint", "synced"]


def referentials_fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Which referential files are stored, with size and modification time (no parsing)."""
    if not root.is_dir():
        return ()
    found = []
    for path in root.glob("*/*.yaml"):
        if path.name.startswith("."):
            continue
        stat = path.stat()
        found.append((str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


def _build_graph(home: Path, base_url: str) -> SkillsGraph:
    from referentials.bundled import load_bundled
    from referentials.graph import build_graph
    from referentials.store import FilesystemReferentialStore

    loaded = {r.key: r for r in load_bundled()}
    root = home / "referentials"
    if root.is_dir():
        stored = FilesystemReferentialStore(root)
        for entry in stored.list():
            ref = stored.get(entry.slug, entry.version)
            loaded[ref.key] = ref
    return build_graph(loaded.values(), base_url)


class MatchingIndex:
    """The application's matcher, its data versions, and the lock that guards them."""

    def __init__(self, home: Path, base_url: str) -> None:
        self.home = home
        self.base_url = base_url
        self.lock = threading.RLock()
        self.matcher: Matcher | None = None
        self.graph_builds = 0  # how many times the graph was built (tests, diagnostics)
        self.holder_loads = 0  # how many holders were (re)loaded from the database
        self.job_loads = 0
        self._referentials: tuple[Any, ...] | None = None
        self._holders_fp: tuple[Any, ...] | None = None
        self._jobs_fp: tuple[Any, ...] | None = None
        self._holder_versions: dict[str, tuple[Any, ...]] = {}
        self._job_versions: dict[str, tuple[Any, ...]] = {}

    # ------------------------------------------------------------------ graph

    def current(self) -> Matcher:
        """The matcher over the current referentials (rebuilt when they changed)."""
        with self.lock:
            fingerprint = referentials_fingerprint(self.home / "referentials")
            if self.matcher is None or fingerprint != self._referentials:
                graph = _build_graph(self.home, self.base_url)
                self.matcher = Matcher(graph)
                self.graph_builds += 1
                self._referentials = fingerprint
                self._reset_data()
            return self.matcher

    def _reset_data(self) -> None:
        self._holders_fp = self._jobs_fp = None
        self._holder_versions = {}
        self._job_versions = {}

    # ------------------------------------------------------------------ data

    def sync(self, session: Any, *, holders: bool = True, jobs: bool = True) -> Matcher:
        """Bring the index up to date with the database (call inside :attr:`lock`)."""
        matcher = self.current()
        if holders:
            matcher = self._sync_holders(session, matcher)
        if jobs:
            self._sync_jobs(session, matcher)
        return matcher

    def _sync_holders(self, session: Any, matcher: Matcher) -> Matcher:
        fingerprint = store.holders_fingerprint(session)
        if fingerprint == self._holders_fp:
            return matcher
        versions = store.holder_versions(session)
        if matcher.stale_slots > max(1000, matcher.holder_count):
            matcher = self._rebuild_holders(matcher)
            self._holder_versions = {}
        old = self._holder_versions
        for wallet_id in old.keys() - versions.keys():
            matcher.remove_holder(wallet_id)  # withdrawn: found nowhere any more
        changed = [w for w, v in versions.items() if old.get(w) != v]
        if changed:
            resolver = NodeResolver(matcher.graph)
            loaded = store.opted_in_holders(session, tables=matcher.tables, wallet_ids=changed)
            for holder in loaded:
                matcher.add_holder(resolved(holder, resolver))
            self.holder_loads += len(loaded)
        self._holder_versions = versions
        self._holders_fp = fingerprint
        return matcher

    def _rebuild_holders(self, matcher: Matcher) -> Matcher:
        """A fresh matcher sharing the graph and credit tables, with the same jobs."""
        fresh = Matcher(matcher.graph, matcher.params)
        fresh.tables = matcher.tables
        for compiled in matcher.jobs.values():
            fresh.add_job(compiled.job)
        self.matcher = fresh
        return fresh

    def _sync_jobs(self, session: Any, matcher: Matcher) -> None:
        fingerprint = store.jobs_fingerprint(session)
        if fingerprint == self._jobs_fp:
            return
        versions = {
            job_id: version
            for job_id, version in store.job_versions(session).items()
            if version[0] == "open"
        }
        old = self._job_versions
        for job_id in old.keys() - versions.keys():
            matcher.remove_job(job_id)  # closed, drafted again or removed
        for job_id, version in versions.items():
            if old.get(job_id) != version:
                job = store.get_job(session, job_id)
                if job is not None:
                    matcher.add_job(job)
                    self.job_loads += 1
        self._job_versions = versions
        self._jobs_fp = fingerprint


def index_of(request: Request) -> MatchingIndex:
    """The application's index (created on first use)."""
    state = request.app.state
    index = getattr(state, "matching_index", None)
    if index is None:
        settings = state.settings
        index = state.matching_index = MatchingIndex(settings.home, settings.base_url)
    return index  # type: ignore[no-any-return]


def matcher_of(request: Request) -> Matcher:
    """The matcher over the application's current referentials (no database read)."""
    index = index_of(request)
    before = index.matcher
    matcher = index.current()
    if matcher is not before:
        request.app.state.label_index = None  # the word index follows the graph
    return matcher


@contextmanager
def synced(request: Request, *, holders: bool = True, jobs: bool = True) -> Iterator[Matcher]:
    """The up-to-date matcher, held under the index lock for the duration of the block."""
    index = index_of(request)
    with index.lock:
        matcher_of(request)
        with session_scope(engine_of(request), write=False) as session:
            matcher = index.sync(session, holders=holders, jobs=jobs)
        yield matcher
