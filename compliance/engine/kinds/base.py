"""The interface of a rule kind: what the engine, the findings and the renderers may ask of it, so that none of them
ever tests a kind's name. Adding a kind is one module that ends in ``KIND = Kind(...)``, one line in the registry
(``engine/kinds/__init__.py``) and one YAML case file (``tests/engine/kinds/cases/<kind>.yml``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from datetime import date

    from compliance.config.rule import RuleBase
    from compliance.engine.cells import Cells
    from compliance.engine.context import Context

R = TypeVar("R", bound="RuleBase")


@dataclass(frozen=True)
class Kind(Generic[R]):
    name: str  # the ``kind:`` rules.yaml writes
    config: type[R]  # its pydantic model: what else a rule of this kind writes, validated at load
    check: Callable[[R, Context], Cells]  # judge every subject and period of one rule
    # one judgement per ledger record (labelled with its date): a finding's place is that row, and a calendar cell
    # holding several of them counts records
    per_record: bool = False
    # judged at the as-of date (labelled with it): a baseline compares such findings without their period, which
    # moves with the as-of date, and a waiver covers one by that day
    at_as_of: bool = False
    # an obligation with a deadline per period (what `compliance plan` lists as due or upcoming from its cells)
    plannable: bool = False
    # for a kind judged at the as-of date: when each subject's current term runs out — (org, leader, deadline,
    # done) per subject that meets the rule now (`compliance plan` lists those running out within its horizon)
    terms: Callable[[R, Context], list[tuple[int, int, date, int]]] | None = None
