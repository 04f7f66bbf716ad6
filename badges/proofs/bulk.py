"""Sign many credentials on every core: a pool of worker processes for bulk issuance.

Data Integrity signing is CPU-bound Python (canonicalization), and the GIL keeps threads on one
core, so bulk issuance needs processes (research/perf.md, "Capacity on one core"). Each worker
rebuilds the key once from its seed (sent to it over the pool's pipe, never written anywhere)
and keeps its own memo of processed contexts warm across documents, so per-document cost stays
the fast path's. Every document gets an outcome — a signed document or the error code and
message — so one bad credential never aborts a batch; outcomes come back in input order.

Workers start with ``forkserver`` where available (a clean process even when the caller has
threads, e.g. the web server), else ``spawn``. Small batches, or ``processes=1``, are signed in
the calling process: starting workers would cost more than it saves.

Workers exit when the caller dies, even by SIGKILL: otherwise they would wait forever on a
queue they themselves hold open, keep the caller's stdout/stderr open (a supervisor reading
them hangs) and keep the forkserver alive with them. Under ``forkserver`` the caller is not
their parent, so besides ``PR_SET_PDEATHSIG`` (Linux, for a dead parent) a daemon thread
watches the caller's pid (see :func:`_watch_caller`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from badges.keys import Ed25519KeyPair
from badges.problems import BadgeError

__all__ = ["BulkOutcome", "BulkSigner", "sign_many"]

# Below this many documents per extra worker, one process is faster than a pool.
MIN_DOCUMENTS_PER_WORKER = 8
# How often a worker checks that the process that started the pool is still there.
CALLER_POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """One document's result: ``signed`` or (``error_code``, ``error_message``)."""

    signed: dict[str, Any] | None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.signed is not None


@dataclass(frozen=True, slots=True)
class _Job:
    seed: bytes
    options: dict[str, Any]
    caller_pid: int


_WORKER_JOB: list[_Job] = []
_WORKER_KEY: list[Ed25519KeyPair] = []


def _init_worker(job: _Job) -> None:
    _die_with_parent()
    threading.Thread(
        target=_watch_caller,
        args=(job.caller_pid, os.getppid()),
        name="atouts-watch-caller",
        daemon=True,
    ).start()
    _WORKER_JOB[:] = [job]
    _WORKER_KEY[:] = [Ed25519KeyPair.from_seed(job.seed)]


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGTERM when the parent (caller or forkserver) dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # the watching thread still covers it


def _watch_caller(caller_pid: int, parent_pid: int) -> None:
    """Exit once the caller is gone or the parent changed (it died and we were re-parented).

    Under ``forkserver`` the parent is the forkserver, which outlives a killed caller as long
    as workers hold its pipe, so the caller's own pid is watched too."""
    while os.getppid() == parent_pid and _running(caller_pid):
        time.sleep(CALLER_POLL_SECONDS)
    os._exit(1)


def _running(pid: int) -> bool:
    """Whether ``pid`` is alive; a zombie (killed, not yet reaped by its own parent) is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except FileNotFoundError:
        return not os.path.isdir("/proc/self")  # without /proc, os.kill's answer stands
    except OSError:
        return True
    state = stat[stat.rfind(b")") + 2 :][:1]  # the field after "(command name)"
    return state not in (b"Z", b"X")


def _sign_one(
    document: dict[str, Any], key: Ed25519KeyPair, options: dict[str, Any]
) -> BulkOutcome:
    # Imported here so that this module stays importable where proofs are not needed.
    from badges.proofs.data_integrity import create_proof

    try:
        return BulkOutcome(create_proof(document, key, **options))
    except BadgeError as error:
        return BulkOutcome(None, error.code, str(error))
    except Exception as error:  # one odd document must not sink the batch
        return BulkOutcome(None, "signing_failed", f"{type(error).__name__}: {error}")


def _worker_sign(documents: list[dict[str, Any]]) -> list[BulkOutcome]:
    job, key = _WORKER_JOB[0], _WORKER_KEY[0]
    return [_sign_one(document, key, job.options) for document in documents]


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class BulkSigner:
    """A pool of signing processes for one key and one set of proof options (reusable).

    ``options`` are the keyword arguments of ``create_proof`` (``verification_method``,
    ``cryptosuite``, ``created``, ``proof_purpose``, ``proof_options``…); a document loader
    cannot cross processes, so workers use the default offline loader.
    """

    def __init__(
        self, key: Ed25519KeyPair, *, processes: int | None = None, **options: Any
    ) -> None:
        if "loader" in options:
            raise ValueError("bulk signing uses the default offline loader in each worker")
        self._key = key
        self._options = options
        self.processes = max(1, processes if processes is not None else (os.cpu_count() or 1))
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=_context(),
                initializer=_init_worker,
                initargs=(_Job(self._key.seed, self._options, os.getpid()),),
            )
        return self._pool

    def sign_all(self, documents: Iterable[dict[str, Any]]) -> list[BulkOutcome]:
        """Sign every document; outcomes in input order."""
        batch = list(documents)
        if self.processes == 1 or len(batch) < 2 * MIN_DOCUMENTS_PER_WORKER:
            return [_sign_one(document, self._key, self._options) for document in batch]
        chunks = _chunks(batch, self.processes)
        outcomes: list[BulkOutcome] = []
        for part in self._executor().map(_worker_sign, chunks):
            outcomes.extend(part)
        return outcomes

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> BulkSigner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _chunks(batch: Sequence[dict[str, Any]], processes: int) -> list[list[dict[str, Any]]]:
    """About four chunks per worker: even load without paying a round trip per document."""
    size = max(MIN_DOCUMENTS_PER_WORKER, -(-len(batch) // (processes * 4)))
    return [list(batch[i : i + size]) for i in range(0, len(batch), size)]


def sign_many(
    documents: Iterable[dict[str, Any]],
    key: Ed25519KeyPair,
    *,
    processes: int | None = None,
    **options: Any,
) -> list[BulkOutcome]:
    """Sign a batch with a temporary :class:`BulkSigner` (see there for ``options``)."""
    with BulkSigner(key, processes=processes, **options) as signer:
        return signer.sign_all(documents)
