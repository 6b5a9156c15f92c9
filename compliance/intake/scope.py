"""A check's scope: the organisations named with ``--org`` and everything below them, and nothing else.

A branch checking itself against the district's roster is judged as the district's inspection would judge it (a
subtree's judgements depend only on the subtree's records, as the dask engine's partitions already rely on), but
nothing of the rest of the district reaches an output: the roster is cut to the subtree, the records, rejected rows
and warnings of the other organisations are set aside and counted in one note that names none of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compliance.errors import InputError
from compliance.intake.roster import Roster


@dataclass(frozen=True)
class Scope:
    names: tuple[str, ...]  # the organisations at the top of the scope (none below another), in roster order
    inside: np.ndarray  # bool per organisation of the full roster

    @classmethod
    def of(cls, roster: Roster, indices) -> Scope:
        """The organisations ``indices`` and everything below each."""
        everyone = np.arange(len(roster.names))
        inside = np.zeros(len(roster.names), dtype=bool)
        for index in indices:
            inside |= roster.within(np.full(len(roster.names), index), everyone)
        parent = roster.parent
        tops = [i for i in sorted(set(map(int, indices))) if parent[i] < 0 or not inside[parent[i]]]
        return cls(tuple(roster.names[i] for i in tops), inside)


def resolve(spellings: tuple[str, ...], roster: Roster) -> Scope:
    """The scope ``--org`` names: each a roster name or alias (any script); an unknown one stops the check with the
    nearest names."""
    indices = []
    for spelling in spellings:
        index = roster.resolve(spelling)
        if index is None:
            near = roster.closest(spelling)
            hint = f"，最接近的名称：{'、'.join(near)}" if near else ""
            raise InputError(f"--org：名册中没有组织“{spelling}”{hint}")
        indices.append(index)
    return Scope.of(roster, indices)


def named_by(records: pd.DataFrame, roster: Roster) -> Scope:
    """The scope of a self-check on the page with the district's roster: the organisations the ledgers' records
    name, each with everything below it."""
    return Scope.of(roster, np.unique(records["org"].to_numpy()))


def cut_roster(roster: Roster, scope: Scope) -> tuple[Roster, np.ndarray]:
    """The roster of the scope alone (a top organisation's parent outside it is forgotten), and per organisation of
    the full roster its index in the new one (-1 outside)."""
    orgs = roster.org_table.take(scope.inside.tolist())
    inside = set(names := orgs.names)
    orgs = dataclasses.replace(orgs, parents=[p if p is None or p in inside else None for p in orgs.parents])
    people = dataclasses.replace(roster.leader_table, persons=roster.leader_names.tolist())
    leaders = people.take([org in inside for org in people.orgs])
    places = {name: roster.places[name] for name in names if name in roster.places}
    new_index = np.full(len(roster.names), -1, dtype=np.int64)
    new_index[scope.inside] = np.arange(len(names))
    return Roster(orgs, leaders, inferred=roster.inferred, places=places), new_index


def outside_issues(frame: pd.DataFrame, roster: Roster, scope: Scope) -> np.ndarray:
    """Per rejected row or warning: is it about an organisation of the roster outside the scope?"""
    outside_names = [name for name, keep in zip(roster.names, scope.inside, strict=True) if not keep]
    return frame["org"].isin(outside_names).to_numpy(dtype=bool)
