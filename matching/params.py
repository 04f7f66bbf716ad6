"""The named parameters of the score (shared/research/referentials.md §7.2, DESIGN §6).

Every result carries the parameters it was computed with, so a score can be recomputed and
explained. Defaults follow the research note: full credit for the item itself, an
``exactMatchOf`` equivalent, a more specific item or a block that contains it; λ = 0.5 per hop
of directed lowest-common-ancestor distance, capped at 2 hops; 0.5 for weak relations; 80 % of
the score from mandatory requirements and 20 % from optional ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["DEFAULT_PARAMETERS", "MatchParameters"]


@dataclass(frozen=True, slots=True)
class MatchParameters:
    """How credit is given and combined.

    * ``transfer_decay`` (λ): credit ``λ ** d`` for a held item at directed LCA distance ``d``
      of the required one, in the same referential, never through a pillar (a hierarchy root);
    * ``transfer_max_hops``: no transferable credit beyond this distance (0 disables transfer);
    * ``related_credit``: credit for ``isRelatedTo`` / ``isPeerOf`` / ``crosswalk`` / ESCO
      ``needs`` neighbours, multiplied by the relation's ``confidence`` when it has one
      (0 disables it);
    * ``unknown_level_factor``: the level factor when the requirement expects a level but the
      badge states none (a level-less badge still asserts the competence);
    * ``mandatory_weight`` / ``optional_weight``: the score is
      ``(mw·mandatory_coverage + ow·optional_coverage) / (mw + ow)`` over the groups a job
      has (a job without optional requirements is scored on its mandatory ones alone);
    * ``mobility_boost``: added to the *ranking* score of a job when a ROME ``mobility_to``
      link leads from an occupation the person holds (or comes from) to the job's occupation;
      the coverage score itself is unchanged.
    """

    transfer_decay: float = 0.5
    transfer_max_hops: int = 2
    related_credit: float = 0.5
    unknown_level_factor: float = 1.0
    mandatory_weight: float = 0.8
    optional_weight: float = 0.2
    mobility_boost: float = 0.05

    def __post_init__(self) -> None:
        for name in ("transfer_decay", "related_credit", "unknown_level_factor"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} doit être compris entre 0 et 1 (reçu {value})")
        if self.transfer_max_hops < 0:
            raise ValueError("transfer_max_hops doit être positif ou nul")
        if self.mandatory_weight < 0 or self.optional_weight < 0:
            raise ValueError("les poids doivent être positifs ou nuls")
        if self.mandatory_weight + self.optional_weight <= 0:
            raise ValueError("la somme des poids doit être strictement positive")
        if self.mobility_boost < 0:
            raise ValueError("mobility_boost doit être positif ou nul")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_PARAMETERS = MatchParameters()
