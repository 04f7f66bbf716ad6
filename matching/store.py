"""The thin adapter between matching and the database (``storage.tables.jobs`` / ``wallets``).

Everything here reads or writes rows; scoring stays in the pure modules. Tables used:

* ``jobs`` + ``job_requirements`` ↔ :class:`~matching.model.Job` (the authored document is kept
  in ``jobs.source``);
* ``matching_optins``: the wallets whose holders agreed to be found, with what they agreed to
  show (``disclosure``); withdrawing deletes the row;
* ``wallet_competences``: the inverted index node → wallets of the competences **verified**
  badges assert (``wallet_item_id`` is the evidence), filled by :func:`record_holdings`.

The caller owns the transaction (``storage.engine.session_scope``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from matching.credit import CreditTables
from matching.evidence import credential_from_bytes
from matching.holders import holdings_of
from matching.model import Holder, Holding, Job, Requirement
from matching.resolve import NodeResolver
from storage.tables import (
    Job as JobRow,
)
from storage.tables import (
    JobRequirement,
    JobStatus,
    MatchingOptIn,
    Wallet,
    WalletCompetence,
    WalletItem,
    utcnow,
)

__all__ = [
    "delete_job",
    "get_job",
    "holder_for_wallet",
    "holder_versions",
    "holders_fingerprint",
    "job_organisation",
    "job_versions",
    "jobs_fingerprint",
    "list_jobs",
    "opt_in",
    "opted_in_holders",
    "record_holdings",
    "save_job",
    "withdraw",
]

_STATUS = {"open": JobStatus.OPEN, "draft": JobStatus.DRAFT, "closed": JobStatus.CLOSED}


def save_job(session: Session, job: Job, *, organisation_id: str | None = None) -> None:
    """Create or replace a job and its requirements."""
    row = session.get(JobRow, job.id)
    if row is None:
        row = JobRow(id=job.id, title=job.title, organisation_id=organisation_id)
    else:
        row.updated_at = utcnow()  # a replaced offer invalidates cached job indexes
    row.title = job.title
    row.description = job.description
    row.status = _STATUS.get(job.status, JobStatus.OPEN)
    row.source = job.to_dict()
    if organisation_id is not None:
        row.organisation_id = organisation_id
    session.add(row)
    session.flush()
    session.exec(delete(JobRequirement).where(col(JobRequirement.job_id) == job.id))
    for position, req in enumerate(job.requirements):
        session.add(
            JobRequirement(
                job_id=job.id,
                position=position,
                node_id=req.node,
                node_kind="node",
                label=(req.label or "")[:500],
                mandatory=req.mandatory,
                expected_level=req.level,
            )
        )
    session.flush()


def _job(session: Session, row: JobRow) -> Job:
    reqs = session.exec(
        select(JobRequirement)
        .where(JobRequirement.job_id == row.id)
        .order_by(col(JobRequirement.position))
    ).all()
    occupations = tuple((row.source or {}).get("occupations", ()))
    return Job(
        row.id,
        row.title,
        tuple(Requirement(r.node_id, r.mandatory, r.expected_level, r.label or None) for r in reqs),
        occupations,
        row.description,
        str(row.status),
    )


def get_job(session: Session, job_id: str) -> Job | None:
    row = session.get(JobRow, job_id)
    return None if row is None else _job(session, row)


def job_organisation(session: Session, job_id: str) -> tuple[bool, str | None]:
    """Whether the job exists, and the organisation that owns it (``None``: none recorded)."""
    row = session.get(JobRow, job_id)
    return (row is not None, row.organisation_id if row is not None else None)


def list_jobs(session: Session, *, status: str | None = "open") -> list[Job]:
    """Jobs (open ones by default), by id."""
    query = select(JobRow).order_by(col(JobRow.id))
    if status is not None:
        query = query.where(JobRow.status == _STATUS[status])
    return [_job(session, row) for row in session.exec(query).all()]


def delete_job(session: Session, job_id: str) -> bool:
    row = session.get(JobRow, job_id)
    if row is None:
        return False
    session.exec(delete(JobRequirement).where(col(JobRequirement.job_id) == job_id))
    session.delete(row)
    session.flush()
    return True


def opt_in(session: Session, wallet_id: str, disclosure: Mapping[str, Any] | None = None) -> None:
    """The holder agrees to be found, showing ``disclosure`` (replaces an earlier choice)."""
    row = session.get(MatchingOptIn, wallet_id)
    if row is None:
        row = MatchingOptIn(wallet_id=wallet_id, disclosure=dict(disclosure or {}))
    else:
        row.disclosure = dict(disclosure or {})
        row.opted_in_at = utcnow()  # a new choice invalidates cached candidate indexes
    session.add(row)
    session.flush()


def withdraw(session: Session, wallet_id: str) -> bool:
    """The holder no longer wants to be found."""
    row = session.get(MatchingOptIn, wallet_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def record_holdings(
    session: Session, wallet_id: str, wallet_item_id: str, holdings: Iterable[Holding]
) -> None:
    """Replace what one wallet item asserts (call it after each verification of the item)."""
    session.exec(
        delete(WalletCompetence).where(col(WalletCompetence.wallet_item_id) == wallet_item_id)
    )
    seen: set[str] = set()
    for holding in holdings:
        if holding.node in seen:
            continue
        seen.add(holding.node)
        level = str(holding.level) if holding.level is not None else None
        session.add(
            WalletCompetence(
                wallet_id=wallet_id,
                wallet_item_id=wallet_item_id,
                node_id=holding.node,
                level=level,
            )
        )
    session.flush()


def _levelled(
    session: Session, wallet_ids: list[str] | None, tables: CreditTables
) -> dict[str, list[Holding]]:
    """What the verified credentials stored in the wallets assert, with their levels, read
    from the stored bytes (``wallet_competences`` has no levels: the wallet records nodes)."""
    query = select(WalletItem.wallet_id, WalletItem.credential_id, WalletItem.original_bytes).where(
        WalletItem.verdict == "verified"
    )
    if wallet_ids is not None:
        query = query.where(col(WalletItem.wallet_id).in_(wallet_ids))
    resolver = NodeResolver(tables.graph)
    found: dict[str, list[Holding]] = {}
    for wallet_id, credential_id, raw in session.exec(query.order_by(col(WalletItem.id))).all():
        credential = credential_from_bytes(bytes(raw))
        if credential is None:
            continue
        for holding in holdings_of(credential, tables, resolver):
            found.setdefault(wallet_id, []).append(
                Holding(holding.node, credential_id, holding.level, holding.alignment)
            )
    return found


def _holders(
    session: Session,
    wallet_ids: list[str] | None,
    disclosures: Mapping[str, Mapping[str, Any]],
    tables: CreditTables | None = None,
) -> list[Holder]:
    query = (
        select(WalletCompetence, WalletItem.credential_id, WalletItem.verdict)
        .join(WalletItem, col(WalletItem.id) == col(WalletCompetence.wallet_item_id))
        .order_by(col(WalletCompetence.wallet_id), col(WalletCompetence.node_id))
    )
    if wallet_ids is not None:
        query = query.where(col(WalletCompetence.wallet_id).in_(wallet_ids))
    found: dict[str, list[Holding]] = {w: [] for w in (wallet_ids or [])}
    levelled = _levelled(session, wallet_ids, tables) if tables is not None else {}
    resolve = NodeResolver(tables.graph).resolve if tables is not None else None
    for competence, credential_id, verdict in session.exec(query).all():
        if verdict != "verified":
            continue  # only verified badges assert competences (re-verification may revoke)
        node = competence.node_id
        if resolve is not None and any(
            h.badge_id == credential_id and h.node == (resolve(node) or node)
            for h in levelled.get(competence.wallet_id, ())
        ):
            continue  # read from the credential itself, with its level
        level = int(competence.level) if competence.level and competence.level.isdigit() else None
        found.setdefault(competence.wallet_id, []).append(Holding(node, credential_id, level))
    for wallet_id, holdings in levelled.items():
        if wallet_ids is None or wallet_id in found:
            found.setdefault(wallet_id, []).extend(holdings)
    return [
        Holder(wallet_id, tuple(holdings), disclosure=dict(disclosures.get(wallet_id, {})))
        for wallet_id, holdings in sorted(found.items())
    ]


def opted_in_holders(
    session: Session,
    *,
    tables: CreditTables | None = None,
    wallet_ids: Iterable[str] | None = None,
) -> list[Holder]:
    """Every holder who agreed to be found (or those of ``wallet_ids`` who did), with their
    verified competences and disclosure. With ``tables``, levels come from the stored
    credentials (``result[].achievedLevel``) and held nodes are named as the graph names them."""
    query = select(MatchingOptIn).order_by(col(MatchingOptIn.wallet_id))
    if wallet_ids is not None:
        query = query.where(col(MatchingOptIn.wallet_id).in_(sorted(set(wallet_ids))))
    rows = session.exec(query).all()
    disclosures = {r.wallet_id: r.disclosure or {} for r in rows}
    return _holders(session, list(disclosures), disclosures, tables)


def holder_for_wallet(
    session: Session, wallet_id: str, *, tables: CreditTables | None = None
) -> Holder | None:
    """One wallet's holder (opted in or not: the person ranks jobs for themself)."""
    if session.get(Wallet, wallet_id) is None:
        return None
    row = session.get(MatchingOptIn, wallet_id)
    disclosure = {wallet_id: row.disclosure or {}} if row is not None else {}
    return _holders(session, [wallet_id], disclosure, tables)[0]


