"""``compliance plan`` outputs: the plan as text, ``plan.json``, ``plan.xlsx`` (a sheet a secretary prints) and
calendars — ``plan.ics`` for all and ``orgs/<name>.ics`` per organisation (RFC 5545). Per item an all-day VEVENT on
its deadline, which every calendar program shows (Outlook and Google Calendar import no to-do from a file, khal shows
none, calcurse drops their dates), or a VTODO due then, or both; reminders at 09:00 the day before, ``remind`` days
before and, for terms, 6 months and 1 month before. UIDs are stable across runs, so that re-importing updates
instead of duplicating. A branch's calendar holds only its own items, as its page does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from compliance.findings.plan import PlanItem

STATUS = {"due": "待完成", "upcoming": "即将开始", "term": "即将到期"}


def status_text(item: PlanItem) -> str:
    """待完成 (open now), 即将开始 (a period opening within the horizon), 即将到期 (a term running out)."""
    return STATUS["term"] if item.notices else STATUS[item.status]


FILES = ("plan.json", "plan.xlsx", "plan.ics", "orgs")
HEADER = ("截止日期", "剩余天数", "状态", "组织", "领导干部", "规则", "规则编号", "期间", "已完成", "要求")


def text(items: list[PlanItem], as_of, days: int) -> str:
    lines = [f"接下来 {days} 天要做的事（检查日 {as_of}）："]
    for item in items:
        who = f" {item.person}" if item.person else ""
        lines.append(f"  截止 {item.deadline}（还有 {item.days_left} 天） {status_text(item)}  {item.org}{who}  "
                     f"{item.title}（{item.rule} {item.period}） 已完成 {item.done}/{item.required}")
    if not items:
        lines.append("  没有待完成或即将开始的事项。")
    return "\n".join(lines) + "\n"


def document(items: list[PlanItem], as_of, days: int) -> dict:
    return {"as_of": as_of.isoformat(), "days": days, "items": [item.as_dict() for item in items]}


def write_json(items: list[PlanItem], as_of, days: int, out: Path) -> Path:
    path = out / "plan.json"
    path.write_text(json.dumps(document(items, as_of, days), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def write_xlsx(items: list[PlanItem], as_of, out: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from compliance.render.printing import print_setup
    from compliance.render.xlsx import save

    book = Workbook()
    sheet = book.active
    sheet.title = "待办事项"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in items:
        sheet.append([item.deadline, item.days_left, status_text(item), item.org, item.person,
                      item.title, item.rule, item.period, item.done, item.required])
        sheet.cell(row=sheet.max_row, column=1).number_format = "yyyy-mm-dd"  # a date Excel sorts and filters
    for letter, width in zip("ABCDEFGHIJ", (12, 9, 9, 22, 10, 36, 28, 11, 8, 6), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:J{max(len(items) + 1, 1)}"
    print_setup(sheet, "1:1")
    path = out / "plan.xlsx"
    save(book, path, datetime(as_of.year, as_of.month, as_of.day))
    return path


WORK_HOUR = 9  # reminders ring at 09:00, not at midnight


def _sequence(as_of) -> int:
    """The as-of date as a number and a digit, 202411210: a later plan's revision is always higher (the last digit
    leaves room for a revision on the same day)."""
    return (as_of.year * 10000 + as_of.month * 100 + as_of.day) * 10


def _trigger(days: int) -> timedelta:
    """09:00 ``days`` days before the deadline's day, from the start of that day: -PT15H the day before,
    -P6DT15H a week before, PT9H on the day."""
    return timedelta(days=-days, hours=WORK_HOUR)


def _alarms(item: PlanItem, as_of, remind: int, related_end: bool) -> list:
    """The day before, ``remind`` days before and a term's notices, earliest first; none that would have rung
    before the as-of date (a calendar would show them all at once as missed)."""
    from icalendar import Alarm

    who = f" {item.person}" if item.person else ""
    alarms = []
    for before in sorted({1, remind, *item.notices}, reverse=True):
        if item.deadline - timedelta(days=before) < as_of:
            continue
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        when = {0: "今天截止", 1: "明天截止"}.get(before, f"{before} 天后截止")
        alarm.add("description", f"{item.title}：{item.org}{who}，{when}")
        alarm.add("trigger", _trigger(before), parameters={"RELATED": "END"} if related_end else None)
        alarms.append(alarm)
    return alarms


def _describe(component, item: PlanItem) -> None:
    who = f" {item.person}" if item.person else ""
    component.add("summary", f"{item.title}：{item.org}{who}（{item.period}）")
    component.add("description", f"{status_text(item)}；已完成 {item.done} 次，要求 {item.required} 次；"
                                 f"规则 {item.rule}；截止 {item.deadline}")


def calendar(items: list[PlanItem], as_of, remind: int, name: str, kind: str = "event") -> bytes:
    """One VCALENDAR: per item an all-day VEVENT on its deadline, a VTODO due then, or both (``kind``), with
    reminders at 09:00 the day before, ``remind`` days before and, for terms, 6 months and 1 month before (those
    still to come on the as-of date). DTSTAMP and SEQUENCE come from the as-of date, so the same inputs give the
    same bytes."""
    from icalendar import Calendar, Event, Todo

    cal = Calendar()
    cal.add("prodid", "-//compliance//党建活动台账检查//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    for item in items:
        if kind in ("event", "both"):
            event = Event()
            event.add("uid", item.event_uid)
            event.add("dtstamp", stamp)
            event.add("sequence", _sequence(as_of))
            event.add("dtstart", item.deadline)
            event.add("dtend", item.deadline + timedelta(days=1))
            event.add("transp", "TRANSPARENT")  # a deadline, not time taken: free/busy stays free
            _describe(event, item)
            event.add("status", "CONFIRMED")
            for alarm in _alarms(item, as_of, remind, related_end=False):
                event.add_component(alarm)
            cal.add_component(event)
        if kind in ("todo", "both"):
            todo = Todo()
            todo.add("uid", item.uid)
            todo.add("dtstamp", stamp)
            todo.add("sequence", _sequence(as_of))
            todo.add("due", item.deadline)
            _describe(todo, item)
            todo.add("status", "NEEDS-ACTION")
            for alarm in _alarms(item, as_of, remind, related_end=True):  # before DUE
                todo.add_component(alarm)
            cal.add_component(todo)
    return cal.to_ical()


def write_calendars(items: list[PlanItem], as_of, remind: int, out: Path, orgs: list[str],
                    kind: str = "event") -> list[Path]:
    from compliance.render.html import safe_filename

    paths = [out / "plan.ics"]
    paths[0].write_bytes(calendar(items, as_of, remind, "党建活动待办事项", kind))
    folder = out / "orgs"
    folder.mkdir(exist_ok=True)
    taken: set[str] = set()
    for org in orgs:  # roster order: the same names every run
        stem = safe_filename(org, taken)
        own = [item for item in items if item.org == org]
        if own:
            path = folder / f"{stem}.ics"
            path.write_bytes(calendar(own, as_of, remind, f"{org} 待办事项", kind))
            paths.append(path)
    return paths
