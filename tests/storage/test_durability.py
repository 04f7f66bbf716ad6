"""Durability at the storage layer (reliability-ux.md D4, D5, D6): all or nothing, no index
reused, no lost status change, exact bytes kept."""

from __future__ import annotations

import hashlib
import random
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.engine import create_engine, session_scope, transaction
from storage.errors import is_unique_violation
from storage.status import (
    StatusListFullError,
    allocate_status_index,
    allocate_status_indexes,
    link_allocations,
    lists_to_publish,
    mark_published,
    set_bits,
    set_status_bit,
)
from storage.tables import (
    Credential,
    CredentialFormat,
    CredentialRecipient,
    OutboxChannel,
    OutboxMessage,
    RecipientKind,
    StatusAllocation,
    StatusList,
    new_id,
)

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
# Non-ASCII, significant whitespace and key order: what "exact bytes" must preserve.
SIGNED = (
    '{"@context":["https://www.w3.org/ns/credentials/v2"],  '
    '"name":"Savoir-être — équipe",\n"z":1,"a":2}'
)


def _credential(
    ids: dict[str, str], *, text: str = SIGNED, credential_id: str | None = None
) -> Credential:
    return Credential(
        credential_id=credential_id or f"urn:uuid:{new_id()}",
        organisation_id=ids["organisation"],
        issuer_key_id=ids["key"],
        achievement_id=ids["achievement"],
        format=CredentialFormat.JSON,
        proof_suite="eddsa-rdfc-2022",
        signed_text=text,
        content_sha256=hashlib.sha256(text.encode()).hexdigest(),
        issued_at=NOW,
        valid_from=NOW,
    )


def _count(engine: Engine, table: type) -> int:
    with session_scope(engine, write=False) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _issue(session: Session, ids: dict[str, str], *, text: str = SIGNED) -> Credential:
    """What an issuance writes: index, credential, private contact, outbox message."""
    status_list = session.get_one(StatusList, ids["status_list"])
    allocation = allocate_status_index(session, status_list)
    credential = _credential(ids, text=text)
    session.add(credential)
    session.flush()
    allocation.credential_id = credential.id
    session.add(
        CredentialRecipient(
            credential_id=credential.id, kind=RecipientKind.EMAIL, contact="awa@example.org"
        )
    )
    session.add(
        OutboxMessage(
            channel=OutboxChannel.EMAIL,
            recipient="awa@example.org",
            subject="Votre badge",
            body="…",
            available_at=NOW,
        )
    )
    return credential