def jobs_fingerprint(session: Session) -> tuple[Any, ...]:
    """Changes whenever an offer is added, replaced or removed (to reuse a job index)."""
    jobs = session.exec(
        select(sa.func.count(), sa.func.max(JobRow.created_at), sa.func.max(JobRow.updated_at))
    ).one()
    reqs = session.exec(select(sa.func.count()).select_from(JobRequirement)).one()
    return (*jobs, reqs)


def holders_fingerprint(session: Session) -> tuple[Any, ...]:
    """Changes whenever someone opts in, withdraws, changes what they show, or a badge is
    added, re-verified or removed (to reuse a candidate index)."""
    optins = session.exec(select(sa.func.count(), sa.func.max(MatchingOptIn.opted_in_at))).one()
    competences = session.exec(select(sa.func.count(), sa.func.max(WalletCompetence.id))).one()
    items = session.exec(select(sa.func.max(WalletItem.verified_at))).one()
    return (*optins, *competences, items)


def job_versions(session: Session) -> dict[str, tuple[Any, ...]]:
    """``{job id: (status, created, updated)}`` of every job: what changed since the last
    look, so an index adds, replaces or removes only those offers."""
    rows = session.exec(select(JobRow.id, JobRow.status, JobRow.created_at, JobRow.updated_at))
    return {job_id: (str(status), created, updated) for job_id, status, created, updated in rows}


