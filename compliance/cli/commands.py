"""The ``compliance`` command: a thin click layer over compliance.pipeline.

Commands parse options, call one library function and turn ``InputError`` into a Chinese message with exit
code 2; click's own help and usage errors are in Chinese too (compliance.cli.chinese). Heavy modules
(pandas, the engine, great-expectations) are imported inside the commands so that ``compliance --help``
answers at once.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from datetime import date
from pathlib import Path

import click

from compliance import __version__
from compliance.cli.chinese import ChineseChoice, ChineseGroup, ChineseOption, ChinesePath, option, show_error
from compliance.errors import InputError


class UserError(click.ClickException):
    """A domain error shown as “错误：…” with exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        """“错误：…” on standard error, with the 常见问题 entry that explains it (``show_error``)."""
        show_error(self.format_message())


def _as_of(ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    # A date parse_as_of accepts is the standard library's ISO date: read it so, without importing the engine
    # (numpy, ~65 ms) before the command starts the gate's helper — which then has that much longer to import
    # great-expectations before the gate asks it. Anything else goes through parse_as_of for its message.
    if _ISO_DAY.fullmatch(value):
        with contextlib.suppress(ValueError):  # (2024-02-30: parse_as_of says why)
            return date.fromisoformat(value)
    from compliance.engine.periods import parse_as_of

    try:
        return parse_as_of(value)
    except InputError as exc:
        raise click.BadParameter(exc.message) from None


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def rules_option(function):
    """``--rules``: the rules file (the packaged rules.yaml when not given)."""
    return option(
        "--rules",
        "rules",
        type=ChinesePath(dir_okay=False, path_type=Path),
        default=None,
        help="规则文件（默认：内置 rules.yaml）。",
    )(function)


@click.group("compliance", cls=ChineseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="compliance", message="%(prog)s %(version)s",
                      help="显示版本并退出。", cls=ChineseOption)
def main() -> None:
    """检查党组织活动台账是否符合党建制度规定。

    \b
    例：
      compliance check fixtures/demo/ledgers --roster fixtures/demo/roster --as-of 2024-12-31
      compliance rules
    """


def roster_option(function):
    """``--roster``: the roster workbook or folder."""
    return option(
        "--roster", type=ChinesePath(path_type=Path), default=None,
        help="名册：含“组织”“领导干部”两个工作表的 xlsx，或含 组织.csv、领导干部.csv 的文件夹。"
             "不提供时组织取自台账本身（支部自查用），没有记录的组织无法发现。",
    )(function)


def org_option(function):
    """``--org`` (repeatable): check only these organisations and what is below them."""
    return option(
        "--org", "orgs", multiple=True, metavar="NAME",
        help="检查范围：只检查该组织及其下级组织（名册中的名称或别名，可重复给出）；范围以外的组织不出现在任何输出中。"
             "一个支部用全区名册自查时用。",
    )(function)


def limit_option(function):
    """``--limit NAME=VALUE`` (repeatable): raise or lower a resource limit; its help lists the defaults."""
    from compliance.config.limits import Limits  # the standard library only: --help stays instant

    default = Limits()
    return option(
        "--limit", "limits", multiple=True, metavar="NAME=VALUE",
        help="放宽或收紧读取上限，可多次给出（防止损坏或恶意的文件耗尽内存）："
             f"size=文件大小 MB（工作簿按解压后，默认 {default.size_mb}）、rows=每表行数（默认 {default.rows}）、"
             f"columns=每表列数（默认 {default.columns}）、cells=工作表已用区域的单元格数（默认 {default.cells}）、"
             f"cell-chars=单元格字符数（默认 {default.cell_chars}）。",
    )(function)


def _limits(items):
    from compliance.config.limits import Limits

    try:
        return Limits.parse(items)
    except InputError as exc:
        raise click.BadParameter(exc.message, param_hint="--limit") from None


def layout_option(function):
    """``--layout``: the layout file for ledgers whose headers cannot be read unaided."""
    return option(
        "--layout", type=ChinesePath(dir_okay=False, path_type=Path), default=None,
        help="格式文件（YAML）：为列名无法自动识别的台账逐个说明表头行和各列含义。",
    )(function)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=ChinesePath(path_type=Path))
