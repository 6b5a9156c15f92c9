"""``--engine dask``: the same rule modules, run per partition on a dask.distributed cluster.

A partition judges a set of organisations (its *scope*) and holds every record of each one's subtree: an
organisation's own rules need its records, a unit's (党委, 工委) need its whole subtree's — whether a ledger below it
has a column, and its leaders' 党课 and reports kept by the branches below it. So the roster's trees are cut into
pieces: a tree small enough is one piece; a bigger one gives its root a piece of its own (holding the tree's
records, judging the root alone) and is cut again below. Pieces are packed into partitions of about equal weight.

Each partition runs ``evaluate.judge`` — the rule modules unchanged — on a worker; the driver maps the evidence
back to its own record numbers and sorts exactly as the local engine does (``evaluate.order``), so the findings are
the same, byte for byte.

The workers need ``compliance`` installed at the same version. Without ``--scheduler`` a LocalCluster with one
single-threaded worker process per core is started for the run and closed after it.
"""

from __future__ import annotations

import heapq
import logging
import os
from collections.abc import Callable

import numpy as np
import pandas as pd

from compliance.config.catalogue import Catalogue
from compliance.engine.context import Context
from compliance.engine.evaluate import Evaluation, judge, order
from compliance.errors import InputError

NOT_INSTALLED = "使用 --engine dask 需要安装 dask 和 distributed：pip install 'compliance[dask]'"


def partition(ctx: Context, parts: int) -> list[np.ndarray]:
    """Up to ``parts`` scopes (bool per organisation) covering every organisation once, weighted by records."""
    roster = ctx.roster
    n = len(roster.names)
    if n == 0:
        return []
    by_clock = np.argsort(roster.subtree_start)
    own = np.bincount(ctx.records["org"].to_numpy(np.int64), minlength=n) + 1  # +1: an org with no record still costs
    running = np.concatenate([[0], np.cumsum(own[by_clock])])
    subtree = running[roster.subtree_end] - running[roster.subtree_start]
    children: list[list[int]] = [[] for _ in range(n)]
    for child, up in enumerate(roster.parent):
        if up >= 0:
            children[up].append(child)
    target = max(1, int(subtree[roster.parent < 0].sum()) // max(parts, 1))
    pieces: list[tuple[int, list[int]]] = []  # (weight, scope organisations: whole subtrees or a lone root)
    stack = [int(r) for r in np.flatnonzero(roster.parent < 0)]
    while stack:
        node = stack.pop()
        if subtree[node] <= target or not children[node]:
            pieces.append((int(subtree[node]), list(by_clock[roster.subtree_start[node]:roster.subtree_end[node]])))
        else:
            pieces.append((int(subtree[node]), [node]))  # the root judged alone, over its whole tree's records
            stack.extend(children[node])
    bins: list[tuple[int, int, list[int]]] = [(0, i, []) for i in range(min(parts, len(pieces)))]
    heapq.heapify(bins)
    for weight, scope in sorted(pieces, key=lambda p: (-p[0], p[1][0])):
        load, i, members = heapq.heappop(bins)
        heapq.heappush(bins, (load + weight, i, members + scope))
    scopes = []
    for _, _, members in sorted(bins, key=lambda b: b[1]):
        mask = np.zeros(n, dtype=bool)
        mask[members] = True
        scopes.append(mask)
    return [s for s in scopes if s.any()]


def records_for(ctx: Context, scope: np.ndarray, frame=None) -> np.ndarray:
    """Positions of the records (or of the rows of ``frame``: the count tables' cells) whose organisation lies in
    the subtree of an organisation in ``scope``."""
    roster = ctx.roster
    cover = np.zeros(len(roster.names) + 1, dtype=np.int64)
    np.add.at(cover, roster.subtree_start[scope], 1)
    np.add.at(cover, roster.subtree_end[scope], -1)
    covered = np.cumsum(cover)[:-1] > 0  # per clock position
    frame = ctx.records if frame is None else frame
    return np.flatnonzero(covered[roster.subtree_start[frame["org"].to_numpy(np.int64)]])


def _judge_partition(catalogue, roster, tables, records, scope, as_of, audit, type_names, counts=None):
    """Runs on a worker."""
    ctx = Context(records, tables, roster, as_of, audit, type_names, scope=scope, counts=counts)
    return judge(catalogue, ctx)


def evaluate_dask(
    catalogue: Catalogue, ctx: Context, scheduler: str | None = None, tick: Callable[[int], None] | None = None,
    parts: int | None = None,
) -> Evaluation:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError(NOT_INSTALLED, column="--engine") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="10s")
        else:
            cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
    except OSError as exc:
        raise InputError(f"无法连接 dask 调度器 {scheduler}：{exc}", column="--scheduler") from None
    try:
        workers = sum(client.nthreads().values()) or 1
        scopes = partition(ctx, parts or 2 * workers)
        shared = client.scatter([catalogue, ctx.roster, ctx.tables], broadcast=True)
        futures, positions = {}, {}
        for number, scope in enumerate(scopes):
            rows = records_for(ctx, scope)
            part = ctx.records.iloc[rows].reset_index(drop=True)
            counts = None
            if ctx.counts is not None:  # its count-table cells, numbered after its records as on the driver
                at = records_for(ctx, scope, ctx.counts)
                counts = ctx.counts.iloc[at].reset_index(drop=True)
                rows = np.concatenate([rows, len(ctx.records) + at])
            future = client.submit(_judge_partition, *shared, part, scope, ctx.as_of, ctx.audit, ctx.type_names,
                                   counts, pure=False)
            futures[future] = number
            positions[number] = rows
        results: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if tick is not None:
                tick(1)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    frames, evidences, offset = [], [], 0
    for number in range(len(scopes)):
        judgements, evidence = results[number]
        frames.append(judgements)
        evidences.append(pd.DataFrame({"cell": evidence["cell"].to_numpy() + offset,
                                       "record": positions[number][evidence["record"].to_numpy()]}))
        offset += len(judgements)
    if not frames:
        return order(*judge(catalogue, ctx), ctx, catalogue)
    return order(pd.concat(frames, ignore_index=True), pd.concat(evidences, ignore_index=True), ctx, catalogue)
