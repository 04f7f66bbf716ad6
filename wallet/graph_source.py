"""The skills graph the wallet shows progress against: the bundled referentials plus every
published referential stored in the database (YAML documents), loaded once by the caller."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlmodel import select

from referentials.bundled import load_bundled
from referentials.graph import SkillsGraph
from referentials.model import Referential, ReferentialError
from referentials.yaml_format import loads
from storage.engine import session_scope
from storage.tables import DocumentFormat, ReferentialStatus
from storage.tables import Referential as ReferentialRow

__all__ = ["GraphCache", "load_graph"]

log = logging.getLogger(__name__)


def load_graph(engine: Engine | None, base_url: str) -> SkillsGraph:
    referentials: dict[tuple[str, str], Referential] = {r.key: r for r in load_bundled()}
    if engine is not None:
        with session_scope(engine, write=False) as session:
            rows = session.exec(
                select(ReferentialRow).where(ReferentialRow.status != ReferentialStatus.DRAFT)
            ).all()
        for row in rows:
            if (
                row.document_format != DocumentFormat.YAML
                or (row.slug, row.version) in referentials
            ):
                continue
            try:
                referentials[(row.slug, row.version)] = loads(row.document, validate=False)
            except (ReferentialError, ValueError) as error:  # one bad row must not hide the rest
                log.warning("référentiel %s %s illisible : %s", row.slug, row.version, error)
    graph = SkillsGraph(base_url)
    for referential in referentials.values():
        try:
            graph.add(referential)
        except ReferentialError as error:
            log.warning("référentiel %s ignoré : %s", referential.key, error)
    return graph


class GraphCache:
    """The graph, rebuilt when a referential is published or retired after it was loaded (a
    running server shows progress on a referential published this morning)."""

    def __init__(self, engine: Engine, base_url: str) -> None:
        self.engine = engine
        self.base_url = base_url
        self._stamp: tuple[int, str] | None = None
        self._graph: SkillsGraph | None = None

    def _current_stamp(self) -> tuple[int, str]:
        with session_scope(self.engine, write=False) as session:
            rows = session.exec(
                select(ReferentialRow.id, ReferentialRow.status).where(
                    ReferentialRow.status != ReferentialStatus.DRAFT
                )
            ).all()
        return len(rows), ",".join(sorted(f"{i}:{s}" for i, s in rows))

    def get(self) -> SkillsGraph:
        stamp = self._current_stamp()
        if self._graph is None or stamp != self._stamp:
            self._graph = load_graph(self.engine, self.base_url)
            self._stamp = stamp
        return self._graph