@roster_option
@rules_option
@layout_option
@option("--as-of", "as_of", callback=_as_of, metavar="YYYY-MM-DD", help="检查日（默认：今天）。")
@option("--period", metavar="2024|2024-01..2024-06", help="检查期间，按整月（默认：检查日所在年度）。")
@option("--out", type=ChinesePath(file_okay=False, path_type=Path), default=Path("reports"),
        show_default=True, help="报告输出文件夹。")
@option("--format", "formats", default="json,html,xlsx", show_default=True, metavar="FORMATS",
        help="输出格式，可用逗号分隔多个：json、html、xlsx（问题清单 findings.xlsx）、"
             "junit（findings.xml）、sarif（findings.sarif）、"
             "github（GitHub Actions 注释，输出到标准输出）、text（文字清单，输出到标准输出）。")
@option("--fail-on", type=ChineseChoice(["error", "warning", "none"]), default="error", show_default=True,
        help="达到该严重程度的违规时以退出码 1 结束。")
@option("--fail-on-due", is_flag=True, help="待完成（本期尚未结束、还没达到要求）的项目也算失败。")
@option("--waivers", type=ChinesePath(dir_okay=False, path_type=Path), default=None,
        help="豁免文件（YAML）：经批准的例外，写明规则、组织、月份、理由和批准单位。")
@option("--baseline", type=ChinesePath(dir_okay=False, path_type=Path), default=None,
        help="基线：以前一次检查写出的 findings.json，每项问题标为新增或已知，并列出已整改的问题。")
@option("--fail-on-new", is_flag=True, help="只有新增（基线中没有）的问题才算失败；需要 --baseline。")
@option("--engine", type=ChineseChoice(["local", "dask"]), default="local", show_default=True,
        help="规则在哪里运行：local 本机；dask 按组织树分区后在 dask.distributed 集群上运行（结果相同）。")
@option("--scheduler", metavar="ADDRESS",
        help="dask 调度器地址（如 tcp://10.0.0.5:8786）；不提供时在本机启动临时集群。需要 --engine dask。")
@option("--quiet", "-q", is_flag=True,
        help="不显示进度条和用时（进度条只在终端中显示，CI 和管道中本来就不显示）。")
