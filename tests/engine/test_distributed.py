"""The dask engine: the same findings as the local engine, on a dask.distributed LocalCluster."""

from __future__ import annotations

import logging
import shutil
from datetime import date

import numpy as np
import pytest
from click.testing import CliRunner

from benchmarks.generate import generate, write
from compliance.cli import main
from compliance.engine.context import Context
from compliance.engine.distributed import partition, records_for
from compliance.pipeline import run_check
from tests.helpers import AUGUST_WAIVER, DEMO

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """A generated district: a 工委 over a 党组 and about twenty schools, a few thousand records, gaps and bad rows."""
    folder = tmp_path_factory.mktemp("district")
    tree, ledger = generate(3000, gaps=0.1, bad=0.01, seed=7)
    write(tree, ledger, folder, "csv")
    return folder


def findings_json(tmp_path, ledgers, roster, *extra):
    result = CliRunner().invoke(main, ["check", str(ledgers), "--roster", str(roster), "--format", "json",
                                       "--out", str(tmp_path), "--fail-on", "none", "--quiet", *extra])
    assert result.exit_code == 0, result.output
    return (tmp_path / "findings.json").read_bytes()


@pytest.mark.parametrize("as_of", ["2024-11-15", "2024-12-31"])
def test_the_demo_gives_the_same_findings_json_on_both_engines(tmp_path, scheduler, as_of):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(AUGUST_WAIVER, encoding="utf-8")
    extra = ("--as-of", as_of, "--waivers", str(waivers))
    local = findings_json(tmp_path / "local", DEMO / "ledgers", DEMO / "roster", *extra)
    dask = findings_json(tmp_path / "dask", DEMO / "ledgers", DEMO / "roster", *extra, "--engine", "dask",
                         "--scheduler", scheduler)
    assert dask == local
    assert b'"status":"waived"' in local  # the waiver went through the dask engine's judgements too


def test_count_tables_beside_a_ledger_give_the_same_findings_json_on_both_engines(tmp_path, scheduler):
    """Their cells travel with each partition and are numbered after its records, as on the driver (issue 28)."""
    counts = DEMO.parent / "counts"
    folder = tmp_path / "ledgers"
    for part in ("wide", "mixed"):
        shutil.copytree(counts / part, folder, dirs_exist_ok=True)
    local = findings_json(tmp_path / "local", folder, DEMO / "roster", "--as-of", "2024-12-31")
    dask = findings_json(tmp_path / "dask", folder, DEMO / "roster", "--as-of", "2024-12-31", "--engine", "dask",
                         "--scheduler", scheduler)
    assert dask == local
    assert '"text":"2024年3月统计表：支委会 0 次"'.encode() in local  # count cells as evidence, on both


def test_a_generated_district_gives_the_same_findings_json_on_both_engines(tmp_path, scheduler, district):
    local = findings_json(tmp_path / "local", district / "ledgers", district / "roster", "--as-of", "2024-12-31")
    dask = findings_json(tmp_path / "dask", district / "ledgers", district / "roster", "--as-of", "2024-12-31",
                         "--engine", "dask", "--scheduler", scheduler)
    assert dask == local
    assert local.count(b'"rule":') > 300  # a district's worth of findings, not an empty list


@pytest.mark.parametrize("parts", [1, 3, 8, 50])
def test_partitions_cover_every_organisation_once_and_hold_their_subtrees_records(district, parts):
    result = run_check([district / "ledgers"], district / "roster", as_of=date(2024, 12, 31))
    ctx = Context(result.records, result.tables, result.roster, np.datetime64("2024-12-31"), result.audit,
                  result.catalogue.activity_types)
    scopes = partition(ctx, parts)
    assert 1 <= len(scopes) <= parts
    assert (np.sum(scopes, axis=0) == 1).all()  # each organisation judged in exactly one partition
    roster, orgs = result.roster, result.records["org"].to_numpy()
    for scope in scopes:
        held = np.zeros(len(orgs), dtype=bool)
        held[records_for(ctx, scope)] = True
        for unit in np.flatnonzero(scope):  # every record below a judged organisation is in its partition
            assert held[roster.within(np.full(len(orgs), unit), orgs)].all()
    if parts > 1:
        assert len(scopes) > 1  # one district tree is still cut into several partitions


def test_the_engine_split_by_hand_matches_the_local_one(district, scheduler):
    local = run_check([district / "ledgers"], district / "roster", as_of=date(2024, 11, 15))
    dask = run_check([district / "ledgers"], district / "roster", as_of=date(2024, 11, 15), engine="dask",
                     scheduler=scheduler)
    assert dask.findings() == local.findings()
    assert dask.judgements.frame().equals(local.judgements.frame())
    assert dask.judgements.evidence_judgement.tolist() == local.judgements.evidence_judgement.tolist()
    assert dask.judgements.evidence_record.tolist() == local.judgements.evidence_record.tolist()


def test_scheduler_without_the_dask_engine_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["check", str(DEMO / "ledgers"), "--scheduler", "tcp://127.0.0.1:1",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--scheduler 需要同时给出 --engine dask" in result.output