def holder_versions(session: Session) -> dict[str, tuple[Any, ...]]:
    """``{wallet id: version}`` of every opted-in wallet; the version changes when the holder
    changes what they show or a badge of theirs is added, re-verified or removed."""
    optins = {
        r.wallet_id: (r.opted_in_at, repr(sorted((r.disclosure or {}).items())))
        for r in session.exec(select(MatchingOptIn)).all()
    }
    if not optins:
        return {}
    ids = sorted(optins)
    competences = {
        wallet_id: (count, last)
        for wallet_id, count, last in session.exec(
            select(WalletCompetence.wallet_id, sa.func.count(), sa.func.max(WalletCompetence.id))
            .where(col(WalletCompetence.wallet_id).in_(ids))
            .group_by(col(WalletCompetence.wallet_id))
        ).all()
    }
    items = {
        wallet_id: (count, verified, updated)
        for wallet_id, count, verified, updated in session.exec(
            select(
                WalletItem.wallet_id,
                sa.func.count(),
                sa.func.max(WalletItem.verified_at),
                sa.func.max(WalletItem.updated_at),
            )
            .where(col(WalletItem.wallet_id).in_(ids))
            .group_by(col(WalletItem.wallet_id))
        ).all()
    }
    return {
        wallet_id: (*optins[wallet_id], competences.get(wallet_id), items.get(wallet_id))
        for wallet_id in ids
    }