@org_option
@limit_option
def check(paths, roster, rules, layout, as_of, period, out, formats, fail_on, fail_on_due, waivers, baseline,
          fail_on_new, engine, scheduler, quiet, orgs, limits) -> None:
    """检查台账并写出报告（findings.json、index.html 和每个组织的页面、问题清单 findings.xlsx）。

    PATHS 是台账文件或文件夹（递归查找 .csv、.xlsx、.xlsm、.xls、.ods）。

    \b
    例：
      compliance check fixtures/demo/ledgers --roster fixtures/demo/roster --as-of 2024-11-15
      compliance check 台账/ --roster 名册.xlsx --period 2024-01..2024-06 --fail-on warning

    退出码：0 没有达到 --fail-on 级别的违规；1 有；2 输入或用法错误。
    """
    _gate_helper(paths)
    from compliance.engine.periods import parse_period
    from compliance.pipeline import run_check
    from compliance.progress import Progress
    from compliance.render import FORMATS, STREAMS
    from compliance.render.staging import staged

    chosen = list(dict.fromkeys(f.strip() for f in formats.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"未知的格式 {'、'.join(unknown) or '（空）'}，可选：{'、'.join(FORMATS)}",
                                 param_hint="--format")
    if fail_on_new and baseline is None:
        raise click.BadParameter("--fail-on-new 需要同时给出 --baseline（以前一次的 findings.json）",
                                 param_hint="--fail-on-new")
    if scheduler and engine != "dask":
        raise click.BadParameter("--scheduler 需要同时给出 --engine dask", param_hint="--scheduler")
    limits = _limits(limits)
    progress = Progress.for_terminal(quiet)
    say = _say_for(chosen)
    try:
        audit = parse_period(period) if period else None
        result = run_check(paths, roster, rules=rules, as_of=as_of, audit=audit, layout=layout, waivers=waivers,
                           baseline=baseline, progress=progress, engine=engine, scheduler=scheduler,
                           limits=limits, scope=orgs)
        with staged(out) as stage:  # all reports appear at once, or the previous ones stay
            for name in chosen:
                with progress.stage(name):
                    if name in STREAMS:
                        text = FORMATS[name].text(result)
                        click.echo(text if name == "github" else say(text), nl=False)
                    else:
                        FORMATS[name].render(result, stage)
    except InputError as exc:
        raise UserError(say(str(exc)).removesuffix("\n")) from None
    except OSError as exc:
        from compliance.render.staging import write_error

        raise UserError(say(write_error(exc, out)).removesuffix("\n")) from None
    _summary(result, out, [name for name in chosen if name not in STREAMS], say)
    if not quiet:
        click.echo(progress.summary(), err=True)
    if engine == "local":
        _exit_quickly.append(True)
    sys.exit(result.exit_code(fail_on, fail_on_due=fail_on_due, fail_on_new=fail_on_new))


def run() -> None:
    """The command line as a process (``python -m compliance``, the installed ``compliance``): ``main``; then,
    after a check, validate or plan, an exit that leaves what the command built to the operating system. A
    province's check holds a gigabyte in millions of Python objects: freeing them one by one at exit took 0.2 s
    (quiet) to 0.5 s (loaded machine), and none of it needs an orderly end — the reports are written and closed,
    standard output and error are flushed here, and the gate's helper is ended here. Not after ``--engine dask``
    (its cluster ends in exit handlers), nor after an error (its traceback or message goes the usual way)."""
    try:
        main()
    except SystemExit as exc:
        if not _exit_quickly or not (exc.code is None or isinstance(exc.code, int)):
            raise
        code = exc.code or 0
    else:
        return
    from compliance.intake.expectations import stop_helper

    stop_helper()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # (a reader gone, a stream closed: nothing more to say)
            stream.flush()
    os._exit(code)


_exit_quickly: list[bool] = []  # a command that may end with ``run``'s quick exit says so here


def _gate_helper(paths) -> None:
    """Before anything heavy is imported: have great-expectations imported in a helper process while the ledgers
    are read, when they are large enough for that to pay (``compliance.intake.expectations``; standard library
    only, so this costs nothing when they are not)."""
    from compliance.intake.expectations import start_helper

    start_helper(paths)


def _say_for(formats: list[str]):
    """What the check prints besides its formats: as it is, or — in a run that writes GitHub workflow commands, or
    any run in a GitHub step, whose log the runner parses — every line made a plain log line (ledger text and file
    names in a summary line or a message must not become a command)."""
    if "github" not in formats and not _in_github():
        return lambda text: text
    from compliance.render.github import guard

    return guard


def _summary(result, out: Path, files: list[str], say=lambda text: text) -> None:
    from compliance.render.text import summary_lines

    lines = summary_lines(result)
    if files:
        lines.append(f"报告（{'、'.join(files)}）已写入 {out}/")
    click.echo(say("\n".join(lines) + "\n"), nl=False)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=ChinesePath(path_type=Path))
@roster_option
@rules_option
@layout_option
@option("--as-of", "as_of", callback=_as_of, metavar="YYYY-MM-DD",
        help="检查日，晚于它的记录会被提醒（默认：今天）。")
@option("--format", "form", type=ChineseChoice(["text", "json"]), default="text", show_default=True,
        help="输出到标准输出的格式。")
@org_option
@limit_option
def validate(paths, roster, rules, layout, as_of, form, orgs, limits) -> None:
    """只做数据质量检查（上传台账时用）：逐行列出无法使用的行和可疑的值。

    PATHS 是台账文件或文件夹。每个文件都核对：读取行 = 接受 + 拒收 + 空行 + 跳过（标题行、填写说明、不是活动记录的表）。

    \b
    例：
      compliance validate fixtures/demo/ledgers --roster fixtures/demo/roster
      compliance validate 上传/第一中学.xlsx --roster 名册.xlsx --format json

    退出码：0 所有行都可用；1 有被拒收的行；2 文件无法读取或用法错误。
    """
    _gate_helper(paths)
    import json

    from compliance.engine.kinds import load_catalogue
    from compliance.pipeline import take_in
    from compliance.render.findings_json import validation_document

    as_of = as_of or date.today()
    limits = _limits(limits)
    try:
        intake = take_in(paths, roster, load_catalogue(rules), as_of, layout, limits=limits, scope=orgs)
    except InputError as exc:
        raise UserError(str(exc)) from None
    document = validation_document(intake, as_of)
    if form == "json":
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        _validation_text(document)
    _exit_quickly.append(True)
    sys.exit(intake.exit_code())


