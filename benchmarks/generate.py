"""A synthetic district or province in the canonical layout: a roster and a year (or more) of ledger records.

    python -m benchmarks.generate --records 1000000 --out /tmp/province [--format csv|parquet|xlsx] [--gaps 0.05]

The tree: per district a 党工委 over a 党组 and about 50 schools; a school is a 党委 (or, one in four, a 党总支)
over two to five 党支部. Leaders: the 工委's and the 党组's 书记, each school's 书记 and 校长 (one school in twenty
has a new 校长 this year). Records follow the default catalogue — monthly 主题党日 on the branch's fixed day, 支委会
and 党小组会, quarterly 党员大会 and 党课, yearly 组织生活会 and 民主评议, an election every three years, the units'
中心组学习, 民主生活会, window items and half-yearly ideology items, each leader's 党课 and two 调研报告, a 岗位培训
every four years — and then ``--gaps`` of them are left out (each independently) and ``--bad`` of the rows are
spoiled (an impossible date, an organisation not in the roster, an unknown type), so the run has findings and
rejected rows to report.

A province in poor shape (``--poor``, or the options one by one): besides the ``--gaps``, ``--idle-leaders`` of the
leaders have nothing recorded (no 党课, 调研报告 or 岗位培训 of theirs), and the branches of ``--no-discipline`` of the
schools keep ledgers without a 会前说纪 column — in the one CSV their cells are blank, so each of their meetings is
a finding. What these options choose is drawn from a generator of its own: without them the bytes are as before.

A province shaped like the one issue 32 measured (``--province``: 36k organisations, 22k leaders, a quarter of a
million findings of which tens of thousands unverifiable, at a million records): more records left out, most
leaders idle, ``--deputies`` of the schools with a third leader (a 副校长), and ``--short-ledgers`` of the schools
keeping a short ledger — a file of its own (``台账-简表.csv``) without the 主讲人 and 会前说纪 columns, so that
their leaders' rules and their branches' 会前说纪 cannot be verified (one unverifiable finding each).

The number of schools is chosen so that the record count comes out near ``--records``; the exact count is printed.
Everything is drawn from a seeded generator: the same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = ["组织", "日期", "类型", "主题", "主讲人", "应到", "实到", "会前说纪"]
SCHOOLS_PER_DISTRICT = 50
RECORDS_PER_SCHOOL_YEAR = 158  # what the schedule below gives on average, before gaps
LEADER_RECORDS_PER_SCHOOL_YEAR = 6.5  # of which the two leaders' 党课, 调研报告 and 岗位培训
WELL_KEPT = {"gaps": 0.05, "idle_leaders": 0.0, "no_discipline": 0.0}
POOR = {"gaps": 0.05, "idle_leaders": 1.0, "no_discipline": 0.33}  # --poor: leaders unrecorded, 会前说纪 unkept
# --province: the shape of the province issue 32 measured (many leaders, many unverifiable findings)
PROVINCE = {"gaps": 0.2, "idle_leaders": 0.75, "no_discipline": 0.03, "deputies": 0.6, "short_ledgers": 0.3}
SHORT_LEDGER = "台账-简表.csv"  # the schools keeping no 主讲人 and no 会前说纪 column
SHORT_DROPS = ("主讲人", "会前说纪")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "建国丽明芳强涛静洋华军伟敏杰娟勇艳磊超霞平刚桂英玉兰秀珍文辉海燕红梅鹏飞宇浩然晨阳光志坚雪琴颖慧"
TOPICS = [
    "学习贯彻党的二十届三中全会精神", "重温入党誓词", "参观红色教育基地", "学习《中国共产党纪律处分条例》",
    "师德师风专题研讨", "志愿服务进社区", "学习习近平总书记关于教育的重要论述", "开展党史学习交流",
    "清廉学校建设专题学习", "党员先锋岗评议", "走访慰问困难党员", "年度工作回顾与谋划", "研究支部工作计划",
    "讨论发展党员工作", "学习新修订的《中国共产党章程》", "落实立德树人根本任务", "双减政策专题研讨",
    "校园安全专题学习", "深化作风建设", "主题教育专题研讨",
]


def person_name(i: int) -> str:
    """A distinct two- or three-character name for every ``i`` below 100 × 60 × 60."""
    given = GIVEN[i // len(SURNAMES) % len(GIVEN)]
    second = i // (len(SURNAMES) * len(GIVEN)) % len(GIVEN)
    return SURNAMES[i % len(SURNAMES)] + given + (GIVEN[second] if second else "")


@dataclass
class Tree:
    orgs: list[list[str]] = field(default_factory=list)  # roster rows
    leaders: list[list[str]] = field(default_factory=list)
    branches: list[int] = field(default_factory=list)  # org indices
    has_group: list[bool] = field(default_factory=list)  # per branch
    committees: list[int] = field(default_factory=list)  # 党委, 党工委, 党组: theory study, 民主生活会
    schools: list[int] = field(default_factory=list)  # 党委 and 党总支 of schools: window items
    committees_of_district: list[int] = field(default_factory=list)  # the 工委s: ideology items
    leader_unit: list[int] = field(default_factory=list)  # org index of each leader's unit
    leader_branch: list[int] = field(default_factory=list)  # a branch of the unit (where the leader's 党课 is kept)
    school_of_branch: list[int] = field(default_factory=list)
    first_branch: dict[int, int] = field(default_factory=dict)  # school → its first branch
    short: set[str] = field(default_factory=set)  # organisations whose ledgers are written without SHORT_DROPS

    def org(self, name: str, kind: str, parent: str, founded: str, alias: str = "", group: str = "") -> int:
        self.orgs.append([name, kind, parent, founded, alias, group])
        return len(self.orgs) - 1

    def leader(self, unit: int, post: str, start: str, branch: int) -> None:
        self.leaders.append([person_name(len(self.leaders)), self.orgs[unit][0], post, start, ""])
        self.leader_unit.append(unit)
        self.leader_branch.append(branch)


def build_tree(schools: int, rng: np.random.Generator, year: int) -> Tree:
    tree = Tree()
    districts = -(-schools // SCHOOLS_PER_DISTRICT)
    school = 0
    for d in range(1, districts + 1):
        committee = tree.org(f"第{d}区委教育工委", "党工委", "", "2010-01-01", f"{d}区教育工委")
        group = tree.org(f"第{d}区教育局党组", "党组", tree.orgs[committee][0], "2010-01-01")
        tree.committees += [committee, group]
        tree.committees_of_district.append(committee)
        tree.leader(committee, "书记", "2018-03-01", committee)
        tree.leader(group, "书记", "2019-07-01", group)
        for s in range(1, SCHOOLS_PER_DISTRICT + 1):
            if school == schools:
                break
            school += 1
            kind = "党总支" if rng.random() < 0.25 else "党委"
            name = f"{d}区第{s}中学"
            unit = tree.org(f"{name}{kind}", kind, tree.orgs[committee][0], "2005-09-01", f"{d}区{s}中{kind}")
            tree.schools.append(unit)
            if kind == "党委":
                tree.committees.append(unit)
            first = None
            for b in range(1, int(rng.integers(2, 6)) + 1):
                founded = f"{year}-04-01" if rng.random() < 0.02 else "2005-09-01"
                group_flag = "是" if rng.random() < 0.5 else "否"
                branch = tree.org(f"{name}第{b}党支部", "党支部", tree.orgs[unit][0], founded,
                                  f"{d}区{s}中第{b}党支部", group_flag)
                tree.branches.append(branch)
                tree.has_group.append(group_flag == "是")
                tree.school_of_branch.append(unit)
                first = branch if first is None else first
            tree.first_branch[unit] = first
            tree.leader(unit, "书记", "2016-09-01", first)
            new_principal = rng.random() < 0.05
            tree.leader(unit, "校长", f"{year}-08-15" if new_principal else "2015-09-01", first)
    return tree


class Records:
    """Columns of the ledger as numpy arrays, appended schedule by schedule."""

    def __init__(self, rng: np.random.Generator, years: list[int]):
        self.rng = rng
        self.years = years
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, orgs, kind: str, per_year: int, *, day=None, months=None, person=None, counts=None,
            discipline=False, every: int = 1) -> None:
        """``per_year`` records of ``kind`` for each org in each year (12 monthly, 4 quarterly, 2 half-yearly, 1
        yearly); ``months`` restricts a yearly item to a month range (1-based, inclusive)."""
        orgs = np.asarray(orgs, dtype=np.int64)
        if not len(orgs):
            return
        rng = self.rng
        index = np.arange(len(orgs))
        last = self.years[-1]
        for year in range(self.years[0] - every + 1, last + 1) if every > 1 else self.years:
            # an item every few years: each org in its own year of the cycle, the last cycle reaching back
            chosen = index if every == 1 else index[(last - index % every - year) % every == 0]
            n = len(chosen) * per_year
            at = np.repeat(chosen, per_year)  # position in ``orgs`` of each record
            org = orgs[at]
            slot = np.tile(np.arange(per_year), len(chosen))
            span = 12 // per_year
            if months is not None:
                month = rng.integers(months[0], months[1] + 1, n)
            else:
                month = slot * span + 1 + rng.integers(0, span, n)
            days = day[at] if day is not None else rng.integers(1, 29, n)
            date = (np.datetime64(f"{year}-01", "M") + (month - 1)).astype("datetime64[D]") + (days - 1)
            part = {"org": org, "date": date, "type": np.full(n, kind, dtype=object),
                    "topic": rng.integers(0, len(TOPICS), n)}
            part["person"] = person[at] if person is not None else np.full(n, -1)
            if counts is not None:
                expected = np.full(n, counts[0])
                part["expected"] = expected
                part["present"] = expected - rng.integers(0, counts[1] + 1, n)
            part["discipline"] = np.full(n, discipline) if np.isscalar(discipline) else np.asarray(discipline)[at]
            self.parts.append(part)

    def frame(self, tree: Tree, gaps: float, bad: float) -> pd.DataFrame:
        rng = self.rng
        n = sum(len(p["org"]) for p in self.parts)

        def column(name, fill):
            return np.concatenate([p.get(name, np.full(len(p["org"]), fill)) for p in self.parts])

        org, date, kind = column("org", -1), column("date", None), column("type", None)
        keep = rng.random(n) >= gaps
        names = np.array([o[0] for o in tree.orgs], dtype=object)
        leaders = np.array([row[0] for row in tree.leaders] + [""], dtype=object)
        expected, present = column("expected", -1), column("present", -1)
        frame = pd.DataFrame(
            {
                "组织": names[org],
                "日期": np.datetime_as_string(date.astype("datetime64[D]")),
                "类型": kind,
                "主题": np.array(TOPICS, dtype=object)[column("topic", 0)],
                "主讲人": leaders[column("person", -1)],
                "应到": np.where(expected >= 0, expected.astype(str), ""),
                "实到": np.where(present >= 0, present.astype(str), ""),
                "会前说纪": np.where(column("discipline", False), "是", ""),
            }
        )[keep]
        frame = frame.sort_values(["组织", "日期"], kind="stable", ignore_index=True)
        spoiled = np.flatnonzero(rng.random(len(frame)) < bad)
        how = rng.integers(0, 3, len(spoiled))
        frame.loc[spoiled[how == 0], "日期"] = "2024-02-30"
        frame.loc[spoiled[how == 1], "组织"] = "不存在的党支部"
        frame.loc[spoiled[how == 2], "类型"] = "茶话会"
        return frame


def generate(records: int, year: int = 2024, years: int = 1, gaps: float = 0.05, bad: float = 0.001,
             seed: int = 0, idle_leaders: float = 0.0, no_discipline: float = 0.0, deputies: float = 0.0,
             short_ledgers: float = 0.0) -> tuple[Tree, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    per_school = RECORDS_PER_SCHOOL_YEAR - LEADER_RECORDS_PER_SCHOOL_YEAR * idle_leaders
    if deputies:  # a third leader's records, when not idle
        per_school += LEADER_RECORDS_PER_SCHOOL_YEAR / 2 * deputies * (1 - idle_leaders)
    schools = max(1, round(records / (per_school * years * (1 - gaps))))
    tree = build_tree(schools, rng, year)
    shape = np.random.default_rng([seed, 2])  # the province's own choices, apart from both other streams
    if deputies:
        for unit in np.asarray(tree.schools)[shape.random(len(tree.schools)) < deputies].tolist():
            tree.leader(unit, "副校长", "2019-09-01", tree.first_branch[unit])
    if short_ledgers:
        chosen = set(np.asarray(tree.schools)[shape.random(len(tree.schools)) < short_ledgers].tolist())
        tree.short = {tree.orgs[i][0] for i in chosen} | {
            tree.orgs[b][0] for b, s in zip(tree.branches, tree.school_of_branch, strict=True) if s in chosen}
    poor = np.random.default_rng([seed, 1])  # the poor province's choices, apart from the main stream
    idle = poor.random(len(tree.leaders)) < idle_leaders if idle_leaders else np.zeros(len(tree.leaders), bool)
    unkept = poor.random(len(tree.orgs)) < no_discipline if no_discipline else np.zeros(len(tree.orgs), bool)
    unkept_branch = unkept[np.asarray(tree.school_of_branch, dtype=np.int64)]  # a school's branches alike
    out = Records(rng, list(range(year - years + 1, year + 1)))
    branches = np.array(tree.branches)
    fixed_day = rng.integers(1, 29, len(branches))
    out.add(branches, "主题党日", 12, day=fixed_day)
    out.add(branches, "支部委员会", 12, counts=(5, 1), discipline=~unkept_branch)
    grouped = np.array(tree.has_group, dtype=bool)
    out.add(branches[grouped], "党小组会", 12, counts=(8, 2), discipline=~unkept_branch[grouped])
    out.add(branches, "支部党员大会", 4, counts=(30, 12), discipline=~unkept_branch)
    out.add(branches, "党课", 4)
    out.add(branches, "组织生活会", 1, months=(11, 12))
    out.add(branches, "民主评议党员", 1, months=(11, 12))
    out.add(branches, "换届选举", 1, months=(3, 6), counts=(30, 4), every=3)
    out.add(tree.committees, "理论学习中心组学习", 4)
    out.add(tree.committees, "民主生活会", 1, months=(12, 12), counts=(7, 1))
    for kind in ("意识形态工作形势分析", "意识形态工作汇报", "干部思想动态调查", "意识形态专题报告"):
        out.add(tree.committees_of_district, kind, 2)
    out.add(tree.schools, "七一纪念活动", 1, months=(6, 6))
    out.add(tree.schools, "师德师风教育", 1, months=(7, 8))
    out.add(tree.schools, "党建目标责任书签订", 1, months=(1, 3))
    # each leader's 党课 (kept by a branch of the unit), reports and training, with the leader as 主讲人
    leaders = np.flatnonzero(~idle)  # a leader with nothing recorded has no records at all
    leader_branch = np.array(tree.leader_branch, dtype=np.int64)[leaders]
    for kind, per_year, every in (("党课", 1, 1), ("调研报告", 2, 1), ("岗位培训", 1, 4)):
        out.add(leader_branch, kind, per_year, person=leaders, every=every)
    return tree, out.frame(tree, gaps, bad)


def write(tree: Tree, ledger: pd.DataFrame, out: Path, form: str) -> Path:
    (out / "roster").mkdir(parents=True, exist_ok=True)
    (out / "ledgers").mkdir(parents=True, exist_ok=True)
    with open(out / "roster" / "组织.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["组织名称", "组织类型", "上级组织", "成立日期", "别名", "设党小组"], *tree.orgs])
    with open(out / "roster" / "领导干部.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["姓名", "所在单位", "职务", "任职日期", "离任日期"], *tree.leaders])
    if form == "csv":
        path = out / "ledgers" / "台账.csv"
        if tree.short:  # the schools keeping a short ledger: a file of their own, without those columns
            short = ledger["组织"].isin(tree.short).to_numpy()
            ledger[short].drop(columns=list(SHORT_DROPS)).to_csv(out / "ledgers" / SHORT_LEDGER, index=False,
                                                                 lineterminator="\n")
            ledger = ledger[~short]
        ledger.to_csv(path, index=False, lineterminator="\n")
    elif tree.short:
        raise SystemExit("--short-ledgers writes a second CSV: use --format csv")
    elif form == "parquet":
        path = out / "ledgers" / "台账.parquet"
        ledger.astype(str).to_parquet(path, index=False)
    else:
        from openpyxl import Workbook

        path = out / "ledgers" / "台账.xlsx"
        if len(ledger) >= 1_048_575:
            raise SystemExit("xlsx holds at most 1,048,575 records a sheet; use csv or parquet for more")
        book = Workbook(write_only=True)
        sheet = book.create_sheet("台账")
        sheet.append(HEADER)
        for row in ledger.itertuples(index=False):
            sheet.append(list(row))
        book.save(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="about how many ledger rows")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--format", choices=("csv", "parquet", "xlsx"), default="csv")
    parser.add_argument("--year", type=int, default=2024, help="the last year of records (the audited year)")
    parser.add_argument("--years", type=int, default=1, help="how many years of records")
    parser.add_argument("--gaps", type=float, help="share of required records left out (0.05)")
    parser.add_argument("--bad", type=float, default=0.001, help="share of rows spoiled (rejected by the gate)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--idle-leaders", type=float, help="share of leaders with nothing recorded (0)")
    parser.add_argument("--no-discipline", type=float,
                        help="share of schools whose branches keep no 会前说纪 column: blank cells (0)")
    parser.add_argument("--deputies", type=float, help="share of schools with a third leader, a 副校长 (0)")
    parser.add_argument("--short-ledgers", type=float,
                        help=f"share of schools whose ledger ({SHORT_LEDGER}) has no {'、'.join(SHORT_DROPS)} "
                        "column (0)")
    shapes = parser.add_mutually_exclusive_group()
    shapes.add_argument("--poor", action="store_true", help="a province in poor shape: "
                        + ", ".join(f"--{key.replace('_', '-')} {value}" for key, value in POOR.items()))
    shapes.add_argument("--province", action="store_true", help="the shape of issue 32's province: "
                        + ", ".join(f"--{key.replace('_', '-')} {value}" for key, value in PROVINCE.items()))
    args = parser.parse_args(argv)
    preset = POOR if args.poor else PROVINCE if args.province else WELL_KEPT
    for key in ("gaps", "idle_leaders", "no_discipline", "deputies", "short_ledgers"):  # the command line wins
        if getattr(args, key) is None:
            setattr(args, key, preset.get(key, 0.0))
    tree, ledger = generate(args.records, args.year, args.years, args.gaps, args.bad, args.seed,
                            args.idle_leaders, args.no_discipline, args.deputies, args.short_ledgers)
    path = write(tree, ledger, args.out, args.format)
    print(f"{path}: {len(ledger)} records, {len(tree.orgs)} organisations, {len(tree.leaders)} leaders",
          file=sys.stderr)


if __name__ == "__main__":
    main()