def test_signed_text_is_stored_and_read_back_byte_for_byte(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    with session_scope(db_engine) as session:
        credential = _issue(session, issuer_setup)
    with session_scope(db_engine, write=False) as session:
        stored = session.get_one(Credential, credential.id)
        assert stored.signed_text.encode("utf-8") == SIGNED.encode("utf-8")


def test_a_failed_issuance_leaves_no_row_no_index_no_bytes_no_message(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    def crash_before_commit() -> None:
        with session_scope(db_engine) as session:
            _issue(session, issuer_setup)
            session.flush()  # everything reached the database inside the transaction...
            raise RuntimeError("crash between signing and commit")  # ...then the process fails

    with pytest.raises(RuntimeError):
        crash_before_commit()
    for table in (Credential, StatusAllocation, CredentialRecipient, OutboxMessage):
        assert _count(db_engine, table) == 0, table.__name__


def test_a_constraint_failure_at_commit_time_rolls_back_the_whole_issuance(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    with session_scope(db_engine) as session:
        first = _issue(session, issuer_setup)

    def issue_a_duplicate_id() -> None:
        with session_scope(db_engine) as session:
            status_list = session.get_one(StatusList, issuer_setup["status_list"])
            allocate_status_index(session, status_list)
            session.add(_credential(issuer_setup, credential_id=first.credential_id))

    with pytest.raises(sa.exc.IntegrityError) as raised:
        issue_a_duplicate_id()
    assert is_unique_violation(raised.value)
    assert _count(db_engine, Credential) == 1
    assert _count(db_engine, StatusAllocation) == 1


def test_a_status_index_can_never_be_given_twice(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    with session_scope(db_engine) as session:
        session.add(StatusAllocation(status_list_id=issuer_setup["status_list"], status_index=7))
    with pytest.raises(sa.exc.IntegrityError) as raised, session_scope(db_engine) as session:
        session.add(StatusAllocation(status_list_id=issuer_setup["status_list"], status_index=7))
    assert is_unique_violation(raised.value)


def test_allocation_draws_again_when_the_index_is_taken(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    draws = iter([5, 5, 9])
    with session_scope(db_engine) as session:
        status_list = session.get_one(StatusList, issuer_setup["status_list"])
        first = allocate_status_index(session, status_list, draw=lambda _n: next(draws))
        second = allocate_status_index(session, status_list, draw=lambda _n: next(draws))
    assert (first.status_index, second.status_index) == (5, 9)


def test_allocation_gives_up_with_a_clear_error_when_no_index_is_free(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    with session_scope(db_engine) as session:
        status_list = session.get_one(StatusList, issuer_setup["status_list"])
        allocate_status_index(session, status_list, draw=lambda _n: 0)
        with pytest.raises(StatusListFullError, match="plus d'index libre"):
            allocate_status_index(session, status_list, draw=lambda _n: 0, max_attempts=3)
        # The failed draws rolled back only their savepoints: the first index is still there.
        assert len(session.exec(select(StatusAllocation)).all()) == 1


def test_parallel_allocations_never_collide_and_none_is_lost(
    db_url: str, db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    """Reliability-ux.md D5, scaled down: concurrent transactions drawing from a narrow range
    (so collisions are certain) all end with distinct indexes, and every one is stored."""
    workers, per_worker, span = 4, 15, 80
    errors: list[BaseException] = []
    engine = create_engine(db_url)

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(per_worker):
                with session_scope(engine) as session:
                    status_list = session.get_one(StatusList, issuer_setup["status_list"])
                    allocate_status_index(session, status_list, draw=lambda _n: rng.randrange(span))
        except BaseException as error:  # reported to the main thread below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []
    with session_scope(db_engine, write=False) as session:
        indexes = session.exec(select(StatusAllocation.status_index)).all()
    assert len(indexes) == workers * per_worker
    assert len(set(indexes)) == len(indexes)


def test_concurrent_status_changes_each_bump_the_list_version(
    db_url: str, db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    with session_scope(db_engine) as session:
        for index in range(6):
            session.add(
                StatusAllocation(status_list_id=issuer_setup["status_list"], status_index=index)
            )
    engine = create_engine(db_url)
    errors: list[BaseException] = []

    def revoke(index: int) -> None:
        try:
            with session_scope(engine) as session:
                allocation = session.exec(
                    select(StatusAllocation).where(col(StatusAllocation.status_index) == index)
                ).one()
                assert set_status_bit(session, allocation, True, when=NOW)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=revoke, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []
    with session_scope(db_engine, write=False) as session:
        status_list = session.get_one(StatusList, issuer_setup["status_list"])
        assert status_list.version == 1 + 6  # created at 1, six changes, none lost
        assert set_bits(session, status_list.id) == [0, 1, 2, 3, 4, 5]


def test_a_change_not_yet_published_is_found_by_the_reconciler(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    """Reliability-ux.md D6: revoke, "crash" before publishing; the start-up query finds it."""
    list_id = issuer_setup["status_list"]
    with session_scope(db_engine) as session:
        # A new list has never been published.
        assert [s.id for s in lists_to_publish(session)] == [list_id]
        assert mark_published(
            session, list_id, version=1, encoded_list="uH4sI", published_text="{}", when=NOW
        )
        assert lists_to_publish(session) == []
    with session_scope(db_engine) as session:
        allocation = StatusAllocation(status_list_id=list_id, status_index=3)
        session.add(allocation)
        session.flush()
        set_status_bit(session, allocation, True, when=NOW)
    # (process killed here: the new version was never published)
    with session_scope(db_engine) as session:
        pending = lists_to_publish(session)
        assert [(s.id, s.version, s.published_version) for s in pending] == [(list_id, 2, 1)]
        # A late publisher of the old version cannot overwrite a newer publication.
        assert mark_published(
            session, list_id, version=2, encoded_list="v2", published_text="{}", when=NOW
        )
        assert not mark_published(
            session, list_id, version=1, encoded_list="v1", published_text="{}", when=NOW
        )
        assert lists_to_publish(session) == []


def test_setting_a_bit_to_its_current_value_changes_nothing(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    with session_scope(db_engine) as session:
        allocation = StatusAllocation(status_list_id=issuer_setup["status_list"], status_index=1)
        session.add(allocation)
        session.flush()
        assert not set_status_bit(session, allocation, False, when=NOW)
        assert session.get_one(StatusList, issuer_setup["status_list"]).version == 1


def test_a_group_of_indexes_is_allocated_at_once_skipping_taken_and_repeated_draws(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    list_id = issuer_setup["status_list"]
    with session_scope(db_engine) as session:
        session.add(StatusAllocation(status_list_id=list_id, status_index=3))
    draws = iter([3, 4, 4, 5, 3, 6, 7])  # 3 is taken, 4 and 3 are drawn twice
    with session_scope(db_engine) as session:
        status_list = session.get_one(StatusList, list_id)
        allocated = allocate_status_indexes(session, status_list, 4, draw=lambda _n: next(draws))
    assert sorted(a.status_index for a in allocated) == [4, 5, 6, 7]
    assert len({a.id for a in allocated}) == 4


def test_allocations_are_linked_to_their_credentials_in_one_statement(
    db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    with session_scope(db_engine) as session:
        status_list = session.get_one(StatusList, issuer_setup["status_list"])
        allocated = allocate_status_indexes(session, status_list, 3)
        credentials = [_credential(issuer_setup) for _ in allocated]
        session.add_all(credentials)
        session.flush()
        link_allocations(
            session, zip((a.id for a in allocated), (c.id for c in credentials), strict=True)
        )
    with session_scope(db_engine, write=False) as session:
        links = {
            row.credential_id: row.status_index
            for row in session.exec(select(StatusAllocation)).all()
        }
    assert links == {c.id: a.status_index for a, c in zip(allocated, credentials, strict=True)}


def test_parallel_group_allocations_never_collide(
    db_url: str, db_engine: Engine, issuer_setup: dict[str, str]
) -> None:
    workers, groups, size, span = 3, 4, 8, 120
    errors: list[BaseException] = []
    engine = create_engine(db_url)

    def work(seed: int) -> None:
        rng = random.Random(seed)

        def one_group(session: Session) -> None:
            status_list = session.get_one(StatusList, issuer_setup["status_list"])
            allocate_status_indexes(session, status_list, size, draw=lambda _n: rng.randrange(span))

        try:
            for _ in range(groups):
                # Crosswise collisions may deadlock on PostgreSQL: the transaction is retried.
                transaction(engine, one_group, attempts=10)
        except BaseException as error:  # reported to the main thread below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []
    with session_scope(db_engine, write=False) as session:
        indexes = session.exec(select(StatusAllocation.status_index)).all()
    assert len(indexes) == workers * groups * size
    assert len(set(indexes)) == len(indexes)