def _flat(text: str) -> str:
    """A header with a line break in it (“会议\n时间”), on one line."""
    return "⏎".join(text.split("\n"))


def _in_github() -> bool:
    """Running in a GitHub Actions step (or a runner that speaks its workflow commands, as Gitea's does)."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _say(line: str) -> None:
    """One line of validate's listing: a line break or a control character in a cell stays inside it (a CI log
    reads the listing line by line), and in a GitHub step no cell becomes a workflow command."""
    from compliance.render.common import one_line
    from compliance.render.github import log_line

    click.echo(log_line(line) if _in_github() else one_line(line))


def _validation_text(document: dict) -> None:
    from compliance.intake.kinds import READS, TableKind
    from compliance.render.text import place_text

    for source in document["inputs"]:
        skipped = f" + 跳过 {source['skipped']}" if source["skipped"] else ""
        _say(f"{source['source']}：读取 {source['read']} 行 = 接受 {source['accepted']} + "
                   f"拒收 {source['rejected']} + 空行 {source['blank']}{skipped}")
        for table in source["tables"]:
            where = f"工作表“{table['sheet']}”：" if table["sheet"] else ""
            if table["kind"] == TableKind.MINUTES:  # the sheet of a meeting's minutes is its place: 表格2, 正文
                where = f"{table['sheet']}："
            counts = table["kind"] == TableKind.COUNTS
            if (TableKind(table["kind"]) not in READS or (counts and not table["columns"])  # (a refused 统计表)
                    or (table["kind"] == TableKind.ATTENDANCE and "activities" not in table)):  # a sign-in sheet
                rows = sum(r["rows"] for r in table["skipped"])
                _say(f"  {where}{TableKind(table['kind']).chinese}（{table['why']}），跳过 {rows} 行")
                continue
            columns = "、".join(f"{_flat(h)}→{c}" if h != c else c for h, c in table["columns"].items())
            if table["kind"] == TableKind.MINUTES:  # a Word document's labels, not a header row
                _say(f"  {where}会议记录，读取的栏目：{columns}")
            elif table["kind"] == TableKind.ATTENDANCE:  # one row per member: the activities they make
                rows = table["accepted"]
                _say(f"  {where}签到名单，表头在第 {table['header_row']} 行（{columns}）：{rows} 行 → "
                     f"{table['activities']} 次活动")
            else:
                what = "统计表（按月的次数）" if counts else "活动台账"
                _say(f"  {where}{what}，表头在第 {table['header_row']} 行（{columns}）")
            for column, value in table["from_name"].items():
                _say(f"    {column}取自名称：{value}")
            for column, value in table["inferred"].items():
                _say(f"    {column}：{value}")
            for unused in table["unused"]:
                _say(f"    未使用“{_flat(unused['column'])}”：{_flat(unused['reason'])}")
            for rows in table["skipped"]:
                _say(f"    跳过第 {rows['at']} 行（{rows['rows']} 行）：{rows['reason']}")
        for skipped in source["skipped_sheets"]:
            if skipped["reason"] == "空表":
                _say(f"  已跳过工作表“{skipped['sheet']}”：{skipped['reason']}")
    for title, items in (("拒收", document["rejected"]), ("提醒", document["warnings"])):
        if items:
            rows = len({(i["source"], i["sheet"], i["row"]) for i in items})  # (a count table's row: several cells)
            many = f"（{len(items)} 处）" if title == "拒收" and rows < len(items) else ""
            _say(f"{title} {rows if title == '拒收' else len(items)} {'行' if title == '拒收' else '条'}{many}：")
            for item in items:
                value = f"（值：{item['value']}）" if item["value"] is not None else ""
                _say(f"  {place_text(item)}：{item['reason']}{value}")
    total = document["summary"]
    skipped = f" + 跳过 {total['skipped']}" if total["skipped"] else ""
    _say(
        f"合计 {len(document['inputs'])} 个文件：读取 {total['read']} 行 = 接受 {total['accepted']} + "
        f"拒收 {total['rejected']} + 空行 {total['blank']}{skipped}；提醒 {total['warnings']} 条。"
    )
    for note in document["notes"]:
        _say(f"注意：{note}")
    from compliance.manual import pointer

    reasons = [item["reason"] for item in document["rejected"] + document["warnings"]] + document["notes"]
    if explained := pointer(reasons):
        _say(explained)


@main.command()
@click.argument("out", type=ChinesePath(dir_okay=False, path_type=Path))
@option("--org", default=None, help="预先写好的组织名称（用于一个支部自己的台账）。")
@rules_option
def template(out, org, rules) -> None:
    """生成一份空白台账模板（xlsx）：规范表头、活动类型下拉列表、日期格式和填写说明。

    按模板填写的台账可直接通过 compliance validate。

    \b
    例：
      compliance template 台账模板.xlsx
      compliance template 一支部台账.xlsx --org 第一中学第一党支部
    """
    from compliance.engine.kinds import load_catalogue
    from compliance.render.ledger_template import write_template

    try:
        path = write_template(out, load_catalogue(rules), org)
    except InputError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"模板已写入 {path}")


PLAN_FORMATS = ("text", "json", "xlsx", "ics")
ICS_KINDS = ("event", "todo", "both")


def _between(value: int, low: int, high: int, name: str) -> int:
    if not low <= value <= high:
        raise click.BadParameter(f"应在 {low} 到 {high} 之间（实际为 {value}）", param_hint=name)
    return value


@main.command("plan")
@click.argument("paths", nargs=-1, required=True, type=ChinesePath(path_type=Path))
@roster_option
@rules_option
@layout_option
@option("--as-of", "as_of", callback=_as_of, metavar="YYYY-MM-DD", help="从哪一天看（默认：今天）。")
@option("--days", type=int, callback=lambda ctx, param, value: _between(value, 1, 3660, "--days"), default=45,
        show_default=True,
        help="列出截至检查日仍未完成的，以及此后多少天内开始的事项。")
@option("--format", "formats", default="text,json,xlsx,ics", show_default=True, metavar="FORMATS",
        help=f"输出格式，可多选，用逗号分隔：{'、'.join(PLAN_FORMATS)}（text 输出到标准输出）。")
@option("--remind", type=int, callback=lambda ctx, param, value: _between(value, 0, 365, "--remind"), default=7,
        show_default=True,
        help="日历另在截止前几天的 9:00 提醒（总在前一天 9:00 提醒；换届、培训等任期另在截止前 6 个月和 1 个月提醒）。")
@option("--ics-kind", "ics_kind", type=ChineseChoice(ICS_KINDS), default="event", show_default=True,
        help="日历中每项写成什么：event（截止日当天的全天日程，各种日历程序都显示）、todo（截止日到期的待办，"
             "Outlook、Google 日历、khal 不导入）或 both（两者都写）。")
@option("--previous", type=ChinesePath(dir_okay=False, path_type=Path), default=None, metavar="OLD/plan.json",
        help="以前一次写出的 plan.json：其中此后已完成的事项在日历中以同一 UID 再写一次，"
             "日程标为已取消、待办标为已完成，导入后随之关闭；也列在输出和 plan.json 的 closed 中。")
@option("--out", type=ChinesePath(file_okay=False, path_type=Path), default=Path("reports/plan"),
        show_default=True, help="plan.json、plan.xlsx、plan.ics 和 orgs/各组织.ics 写入的文件夹。")
@org_option
@limit_option
def plan(paths, roster, rules, layout, as_of, days, formats, remind, ics_kind, previous, out, orgs, limits) -> None:
    """接下来要做什么：每个组织、每名领导干部截至检查日仍未完成的事项，和此后 --days 天内开始的事项，
    按截止日期排列；并写出可导入手机或电脑日历的 .ics 文件（每项一个截止日当天的全天日程，9:00 提醒）。

    \b
    例：
      compliance plan fixtures/demo/ledgers --roster fixtures/demo/roster --as-of 2024-11-21
      compliance plan 台账 --roster 名册.xlsx --days 90 --format ics --out 日历
      compliance plan 台账 --roster 名册.xlsx --previous 上周/plan.json --out 本周
    """
    _gate_helper(paths)
    from compliance.findings.plan import load_previous, met_since, plan_items
    from compliance.pipeline import run_check
    from compliance.render import plan as plan_format
    from compliance.render.staging import staged, write_error

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in PLAN_FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"未知的格式 {'、'.join(unknown) or '（空）'}，可选：{'、'.join(PLAN_FORMATS)}",
                                 param_hint="--format")
    as_of = as_of or date.today()
    try:
        earlier = load_previous(previous, as_of) if previous is not None else None  # refused before any ledger is read
        result = run_check(paths, roster, rules=rules, as_of=as_of, layout=layout, limits=_limits(limits),
                           scope=orgs)
        items = plan_items(result, days)
        closed = met_since(result, earlier, items) if earlier is not None else []
        if "text" in chosen:
            click.echo(plan_format.text(items, as_of, days, closed, earlier.as_of if earlier else None), nl=False)
        files = [f for f in chosen if f != "text"]
        if files:
            with staged(out) as stage:
                if "json" in files:
                    plan_format.write_json(items, as_of, days, stage, closed)
                if "xlsx" in files:
                    plan_format.write_xlsx(items, as_of, stage)
                if "ics" in files:
                    plan_format.write_calendars(items, as_of, remind, stage, result.roster.names, ics_kind, closed)
            click.echo(f"计划（{'、'.join(files)}）已写入 {out}/")
    except InputError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(write_error(exc, out)) from None
    _exit_quickly.append(True)


@main.group("layout", cls=ChineseGroup)
def layout_group() -> None:
    """格式文件（--layout）：说明台账各列的含义。

    工具按表头的意思读懂各列（“所在党支部”“实际会议时间”“主持人姓名”……），通常不需要格式文件；
    读错或读不懂时，先生成一份草稿，改对后用 --layout 给出。

    \b
    例：
      compliance layout suggest 台账 --roster 名册.xlsx > layout.yaml
    """


@layout_group.command("suggest")
@click.argument("paths", nargs=-1, required=True, type=ChinesePath(path_type=Path))
@roster_option
@rules_option
@limit_option
def layout_suggest(paths, roster, rules, limits) -> None:
    """把工具对每个文件、工作表的理解写成格式文件草稿（输出到标准输出）。

    每一列都列出：用到的列写出对应的规范列，未用的列写 ~ 并注明理由。哪一项读错了，改那一行，
    再用 --layout 检查（PATHS 与生成时相同）。

    \b
    例：
      compliance layout suggest 台账 --roster 名册.xlsx > layout.yaml
      compliance check 台账 --roster 名册.xlsx --layout layout.yaml
    """
    from compliance.engine.kinds import load_catalogue
    from compliance.intake.suggest import suggest_layout

    try:
        text = suggest_layout(paths, roster, load_catalogue(rules), _limits(limits))
    except InputError as exc:
        raise UserError(str(exc)) from None
    click.echo(text, nl=False)


@main.command("rules")
@rules_option
def list_rules(rules) -> None:
    """列出规则目录：编号、标题、适用对象、周期和依据；未启用的选用规则也列出并注明。

    \b
    例：
      compliance rules
      compliance rules --rules 本区规则.yaml
    """
    from compliance.engine.kinds import load_catalogue

    try:
        catalogue = load_catalogue(rules)
    except InputError as exc:
        raise UserError(str(exc)) from None
    for rule in catalogue.model.rules:
        click.echo(f"{rule.id}  {rule.title}" + ("" if rule.enabled else "（未启用：规则文件中 enabled: false）"))
        click.echo(f"    适用：{rule.applies_to.describe()}；周期：{rule.period_text()}；"
                   f"严重程度：{rule.severity.chinese}")
        if rule.effective is not None or rule.match is not None:
            parts = ([f"施行：{rule.effective.describe()}"] if rule.effective else []) + \
                    ([f"条件：{rule.match.describe()}"] if rule.match else [])
            click.echo(f"    {'；'.join(parts)}")
        click.echo(f"    依据：{catalogue.source_text(rule)}")


@main.command("serve")
@option("--host", default="127.0.0.1", show_default=True,
        help="监听的地址。127.0.0.1 只有本机能打开；其他地址（如 0.0.0.0）必须同时给出 --token。")
@option("--port", type=int, default=8000, show_default=True, help="监听的端口。")
@roster_option
@rules_option
@layout_option
@option("--open", "open_browser", is_flag=True, help="启动后在浏览器中打开页面。")
@option("--token", envvar="COMPLIANCE_TOKEN", default=None, metavar="TOKEN",
        help="访问令牌：每个请求都要带上（请求头 Authorization: Bearer TOKEN，或在网页上登录一次）。"
             "建议用环境变量 COMPLIANCE_TOKEN 给出：写在命令行上的 --token，本机其他用户用 ps 就能看到。")
@option("--keep-minutes", type=int, callback=lambda ctx, param, value: _between(value, 1, 7 * 24 * 60,
                                                                                   "--keep-minutes"),
        default=60, show_default=True, help="检查结果保留多少分钟后删除（服务停止时全部删除）。")
@option("--workers", type=int, default=None, metavar="N",
        help="同时进行的检查数（默认：CPU 核数）；更多的请求排队等候。")
@option("--limit", "limits", multiple=True, metavar="NAME=VALUE",
        help="读取上限同 compliance check（size、rows、columns、cells、cell-chars），另有服务器自己的："
             "run=一次检查在磁盘上可占用的 MB（上传和解压合计，默认 512）、"
             "disk=全部保留的检查结果可占用的 MB（默认 4096，超出时先删最早完成且一分钟内无人查看的）、"
             "files=一次上传的文件数（含压缩包中的文件，默认 1000）。")
@option("--store", metavar="FILE|URL", default=None,
        help="全区的数据库：保存各单位每次提交的台账、检查结果和审计记录（SQLite 文件路径，或 postgresql+psycopg:// "
             "等数据库地址）。需要同时给出 --token（管理员令牌）和 --roster（全区名册）；各单位的链接用 "
             "compliance links 签发。")
@option("--keep-days", type=float, default=None, metavar="N",
        help="与 --store 一起用：上传的台账文件保存多少天后删除（检查结果一直保留）。默认一直保存。")
def serve(host, port, roster, rules, layout, open_browser, token, keep_minutes, workers, limits, store,
          keep_days) -> None:
    """启动网页：在浏览器里上传台账，直接看到红黄绿灯和问题清单；脚本可以调用 /api/check。

    有 --store 时是全区的服务器：各单位用自己的链接提交台账，管理员（--token）看全区的情况。

    \b
    例：
      compliance serve --roster 名册.xlsx --open
      COMPLIANCE_TOKEN=Zq8vK3mW1rT6yB0nH5sL compliance serve --host 0.0.0.0 --port 8080
      compliance serve --store 全区.db --roster 名册.xlsx --host 0.0.0.0 --port 8080 --keep-days 400
    """
    from compliance.serve.app import is_loopback

    if store is not None and not token:
        raise UserError("--store 需要同时给出 --token（或环境变量 COMPLIANCE_TOKEN）：它是管理员查看全区情况的令牌，"
                        "各单位用 compliance links 签发的链接提交。")
    if store is not None and roster is None:
        raise UserError("--store 需要同时给出 --roster：全区名册决定各单位的检查范围和“未提交”的单位。")
    if keep_days is not None and store is None:
        raise click.BadParameter("--keep-days 只和 --store 一起使用", param_hint="--keep-days")
    if keep_days is not None and not 0 < keep_days <= 36600:
        raise click.BadParameter(f"应在 0 到 36600 天之间（实际为 {keep_days:g}）", param_hint="--keep-days")

    if not is_loopback(host) and not token:
        raise UserError(f"--host {host} 会让其他电脑也能访问，而台账中有党员姓名：请同时给出 --token"
                        "（或环境变量 COMPLIANCE_TOKEN），每个请求都必须带上它。只在本机使用时请去掉 --host。")
    if token is not None and not re.fullmatch(r"[A-Za-z0-9._~+/=-]{16,}", token):
        raise click.BadParameter("令牌应为至少 16 个英文字母、数字或 ._~+/=- 符号（它要放进请求头）",
                                 param_hint="--token")
    if workers is not None:
        workers = _between(workers, 1, 64, "--workers")
    from compliance.serve.run import serve_forever

    try:
        from compliance.serve.limits import ServeLimits

        try:
            reading, own = ServeLimits.parse(limits)
        except InputError as exc:
            raise click.BadParameter(exc.message, param_hint="--limit") from None
        serve_forever(host=host, port=port, roster=roster, rules=rules, layout=layout, token=token,
                      keep_minutes=keep_minutes, workers=workers, limits=reading, serve=own,
                      open_browser=open_browser, store=store, keep_days=keep_days)
    except InputError as exc:
        raise UserError(str(exc)) from None


@main.command("links")
@option("--store", metavar="FILE|URL", required=True, help="全区的数据库（与 compliance serve --store 相同）。")
@option("--roster", type=ChinesePath(path_type=Path), required=True, help="全区名册（与 compliance serve 相同）。")
@option("--base-url", "base_url", required=True, metavar="URL",
        help="各单位打开的服务器地址，如 https://dangjian.example.edu.cn/。")
@org_option
@option("--rotate", is_flag=True, help="作废这些单位现有的链接，重新签发。")
@option("--revoke", is_flag=True, help="只作废这些单位现有的链接，不再签发。")
@option("--format", "form", type=ChineseChoice(["text", "json"]), default="text", show_default=True,
        help="输出格式：text 每行“组织 链接”；json 为 [{\"org\", \"url\", \"token\"}]。")
def links(store, roster, base_url, orgs, rotate, revoke, form) -> None:
    """给名册中的每个组织（或 --org 给出的组织）签发一个提交台账的专用链接。

    数据库中只保存令牌的哈希值：链接只在签发时显示一次，请当场发给各单位。已有链接的单位不重复签发
    （要换新链接用 --rotate）。

    \b
    例：
      compliance links --store 全区.db --roster 名册.xlsx --base-url https://dangjian.example.edu.cn/
      compliance links --store 全区.db --roster 名册.xlsx --base-url https://… --org 实验小学党总支 --rotate
    """
    import json

    from compliance.intake.roster import read_roster
    from compliance.intake.scope import resolve

    if rotate and revoke:
        raise click.BadParameter("--rotate 和 --revoke 只能选一个", param_hint="--revoke")
    if not re.match(r"https?://[^/\s]+", base_url):
        raise click.BadParameter("应为 http:// 或 https:// 开头的服务器地址", param_hint="--base-url")
    try:
        the_roster = read_roster(roster)
        names = list(resolve(tuple(orgs), the_roster).names) if orgs else the_roster.names
        if orgs:  # each named organisation itself, not what is below it (resolve refused any unknown one above)
            indices = [the_roster.resolve(o) for o in dict.fromkeys(orgs)]
            names = [the_roster.names[i] for i in indices if i is not None]
        from compliance.serve.store.names import open_store

        the_store = open_store(store)
        try:
            if revoke:
                done = the_store.revoke(names)
                for name in names:
                    click.echo(f"{name}：{'链接已作废' if name in done else '没有有效的链接'}")
                return
            issued, skipped = the_store.issue(names, rotate=rotate)
        finally:
            the_store.close()
    except InputError as exc:
        raise UserError(str(exc)) from None
    base = base_url.rstrip("/")
    items = [{"org": org, "url": f"{base}/u/{token}", "token": token} for org, token in issued]
    if form == "json":
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        for item in items:
            click.echo(f"{item['org']}\t{item['url']}")
    if skipped:
        click.echo(f"已有有效链接，未重新签发（要换新链接请加 --rotate）：{'、'.join(skipped)}", err=True)
