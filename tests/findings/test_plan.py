"""What falls due next (issue 18): the plan on an as-of date — due items still open, items opening within the
horizon, terms running out — with exact items, and its calendars parsed back with the icalendar package."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar
import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.findings.plan import plan_items
from compliance.pipeline import run_check
from tests.helpers import LEADER_HEADER, ORG_HEADER, ORGS, write_csv

AS_OF = date(2024, 11, 21)
LEDGER = ["组织", "日期", "类型", "主题", "主讲人"]
ROWS = [
    # 一支部: November's 主题党日 not yet held; its last election 2021-12-10 (a 3-year term)
    ["一支部", "2024-10-12", "主题党日", "参观", ""], ["一支部", "2021-12-10", "换届选举", "换届", ""],
    ["一支部", "2024-11-05", "支委会", "研究11月工作", ""],
    # 二支部: November's theme day held; its election recent
    ["二支部", "2024-11-08", "主题党日", "学习", ""], ["二支部", "2023-03-01", "换届选举", "换届", ""],
    ["二支部", "2024-11-06", "支委会", "研究11月工作", ""],
    # the 书记's last post training 2019-12-20: five years run out on 2024-12-20
    ["一中党委", "2019-12-20", "岗位培训", "校级领导干部培训班", "王芳"],
]


def district(tmp_path):
    (tmp_path / "roster").mkdir()
    write_csv(tmp_path / "roster" / "组织.csv", ORG_HEADER, ORGS)
    write_csv(tmp_path / "roster" / "领导干部.csv", LEADER_HEADER, [["王芳", "一中党委", "书记", "2018-01-01", ""]])
    (tmp_path / "ledgers").mkdir()
    write_csv(tmp_path / "ledgers" / "台账.csv", LEDGER, ROWS)
    return [tmp_path / "ledgers"], tmp_path / "roster"


def items(tmp_path, days: int) -> list[tuple]:
    paths, roster = district(tmp_path)
    result = run_check(paths, roster, as_of=AS_OF)
    return [(i.rule, i.org, i.person, i.period, i.deadline.isoformat(), i.days_left, i.done, i.required, i.status)
            for i in plan_items(result, days) if i.org in ("一支部", "二支部") or i.person]


def test_due_this_month_and_terms_running_out_within_the_horizon(tmp_path):
    got = items(tmp_path, 30)
    assert ("theme-day-monthly", "一支部", None, "2024-11", "2024-11-30", 9, 0, 1, "due") in got
    assert ("branch-election-term", "一支部", None, "2024-12-10", "2024-12-10", 19, 0, 1, "upcoming") in got
    assert ("leader-training-five-yearly", "一中党委", "王芳", "2024-12-20", "2024-12-20", 29, 0, 1, "upcoming") in got
    assert ("theme-day-monthly", "一支部", None, "2024-12", "2024-12-31", 40, 0, 1, "upcoming") in got
    # nothing met appears: 二支部's November theme day and committee, 一支部's committee
    assert not [i for i in got if i[1] == "二支部" and i[3] == "2024-11"]
    assert ("branch-committee-monthly", "一支部", None, "2024-11", "2024-11-30", 9, 1, 1, "due") not in got
    assert [i[4] for i in got] == sorted(i[4] for i in got)  # by deadline


def test_on_a_periods_last_day_it_is_no_longer_open(tmp_path):
    paths, roster = district(tmp_path)
    result = run_check(paths, roster, as_of=date(2024, 11, 30))  # the check: November's theme day is a violation
    assert [(f["rule"], f["status"]) for f in result.findings()
            if f["org"] == "一支部" and f["period"] == "2024-11"] == [("party-group-monthly", "violation"),
                                                                      ("theme-day-monthly", "violation")]
    assert not [i for i in plan_items(result, 30) if i.period == "2024-11"]  # … and not something still to do


def test_a_term_outside_the_horizon_is_not_listed(tmp_path):
    got = items(tmp_path, 10)
    assert not [i for i in got if i[0] in ("branch-election-term", "leader-training-five-yearly")]
    assert ("theme-day-monthly", "一支部", None, "2024-11", "2024-11-30", 9, 0, 1, "due") in got


def run_plan(paths, roster, out, *extra):
    return CliRunner().invoke(main, ["plan", str(paths[0]), "--roster", str(roster), "--as-of", "2024-11-21",
                                     "--days", "30", "--out", str(out), "--format", "json,xlsx,ics", "--remind", "3",
                                     *extra])


def test_calendars_parse_hold_one_event_per_item_and_keep_their_uids(tmp_path):
    paths, roster = district(tmp_path)
    first, second = run_plan(paths, roster, tmp_path / "一"), run_plan(paths, roster, tmp_path / "二")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    import json

    document = json.loads((tmp_path / "一" / "plan.json").read_text(encoding="utf-8"))
    calendar = icalendar.Calendar.from_ical((tmp_path / "一" / "plan.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(document["items"]) > 0 and not calendar.walk("VTODO")
    election = next(e for e in events if "一支部" in str(e["summary"]) and "换届" in str(e["summary"]))
    assert (election.decoded("dtstart"), election.decoded("dtend")) == (date(2024, 12, 10), date(2024, 12, 11))
    # 09:00 three days (--remind) and one day before; the term's 6-month and 1-month notices were past on 11-21
    start = datetime.combine(election.decoded("dtstart"), datetime.min.time())
    assert [start + a.decoded("trigger") for a in election.walk("VALARM")] == [
        datetime(2024, 12, 7, 9), datetime(2024, 12, 9, 9)]
    theme = next(e for e in events if "一支部" in str(e["summary"]) and "主题党日" in str(e["summary"])
                 and e.decoded("dtstart") == date(2024, 11, 30))
    assert [a.decoded("trigger") for a in theme.walk("VALARM")] == [-timedelta(days=2, hours=15),
                                                                      -timedelta(hours=15)]
    # the same obligations, the same ids, run after run; the same bytes, too
    assert (tmp_path / "一" / "plan.ics").read_bytes() == (tmp_path / "二" / "plan.ics").read_bytes()
    assert len({str(e["uid"]) for e in events}) == len(events)
    # a branch's calendar names only itself
    branch = icalendar.Calendar.from_ical((tmp_path / "一" / "orgs" / "一支部.ics").read_bytes())
    summaries = [str(e["summary"]) for e in branch.walk("VEVENT")]
    assert summaries and all("一支部" in s and "二支部" not in s and "一中党委" not in s for s in summaries)
    assert document["items"][1] == {
        "rule": "theme-day-monthly", "title": "每月至少开展1次主题党日活动", "org": "一支部", "person": None,
        "period": "2024-11", "deadline": "2024-11-30", "days_left": 9, "done": 0, "required": 1, "status": "due"}
    assert document["items"][0]["rule"] == "party-group-monthly"  # 一支部 has 党小组 and held none in November
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "一" / "plan.xlsx")["待办事项"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("截止日期", "剩余天数", "状态", "组织", "领导干部", "规则", "规则编号", "期间", "已完成", "要求")
    assert rows[2] == (datetime(2024, 11, 30), 9, "待完成", "一支部", None, "每月至少开展1次主题党日活动",
                       "theme-day-monthly", "2024-11", 0, 1)
    assert sheet.auto_filter.ref == f"A1:J{len(rows)}"
    assert len(rows) == len(document["items"]) + 1
    assert (sheet.page_setup.orientation, sheet.print_title_rows) == ("landscape", "$1:$1")


def test_the_text_says_which_items_are_terms_running_out(tmp_path):
    from compliance.render.plan import text

    paths, roster = district(tmp_path)
    items = [i for i in plan_items(run_check(paths, roster, as_of=AS_OF), 30) if i.org == "一支部"]
    lines = text(items, AS_OF, 30).splitlines()
    assert "  截止 2024-11-30（还有 9 天） 待完成  一支部  每月至少开展1次主题党日活动（theme-day-monthly 2024-11） 已完成 0/1" in lines
    assert "  截止 2024-12-10（还有 19 天） 即将到期  一支部  党支部每三年至少换届选举1次（branch-election-term 2024-12-10）" \
           " 已完成 0/1" in lines


# after 11-21: 一支部 holds November's theme day on 11-25 and elects its committee on 11-26; its November 党小组会
# is never held
LATER = [["一支部", "2024-11-25", "主题党日", "参观", ""], ["一支部", "2024-11-26", "换届选举", "换届", ""]]


def earlier_plan(tmp_path, days: int = 30):
    from compliance.findings.plan import PreviousPlan

    paths, roster = district(tmp_path)
    return PreviousPlan("plan.json", AS_OF, plan_items(run_check(paths, roster, as_of=AS_OF), days)), roster


def test_met_since_an_earlier_plan_are_the_periods_now_met_and_the_terms_renewed(tmp_path):
    from compliance.findings.plan import met_since

    previous, roster = earlier_plan(tmp_path)
    later = tmp_path / "later"
    later.mkdir()
    write_csv(later / "台账.csv", LEDGER, ROWS + LATER)
    result = run_check([later], roster, as_of=date(2024, 12, 2))
    closed = met_since(result, previous, plan_items(result, 30))
    assert [(i.rule, i.org, i.person, i.period, i.deadline.isoformat(), i.days_left, i.done, i.required, i.status)
            for i in closed] == [
        ("theme-day-monthly", "一支部", None, "2024-11", "2024-11-30", -2, 1, 1, "met"),
        ("branch-election-term", "一支部", None, "2024-12-10", "2024-12-10", 8, 2, 1, "met"),  # runs to 2027 now
    ]
    # November's 党小组会 ran out unmet (a violation now, not something done); it was in the earlier plan
    assert [i for i in previous.items if (i.rule, i.org, i.period) == ("party-group-monthly", "一支部", "2024-11")]


def test_what_a_shorter_horizon_leaves_out_is_not_met(tmp_path):
    from compliance.findings.plan import met_since

    previous, roster = earlier_plan(tmp_path)
    paths = [tmp_path / "ledgers"]
    result = run_check(paths, roster, as_of=date(2024, 11, 22))
    now = plan_items(result, 1)  # December's periods and the terms running out lie beyond it
    assert {i.period for i in previous.items} - {i.period for i in now} >= {"2024-12", "2024-12-10"}
    assert met_since(result, previous, now) == []


def test_an_earlier_plan_is_read_back_from_its_json_and_refused_when_it_is_not_one(tmp_path):
    from compliance.errors import InputError
    from compliance.findings.plan import load_previous
    from compliance.render.plan import write_json

    previous, _ = earlier_plan(tmp_path)
    write_json(previous.items, AS_OF, 30, tmp_path)
    again = load_previous(tmp_path / "plan.json", date(2024, 12, 2))
    assert again.as_of == AS_OF
    assert [(i.uid, i.deadline, i.done, i.status) for i in again.items] == [
        (i.uid, i.deadline, i.done, i.status) for i in previous.items]
    with pytest.raises(InputError, match="在本次检查日 2024-11-20 之后"):
        load_previous(tmp_path / "plan.json", date(2024, 11, 20))
    (tmp_path / "findings.json").write_text('{"tool": {"name": "compliance"}, "findings": []}', encoding="utf-8")
    with pytest.raises(InputError, match=r"不是 compliance plan 写出的 plan\.json"):
        load_previous(tmp_path / "findings.json", date(2024, 12, 2))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="不是有效的 JSON"):
        load_previous(tmp_path / "broken.json", date(2024, 12, 2))
