"""``compliance plan`` outputs: the plan as text, ``plan.json``, ``plan.xlsx`` (a sheet a secretary prints) and
calendars — ``plan.ics`` for all and ``orgs/<name>.ics`` per organisation (RFC 5545, one VTODO per item, DUE the
deadline, a VALARM ``remind`` days before and, for terms, 6 months and 1 month before; UIDs stable across runs, so
that re-importing updates instead of duplicating). A branch's calendar holds only its own items, as its page does.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
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


def calendar(items: list[PlanItem], as_of, remind: int, name: str) -> bytes:
    """One VCALENDAR of VTODOs; DTSTAMP is the as-of date, so the same inputs give the same bytes."""
    from icalendar import Alarm, Calendar, Todo

    cal = Calendar()
    cal.add("prodid", "-//compliance//党建活动台账检查//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = datetime(as_of.year, as_of.month, as_of.day)
    for item in items:
        todo = Todo()
        todo.add("uid", item.uid)
        todo.add("dtstamp", stamp)
        who = f" {item.person}" if item.person else ""
        todo.add("summary", f"{item.title}：{item.org}{who}（{item.period}）")
        todo.add("description", f"{status_text(item)}；已完成 {item.done} 次，要求 {item.required} 次；"
                                f"规则 {item.rule}；截止 {item.deadline}")
        todo.add("due", item.deadline)
        todo.add("status", "NEEDS-ACTION")
        for before in sorted({remind, *item.notices}, reverse=True):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{item.title}：{item.org}{who}，{before} 天后截止")
            alarm.add("trigger", timedelta(days=-before), parameters={"RELATED": "END"})  # before DUE
            todo.add_component(alarm)
        cal.add_component(todo)
    return cal.to_ical()


def write_calendars(items: list[PlanItem], as_of, remind: int, out: Path, orgs: list[str]) -> list[Path]:
    from compliance.render.html import safe_filename

    paths = [out / "plan.ics"]
    paths[0].write_bytes(calendar(items, as_of, remind, "党建活动待办事项"))
    folder = out / "orgs"
    folder.mkdir(exist_ok=True)
    taken: set[str] = set()
    for org in orgs:  # roster order: the same names every run
        stem = safe_filename(org, taken)
        own = [item for item in items if item.org == org]
        if own:
            path = folder / f"{stem}.ics"
            path.write_bytes(calendar(own, as_of, remind, f"{org} 待办事项"))
            paths.append(path)
    return paths
