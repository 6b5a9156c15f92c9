"""``compliance plan`` outputs: the plan as text, ``plan.json``, ``plan.xlsx`` (a sheet a secretary prints) and
calendars — ``plan.ics`` for all and ``orgs/<name>.ics`` per organisation (RFC 5545). Per item an all-day VEVENT on
its deadline, which every calendar program shows (Outlook and Google Calendar import no to-do from a file, khal shows
none, calcurse drops their dates), or a VTODO due then, or both; reminders at 09:00 the day before, ``remind`` days
before and, for terms, 6 months and 1 month before. UIDs are stable across runs, so that re-importing updates
instead of duplicating, and an item met since an earlier plan comes again under its UID, cancelled or completed.
A branch's calendar holds only its own items, as its page does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from compliance.findings.plan import PlanItem

STATUS = {"due": "待完成", "upcoming": "即将开始", "term": "即将到期", "met": "已完成"}


def status_text(item: PlanItem) -> str:
    """待完成 (open now), 即将开始 (a period opening within the horizon), 即将到期 (a term running out), 已完成 (met
    since an earlier plan)."""
    return STATUS["term"] if item.notices and item.status != "met" else STATUS[item.status]


FILES = ("plan.json", "plan.xlsx", "plan.ics", "orgs")
HEADER = ("截止日期", "剩余天数", "状态", "组织", "领导干部", "规则", "规则编号", "期间", "已完成", "要求")


def text(items: list[PlanItem], as_of, days: int, closed: Sequence[PlanItem] = (), since=None) -> str:
    """The plan for a terminal; with an earlier plan (its as-of date ``since``), the items of it met since."""
    lines = [f"接下来 {days} 天要做的事（检查日 {as_of}）："]
    for item in items:
        who = f" {item.person}" if item.person else ""
        lines.append(f"  截止 {item.deadline}（还有 {item.days_left} 天） {status_text(item)}  {item.org}{who}  "
                     f"{item.title}（{item.rule} {item.period}） 已完成 {item.done}/{item.required}")
    if not items:
        lines.append("  没有待完成或即将开始的事项。")
    if since is not None:
        lines.append(f"检查日 {since} 的计划中，此后已完成 {len(closed)} 项：")
        for item in closed:
            who = f" {item.person}" if item.person else ""
            lines.append(f"  截止 {item.deadline} 已完成  {item.org}{who}  {item.title}（{item.rule} {item.period}）"
                         f" 已完成 {item.done}/{item.required}")
    return "\n".join(lines) + "\n"


def document(items: list[PlanItem], as_of, days: int, closed: Sequence[PlanItem] = ()) -> dict:
    """plan.json: the open items, and those of an earlier plan met since (``closed``, status "met")."""
    return {"as_of": as_of.isoformat(), "days": days, "items": [item.as_dict() for item in items],
            "closed": [item.as_dict() for item in closed]}


def write_json(items: list[PlanItem], as_of, days: int, out: Path, closed: Sequence[PlanItem] = ()) -> Path:
    path = out / "plan.json"
    path.write_text(json.dumps(document(items, as_of, days, closed), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    return path


def write_xlsx(items: list[PlanItem], as_of, out: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from compliance.render.printing import print_setup
    from compliance.render.xlsx import save

    book = Workbook()
    sheet = book.worksheets[0]  # the new workbook's one sheet
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


def _sequence(as_of, closed: bool) -> int:
    """The as-of date as a number and a digit, 202411210 (open) or 202411211 (closed): a later plan's revision is
    always higher, and on the same day a closing is higher than the opening it closes."""
    return (as_of.year * 10000 + as_of.month * 100 + as_of.day) * 10 + int(closed)


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
        alarm.add("trigger", _trigger(before), parameters={"RELATED": "END"} if related_end else {})
        alarms.append(alarm)
    return alarms


def _describe(component, item: PlanItem, as_of, closed: bool) -> None:
    who = f" {item.person}" if item.person else ""
    summary = f"{item.title}：{item.org}{who}（{item.period}）"
    component.add("summary", f"已完成：{summary}" if closed else summary)
    state = f"截至 {as_of} 已完成" if closed else status_text(item)
    component.add("description", f"{state}；已完成 {item.done} 次，要求 {item.required} 次；"
                                 f"规则 {item.rule}；截止 {item.deadline}")


def calendar(items: list[PlanItem], as_of, remind: int, name: str, kind: str = "event",
             closed: Sequence[PlanItem] = ()) -> bytes:
    """One VCALENDAR: per item an all-day VEVENT on its deadline, a VTODO due then, or both (``kind``), with
    reminders at 09:00 the day before, ``remind`` days before and, for terms, 6 months and 1 month before (those
    still to come on the as-of date). Each item of ``closed`` (met since an earlier plan) comes again under its UID,
    CANCELLED (an event) or COMPLETED (a to-do), with a higher SEQUENCE and no reminder. DTSTAMP and SEQUENCE come
    from the as-of date, so the same inputs give the same bytes."""
    from icalendar import Calendar, Event, Todo

    cal = Calendar()
    cal.add("prodid", "-//compliance//党建活动台账检查//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)  # DTSTAMP and COMPLETED are UTC
    for item, done in [*((i, False) for i in items), *((i, True) for i in closed)]:
        if kind in ("event", "both"):
            event = Event()
            event.add("uid", item.event_uid)
            event.add("dtstamp", stamp)
            event.add("sequence", _sequence(as_of, done))
            event.add("dtstart", item.deadline)
            event.add("dtend", item.deadline + timedelta(days=1))
            event.add("transp", "TRANSPARENT")  # a deadline, not time taken: free/busy stays free
            _describe(event, item, as_of, done)
            event.add("status", "CANCELLED" if done else "CONFIRMED")
            for alarm in () if done else _alarms(item, as_of, remind, related_end=False):
                event.add_component(alarm)
            cal.add_component(event)
        if kind in ("todo", "both"):
            todo = Todo()
            todo.add("uid", item.uid)
            todo.add("dtstamp", stamp)
            todo.add("sequence", _sequence(as_of, done))
            todo.add("due", item.deadline)
            _describe(todo, item, as_of, done)
            if done:
                todo.add("status", "COMPLETED")
                todo.add("completed", stamp)
                todo.add("percent-complete", 100)
            else:
                todo.add("status", "NEEDS-ACTION")
            for alarm in () if done else _alarms(item, as_of, remind, related_end=True):  # before DUE
                todo.add_component(alarm)
            cal.add_component(todo)
    return cal.to_ical()


def write_calendars(items: list[PlanItem], as_of, remind: int, out: Path, orgs: list[str], kind: str = "event",
                    closed: Sequence[PlanItem] = ()) -> list[Path]:
    from compliance.render.html import safe_filename

    paths = [out / "plan.ics"]
    paths[0].write_bytes(calendar(items, as_of, remind, "党建活动待办事项", kind, closed))
    folder = out / "orgs"
    folder.mkdir(exist_ok=True)
    taken: set[str] = set()
    for org in orgs:  # roster order: the same names every run
        stem = safe_filename(org, taken)
        own = [item for item in items if item.org == org]
        own_closed = [item for item in closed if item.org == org]
        if own or own_closed:
            path = folder / f"{stem}.ics"
            path.write_bytes(calendar(own, as_of, remind, f"{org} 待办事项", kind, own_closed))
            paths.append(path)
    return paths
