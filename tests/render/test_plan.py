"""The plan's calendars (issue 26): per item an all-day VEVENT on its deadline (or a VTODO, or both) with reminders
at 09:00, and the items of an earlier plan met since written again under their UIDs, cancelled or completed —
asserted as the exact components written, and parsed back with icalendar and vobject."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import icalendar
import vobject
from click.testing import CliRunner

from compliance.cli import main
from tests.findings.test_plan import LATER, LEDGER, ROWS, district
from tests.helpers import write_csv

THEME_DAY = "b52a317df72b2769bbbddb464a7df644"  # 一支部's November theme day: its UIDs, the same as in earlier plans
ELECTION = "88429f60d8a1e5e573abdee3dc876bdc"  # 一支部's committee term running out on 2024-12-10


def run(paths, roster, out, as_of="2024-11-21", *extra):
    result = CliRunner().invoke(main, ["plan", str(paths[0]), "--roster", str(roster), "--as-of", as_of,
                                       "--days", "30", "--remind", "3", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result


def component(path, uid: str) -> str:
    """The exact text of the one component with this UID, as written (CRLF lines, folded)."""
    text = path.read_bytes().decode("utf-8")
    found = [block for block in re.findall(r"BEGIN:(?:VEVENT|VTODO)\r\n.*?END:(?:VEVENT|VTODO)\r\n", text, re.S)
             if f"\r\nUID:{uid}\r\n" in block]
    assert len(found) == 1, found
    return found[0]


def lines(*written: str) -> str:
    return "".join(f"{line}\r\n" for line in written)


REMINDERS = (  # 09:00 three days (--remind 3) and one day before the deadline
    "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:每月至少开展1次主题党日活动：一支部，3 天", " 后截止",
    "TRIGGER{}:-P2DT15H", "END:VALARM",
    "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:每月至少开展1次主题党日活动：一支部，明天", " 截止",
    "TRIGGER{}:-PT15H", "END:VALARM",
)


def test_each_item_is_an_all_day_event_on_its_deadline_with_reminders_at_nine(tmp_path):
    paths, roster = district(tmp_path)
    run(paths, roster, tmp_path / "out")
    assert component(tmp_path / "out" / "orgs" / "一支部.ics", f"{THEME_DAY}-event@compliance") == lines(
        "BEGIN:VEVENT",
        "SUMMARY:每月至少开展1次主题党日活动：一支部（2024-11）",
        "DTSTART;VALUE=DATE:20241130",
        "DTEND;VALUE=DATE:20241201",
        "DTSTAMP:20241121T000000Z",
        f"UID:{THEME_DAY}-event@compliance",
        "SEQUENCE:202411210",
        "DESCRIPTION:待完成；已完成 0 次，要求 1 次；规则 theme-day-",
        " monthly；截止 2024-11-30",
        "STATUS:CONFIRMED",
        "TRANSP:TRANSPARENT",
        *(line.format("") for line in REMINDERS),
        "END:VEVENT",
    )
    calendar = icalendar.Calendar.from_ical((tmp_path / "out" / "plan.ics").read_bytes())
    assert not calendar.walk("VTODO")
    event = next(e for e in calendar.walk("VEVENT") if str(e["uid"]) == f"{THEME_DAY}-event@compliance")
    start = datetime.combine(event.decoded("dtstart"), datetime.min.time())  # floating: the reader's own 09:00
    assert [start + alarm.decoded("trigger") for alarm in event.walk("VALARM")] == [
        datetime(2024, 11, 27, 9), datetime(2024, 11, 29, 9)]


def test_a_term_six_months_away_is_reminded_six_months_one_month_remind_days_and_a_day_before(tmp_path):
    paths, roster = district(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", str(paths[0]), "--roster", str(roster), "--as-of", "2024-06-01",
                                       "--days", "200", "--remind", "3", "--format", "ics", "--out", str(out)])
    assert result.exit_code == 0, result.output
    event = icalendar.Event.from_ical(component(out / "orgs" / "一支部.ics", f"{ELECTION}-event@compliance"))
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (date(2024, 12, 10), date(2024, 12, 11))
    assert [(str(a["description"]), a["trigger"].to_ical().decode()) for a in event.walk("VALARM")] == [
        ("党支部每三年至少换届选举1次：一支部，183 天后截止", "-P182DT15H"),
        ("党支部每三年至少换届选举1次：一支部，30 天后截止", "-P29DT15H"),
        ("党支部每三年至少换届选举1次：一支部，3 天后截止", "-P2DT15H"),
        ("党支部每三年至少换届选举1次：一支部，明天截止", "-PT15H"),
    ]
    start = datetime.combine(event.decoded("dtstart"), datetime.min.time())
    assert [start + a.decoded("trigger") for a in event.walk("VALARM")] == [
        datetime(2024, 6, 10, 9), datetime(2024, 11, 10, 9), datetime(2024, 12, 7, 9), datetime(2024, 12, 9, 9)]


def test_to_dos_are_written_on_request_under_the_uids_earlier_plans_gave_them(tmp_path):
    paths, roster = district(tmp_path)
    run(paths, roster, tmp_path / "todo", "2024-11-21", "--ics-kind", "todo")
    assert component(tmp_path / "todo" / "orgs" / "一支部.ics", f"{THEME_DAY}@compliance") == lines(
        "BEGIN:VTODO",
        "DESCRIPTION:待完成；已完成 0 次，要求 1 次；规则 theme-day-",
        " monthly；截止 2024-11-30",
        "DTSTAMP:20241121T000000Z",
        "DUE;VALUE=DATE:20241130",
        "SEQUENCE:202411210",
        "STATUS:NEEDS-ACTION",
        "SUMMARY:每月至少开展1次主题党日活动：一支部（2024-11）",
        f"UID:{THEME_DAY}@compliance",
        *(line.format(";RELATED=END") for line in REMINDERS),  # before DUE
        "END:VTODO",
    )
    assert not icalendar.Calendar.from_ical((tmp_path / "todo" / "plan.ics").read_bytes()).walk("VEVENT")
    run(paths, roster, tmp_path / "both", "2024-11-21", "--ics-kind", "both")
    calendar = icalendar.Calendar.from_ical((tmp_path / "both" / "plan.ics").read_bytes())
    events, todos = calendar.walk("VEVENT"), calendar.walk("VTODO")
    assert len(events) == len(todos) > 0
    # one item, two components, two UIDs (a UID names one component)
    assert [str(e["uid"]) for e in events] == [str(t["uid"]).replace("@", "-event@") for t in todos]
    assert [e.decoded("dtstart") for e in events] == [t.decoded("due") for t in todos]


def test_an_item_met_since_the_earlier_plan_closes_under_the_same_uid(tmp_path):
    paths, roster = district(tmp_path)
    run(paths, roster, tmp_path / "一", "2024-11-21", "--format", "json,ics", "--ics-kind", "both")
    later = tmp_path / "later"
    later.mkdir()
    write_csv(later / "台账.csv", LEDGER, ROWS + LATER)
    result = run([later], roster, tmp_path / "二", "2024-12-02", "--format", "text,json,ics", "--ics-kind", "both",
                 "--previous", str(tmp_path / "一" / "plan.json"))
    calendar = tmp_path / "二" / "orgs" / "一支部.ics"
    assert component(calendar, f"{THEME_DAY}-event@compliance") == lines(
        "BEGIN:VEVENT",
        "SUMMARY:已完成：每月至少开展1次主题党日活动：一支部",
        " （2024-11）",
        "DTSTART;VALUE=DATE:20241130",
        "DTEND;VALUE=DATE:20241201",
        "DTSTAMP:20241202T000000Z",
        f"UID:{THEME_DAY}-event@compliance",
        "SEQUENCE:202412021",  # above the 202411210 the earlier plan wrote
        "DESCRIPTION:截至 2024-12-02 已完成；已完成 1 次，要求 1 次",
        " ；规则 theme-day-monthly；截止 2024-11-30",
        "STATUS:CANCELLED",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",  # no reminder
    )
    assert component(calendar, f"{THEME_DAY}@compliance") == lines(
        "BEGIN:VTODO",
        "COMPLETED:20241202T000000Z",
        "DESCRIPTION:截至 2024-12-02 已完成；已完成 1 次，要求 1 次",
        " ；规则 theme-day-monthly；截止 2024-11-30",
        "DTSTAMP:20241202T000000Z",
        "DUE;VALUE=DATE:20241130",
        "PERCENT-COMPLETE:100",
        "SEQUENCE:202412021",
        "STATUS:COMPLETED",
        "SUMMARY:已完成：每月至少开展1次主题党日活动：一支部",
        " （2024-11）",
        f"UID:{THEME_DAY}@compliance",
        "END:VTODO",
    )
    # the earlier plan held these components under the same UIDs, open
    assert "STATUS:CONFIRMED" in component(tmp_path / "一" / "plan.ics", f"{THEME_DAY}-event@compliance")
    assert "STATUS:NEEDS-ACTION" in component(tmp_path / "一" / "plan.ics", f"{THEME_DAY}@compliance")
    # the renewed term closes too; November's 党小组会, run out unmet, is not written again
    closed = [(str(c["summary"]), str(c["status"]))
              for c in icalendar.Calendar.from_ical((tmp_path / "二" / "plan.ics").read_bytes()).walk()
              if str(c.get("status")) in ("CANCELLED", "COMPLETED")]
    assert closed == [
        ("已完成：每月至少开展1次主题党日活动：一支部（2024-11）", "CANCELLED"),
        ("已完成：每月至少开展1次主题党日活动：一支部（2024-11）", "COMPLETED"),
        ("已完成：党支部每三年至少换届选举1次：一支部（2024-12-10）", "CANCELLED"),
        ("已完成：党支部每三年至少换届选举1次：一支部（2024-12-10）", "COMPLETED"),
    ]
    assert "党小组会：一支部（2024-11）" not in (tmp_path / "二" / "plan.ics").read_bytes().decode().replace("\r\n ", "")
    document = json.loads((tmp_path / "二" / "plan.json").read_text(encoding="utf-8"))
    assert [(c["rule"], c["period"], c["done"], c["status"]) for c in document["closed"]] == [
        ("theme-day-monthly", "2024-11", 1, "met"), ("branch-election-term", "2024-12-10", 2, "met")]
    assert result.output.splitlines()[-4:] == [
        "检查日 2024-11-21 的计划中，此后已完成 2 项：",
        "  截止 2024-11-30 已完成  一支部  每月至少开展1次主题党日活动（theme-day-monthly 2024-11） 已完成 1/1",
        "  截止 2024-12-10 已完成  一支部  党支部每三年至少换届选举1次（branch-election-term 2024-12-10） 已完成 2/1",
        f"计划（json、ics）已写入 {tmp_path / '二'}/",
    ]


def test_a_previous_plan_that_is_not_one_is_refused_before_any_ledger_is_read(tmp_path):
    paths, roster = district(tmp_path)
    (tmp_path / "old.json").write_text('{"as_of": "2024-11-21"}', encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "nowhere"), "--as-of", "2024-12-02",
                                       "--previous", str(tmp_path / "old.json")])
    assert result.exit_code == 2, result.output
    assert f"文件 {tmp_path / 'old.json'}：以前的计划文件不是 compliance plan 写出的 plan.json" in result.output
    run(paths, roster, tmp_path / "一", "2024-11-21", "--format", "json")
    result = CliRunner().invoke(main, ["plan", str(paths[0]), "--roster", str(roster), "--as-of", "2024-11-20",
                                       "--previous", str(tmp_path / "一" / "plan.json")])
    assert result.exit_code == 2, result.output
    assert "以前的计划的检查日 2024-11-21 在本次检查日 2024-11-20 之后" in result.output


def test_the_calendars_parse_with_vobject_too(tmp_path):
    paths, roster = district(tmp_path)
    run(paths, roster, tmp_path / "out", "2024-11-21", "--ics-kind", "both")
    calendar = vobject.readOne((tmp_path / "out" / "plan.ics").read_bytes().decode("utf-8"))
    events, todos = calendar.contents["vevent"], calendar.contents["vtodo"]
    assert len(events) == len(todos) > 0
    theme = next(e for e in events if e.uid.value == f"{THEME_DAY}-event@compliance")
    assert (theme.dtstart.value, theme.dtend.value, theme.transp.value) == (
        date(2024, 11, 30), date(2024, 12, 1), "TRANSPARENT")
    assert [str(a.trigger.value) for a in theme.contents["valarm"]] == ["-3 days, 9:00:00", "-1 day, 9:00:00"]
