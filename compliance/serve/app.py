"""``compliance serve``: the page a branch secretary drops her ledgers on, and the API upload portals post to.

A Starlette application on uvicorn. The event loop only receives uploads and serves files; every check runs in a
bounded pool of worker processes (``compliance.serve.worker``) started and warmed once, so a check of a branch's
ledgers costs what the pipeline costs, not the seconds of importing great-expectations. Requests beyond the pool
wait their turn (their page says 排队中 and refreshes itself); a slow upload is read chunk by chunk and holds no
worker.

Routes: ``GET /`` the form; ``POST /check`` the form's target (303 to the run); ``GET /runs/<id>/…`` a run's
reports; ``POST /api/check`` findings.json for scripts; ``GET /healthz``; ``GET|POST /login`` when a token is
required, ``POST /logout``; ``GET /help/…`` the user manual (使用说明), rendered from the package's Markdown,
offline. Every response carries a Content-Security-Policy naming the hashes of the templates' own inline scripts
and styles found on the page, and nothing is cached. Runs are private: unguessable ids, one folder each, deleted
after the keeping time and at shutdown; an API run is deleted as soon as it is answered.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import hmac
import html
import ipaddress
import itertools
import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from compliance import manual
from compliance.errors import InputError
from compliance.serve.sessions import Sessions, Throttle
from compliance.serve.store.names import UNIT_COOKIE, UNIT_KEY
from compliance.serve.upload import TooLarge, Upload, receive
from compliance.serve.worker import RENDERED, Job, Outcome, Settings, ready, start, work, written
from compliance.serve.workspace import ROSTER, Run, Runs
from compliance.text import visible_bidi

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only when --store is given
    from compliance.serve.store.routes import District

log = logging.getLogger("compliance.serve")

SESSION_COOKIE = "compliance_session"
OPEN_PATHS = {"/login", "/healthz"}  # answered without the token: the login form, and a probe that says nothing
_FAIL_ON = ("error", "warning", "none")


@dataclass(frozen=True)
class Options:
    """How the server was started (``compliance serve``'s options)."""

    settings: Settings
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    keep_minutes: float = 60
    workers: int = 2
    roster_note: str = ""  # what the page says about the roster given at start
    org_names: tuple[str, ...] = ()  # the roster's names and aliases, offered in the page's 检查范围 field
    on_ready: Callable[[], None] | None = None
    wait_seconds: float = 5.0  # how long POST /check waits for the check before showing the 排队中 page
    parent: str | None = None  # where the private root folder of the runs is made (default: the system's temp)
    viewing_seconds: float = 60  # a run viewed this recently is never deleted to make room (--limit disk)
    session_minutes: float = 12 * 60  # how long a login lasts
    district: District | None = None  # with --store: the units, submissions and the index


def is_loopback(host: str) -> bool:
    """Is ``host`` this machine only (localhost, 127.0.0.0/8, ::1)?"""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- the content security policy -----------------------------------------------------------------------------------

_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
BASE_POLICY = "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


PAGES = {"compliance.serve": ["upload.html.j2", "login.html.j2", "message.html.j2", "wait.html.j2", "bar.html.j2",
                             "help.html.j2", "district.html.j2", "unit.html.j2", "submission_bar.html.j2"],
         "compliance.render": ["index.html.j2", "org.html.j2"]}


@functools.cache
def own_code() -> frozenset[str]:
    """The hashes of the inline scripts and style blocks the page templates themselves hold — this server's and the
    reports' — rendered once with nothing filled in. They are constant: no template writes a value into a script
    or a style block, so whatever else a page holds there did not come from a template and gets no hash."""
    from compliance.render.html import _environment as report_environment

    found = set()
    for environment, names in ((templates(), PAGES["compliance.serve"]),
                               (report_environment(), PAGES["compliance.render"])):
        blank = environment.overlay(undefined=ChainableUndefined)
        for name in names:
            text = blank.get_template(name).render(pages={})  # (a mapping the help page iterates)
            found |= {_sha(code) for code in _SCRIPT.findall(text) + _STYLE.findall(text)}
    return frozenset(found)


def policy_for(page: str, images: str = "data:") -> str:
    """A policy that lets this page's inline scripts and style blocks run only where they are the templates' own
    (by their hashes), and its style attributes (which carry indentation, computed; 'unsafe-hashes' covers
    attributes only) — nothing from anywhere else (images: ``images``). A script that escaped escaping would
    not run."""
    own = own_code()
    scripts = sorted({_sha(s) for s in _SCRIPT.findall(page)} & own)
    styles = sorted({_sha(s) for s in _STYLE.findall(page)} & own)
    attributes = sorted({_sha(html.unescape(s)) for s in _STYLE_ATTRIBUTE.findall(page)})
    style = " ".join(styles + (["'unsafe-hashes'", *attributes] if attributes else [])) or "'none'"
    return (f"{BASE_POLICY}; script-src {' '.join(scripts) or chr(39) + 'none' + chr(39)}; style-src {style}; "
            f"img-src {images}")


@functools.cache
def templates() -> Environment:
    """The server's jinja2 templates (``compliance/serve/templates``), autoescaped."""
    return Environment(loader=PackageLoader("compliance.serve", "templates"),
                       autoescape=select_autoescape(["html", "j2"]), keep_trailing_newline=True)


def page(text: str, status: int = 200, headers: dict | None = None, images: str = "data:") -> HTMLResponse:
    """An HTML answer with its policy. Every bidirectional control on it — they come only from ledgers and file
    names: no template holds one — is shown as its code point, so ``‮lmth.exe支部`` cannot pose as another name."""
    text = visible_bidi(text)
    response = HTMLResponse(text, status_code=status, headers=headers)
    response.headers["Content-Security-Policy"] = policy_for(text, images)
    return response


# --- the guard: token, host, origin, headers ---------------------------------------------------------------------


class Guard:
    """Pure ASGI middleware: every request carries the token when one is set (header ``Authorization: Bearer``,
    ``X-Compliance-Token``, or the login cookie); on loopback without a token, only loopback Host names are
    answered (a page elsewhere cannot rebind a name to 127.0.0.1 and read members' names); a form posted from
    another origin is refused; every response gets the security headers."""

    def __init__(self, app, service: Service):
        self.app = app
        self.service = service

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        service = self.service
        headers = Headers(scope=scope)
        refusal = service.refusal(scope, headers)
        if refusal is not None:
            _log_refusal(scope, refusal.status_code)
            return await _secured(refusal)(scope, receive, send)

        started = False

        async def secured_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                _add_headers(MutableHeaders(scope=message))
                if message["status"] >= 400 and message["status"] != 500 and not scope.get("compliance.gone"):
                    _log_refusal(scope, message["status"])
            await send(message)

        try:
            await self.app(scope, receive, secured_send)
        except asyncio.CancelledError:  # the server is stopping with this request still arriving: said, not traced
            if not started:
                stopping = "服务正在停止，请稍后重新上传"
                answer = (JSONResponse({"error": stopping, "exit_code": 2}, 503) if scope["path"].startswith("/api/")
                          else plain_text(stopping, 503))
                await _secured(answer)(scope, receive, send)
        except Exception as exc:  # a bug: its traceback logged once, the answer secured like every other
            log.error("internal error on %s %s", scope["method"], _shown_path(scope), exc_info=exc)
            if not started:
                await _secured(internal_error(scope, service))(scope, receive, send)


def _shown_path(scope) -> str:
    return repr(scope["path"])[1:-1]  # a NUL or a line break in a path cannot forge a log line


def _log_refusal(scope, status: int) -> None:
    client = scope.get("client") or ("?", 0)
    log.warning("%d %s %s from %s", status, scope["method"], _shown_path(scope), client[0])


def _add_headers(headers: MutableHeaders) -> None:
    headers.setdefault("Content-Security-Policy", f"{BASE_POLICY}; sandbox")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")  # the run ids in URLs never leave; own forms show Origin
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cache-Control", "no-store")


def _secured(response: Response) -> Response:
    _add_headers(response.headers)
    return response


# --- the service ------------------------------------------------------------------------------------------------------


class Service:
    """The runs, the worker pool and the pages of one server."""

    def __init__(self, options: Options):
        self.options = options
        self.runs = Runs(options.keep_minutes * 60, options.parent)
        self.pool: ProcessPoolExecutor | None = None
        self.slots = asyncio.Semaphore(options.workers)
        self.waiting: list[str] = []
        self.tasks: set[asyncio.Task] = set()
        self.templates = templates()
        self.templates.globals.update(question_for=manual.question_for, help_href=manual.SECRETARY)
        hosts = {"localhost", "127.0.0.1", "[::1]", options.host if ":" not in options.host else f"[{options.host}]"}
        self.hosts = hosts if options.token is None and is_loopback(options.host) else None
        self.sessions = Sessions(options.session_minutes * 60)
        self.throttle = Throttle()
        self.district = options.district

    # the pool

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.options.workers, mp_context=get_context("spawn"), initializer=start,
                                   initargs=(self.options.settings, str(self.runs.root)))

    async def start(self) -> None:
        """Start every worker and wait until each has loaded everything and run its warming check."""
        self.pool = self._new_pool()
        self.loop = loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.pool, ready) for _ in range(self.options.workers)))
        self.sweeper = asyncio.create_task(self._sweep_forever())

    async def stop(self) -> None:
        """Stop the sweeper and the workers (runs still queued are cancelled) and delete the run folders."""
        if getattr(self, "sweeper", None):
            self.sweeper.cancel()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.runs.close()
        if self.district is not None:
            self.district.store.close()

    async def _sweep_forever(self) -> None:
        period = max(0.2, min(60.0, self.runs.keep_seconds / 4))
        while True:
            await asyncio.sleep(period)
            self.runs.sweep()
            if self.district is not None and self.district.keep_days is not None:
                await asyncio.to_thread(self.district.expire)

    async def check(self, run: Run, job: Job) -> Outcome:
        """Run ``job`` when a worker is free; the run's state says where it is."""
        run.state = "queued"
        self.waiting.append(run.id)
        try:
            async with self.slots:
                self.waiting.remove(run.id)
                run.state = "running"
                outcome = await self._work(run, job)
                if run.unit is not None:
                    outcome = await self._submitted(run, outcome)
        finally:
            if run.id in self.waiting:
                self.waiting.remove(run.id)
            if run.unit is not None:
                from compliance.serve.store.routes import drop_uploads

                drop_uploads(run)
        run.outcome, run.state, run.finished = outcome, "done", time.monotonic()
        run.size, run.viewed = outcome.size, run.finished
        if outcome.error is not None:  # a refused check keeps its message only
            self.runs.empty(run)
        elif job.page and job.later:  # its index is there; its pages, workbook and zip follow
            counting = asyncio.create_task(self._count_when_rendered(run))
            self.tasks.add(counting)
            counting.add_done_callback(self.tasks.discard)
        else:
            run.complete = True
        self.room()
        return outcome

    async def _submitted(self, run: Run, outcome: Outcome) -> Outcome:
        """A unit's check, kept as its submission (one transaction) when it was not refused."""
        if outcome.error is not None:
            return outcome
        from compliance.serve.store.routes import record

        district, unit = self.district, run.unit
        assert district is not None and unit is not None  # a unit's run: there is one only with --store
        try:
            run.submission = await asyncio.to_thread(record, district, run, outcome, run.address)
        except Exception as exc:
            log.error("the submission of %s could not be stored", unit.org, exc_info=exc)
            return Outcome(2, error="检查已完成，但提交未能保存到数据库（已记录在服务器日志中）。请稍后重新提交。")
        return outcome

    async def _count_when_rendered(self, run: Run) -> None:
        """Once the worker has written a page run's organisation pages, workbook and zip: its size counted again
        (``--limit disk``), and the oldest runs deleted if they no longer fit."""
        marker = run.out / RENDERED
        while not marker.exists() and run.folder.exists():
            await asyncio.sleep(0.1)
        if run.folder.exists():
            run.size = sum(p.stat().st_size for p in run.folder.rglob("*") if p.is_file())
        run.complete = True  # after its size: whoever reads a complete run (another thread) reads its whole size
        if run.folder.exists():
            self.room()

    def room(self) -> bool:
        """Whether the kept runs fit ``--limit disk``, after deleting the oldest finished ones not viewed in the
        last minute."""
        return self.runs.make_room(self.options.settings.serve.disk_bytes, viewing=self.options.viewing_seconds)

    async def _work(self, run: Run, job: Job) -> Outcome:
        """The job in a worker. A worker that dies (killed, out of memory) breaks the whole pool and every check
        in it: a new pool is started once for all of them, and each is tried once more there — so only a check
        that kills a worker twice is refused."""
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self.pool
            try:
                return await loop.run_in_executor(pool, work, job)
            except BrokenProcessPool:
                log.error("a worker died during the check in %s (attempt %d)", run.folder, attempt)
                if self.pool is pool:
                    self.pool = self._new_pool()
                    if pool is not None:
                        pool.shutdown(wait=False, cancel_futures=True)
        return Outcome(2, error="检查进程两次意外退出（文件可能过大，或服务器内存不足）。请把台账分成几次检查，"
                                "或请管理员放宽服务器的内存。")

    def submit(self, run: Run, job: Job) -> asyncio.Task:
        """Start checking ``job`` into ``run`` in the pool; the task, kept until done."""
        task = asyncio.create_task(self.check(run, job))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        run.task = task
        return task

    # the guard's questions

    def refusal(self, scope, headers: Headers) -> Response | None:
        """The guard: the answer refusing this request (a host name not served, no token or session, a post from
        another site), or None to let it in."""
        if self.hosts is not None:
            host = headers.get("host", "")
            name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
            if name not in self.hosts:
                return plain_text(f"不接受主机名“{host}”：本服务只在本机（127.0.0.1）上使用", 400)
        token = self.options.token
        if token is not None and scope["path"] not in OPEN_PATHS and not (
                self.district is not None and scope["path"].startswith("/u/")):
            refusal = self._unauthorised(scope, headers, token)
            if refusal is not None:
                return refusal
        if scope["method"] == "POST" and "origin" in headers:  # a browser's post; scripts send no Origin
            origin = urlsplit(headers["origin"]).netloc  # "null" (a sandboxed frame, a file) has none
            if not origin or origin not in {headers.get("host"), headers.get("x-forwarded-host")}:
                if scope["path"].startswith("/api/"):
                    return JSONResponse({"error": "不接受来自其他网站的提交", "exit_code": 2}, 403)
                return plain_text("不接受来自其他网站的提交", 403)
        return None

    def _unauthorised(self, scope, headers: Headers, token: str) -> Response | None:
        """None when the request carries a live session cookie or the token (header ``Authorization: Bearer`` or
        ``X-Compliance-Token``); else 401, or 429 while its address has guessed wrong too often."""
        cookies = dict(c.strip().partition("=")[::2] for c in headers.get("cookie", "").split(";"))
        session = cookies.get(SESSION_COOKIE, "")
        if session and self.sessions.valid(session):
            return None
        scheme, _, value = headers.get("authorization", "").partition(" ")
        given = [g for g in (headers.get("x-compliance-token", ""), value.strip() if scheme.lower() == "bearer" else "")
                 if g]
        api = scope["path"].startswith("/api/")
        address = _address(scope)
        if self.district is not None and not given and cookies.get(UNIT_COOKIE):  # a unit's browser, by its link
            link = self.district.link(cookies[UNIT_COOKIE])
            if link is not None:
                scope[UNIT_KEY] = link
                return None
            # a link since revoked: said, and no guess counted (a school behind one address would be locked out)
            gone = "本单位的链接已作废，请向区里索取新的链接"
            answer = (JSONResponse({"error": gone}, 401) if api else
                      page(self.render("message.html.j2", title="链接已作废", message=gone, error=True), 401))
            answer.delete_cookie(UNIT_COOKIE, path="/", httponly=True, samesite="strict")
            return answer
        if given:
            wait = self.throttle.wait(address)
            if wait:
                return self.too_many(wait, api)
            if any([hmac.compare_digest(g.encode(), token.encode()) for g in given]):
                self.throttle.succeeded(address)
                return None
            if self.district is not None:  # a unit's token: the request is that unit's
                link = next((found for g in given if (found := self.district.link(g)) is not None), None)
                if link is not None:
                    self.throttle.succeeded(address)
                    scope[UNIT_KEY] = link
                    return None
            self.throttle.failed(address)
        if api:
            return JSONResponse({"error": "需要令牌：请在请求头中加上 Authorization: Bearer <令牌>"}, 401,
                                headers={"WWW-Authenticate": "Bearer"})
        return page(self.render("login.html.j2", message=""), 401, {"WWW-Authenticate": "Bearer"})

    def too_many(self, wait: int, api: bool) -> Response:
        """429 after too many wrong tokens, saying how long to wait (JSON for the API, the login page otherwise)."""
        message = f"令牌错误次数过多，请 {wait} 秒后再试"
        if api:
            return JSONResponse({"error": message}, 429, headers={"Retry-After": str(wait)})
        return page(self.render("login.html.j2", message=message), 429, {"Retry-After": str(wait)})

    # pages

    def render(self, name: str, **values) -> str:
        """A template of the server rendered with its options and ``values``."""
        values.setdefault("minutes", _minutes(self))
        return self.templates.get_template(name).render(options=self.options, **values)


def _address(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "?"


def plain_text(message: str, status: int) -> Response:
    """A one-line plain-text answer."""
    return Response(message + "\n", status, media_type="text/plain; charset=utf-8")


# --- turning a form into a job --------------------------------------------------------------------------------------


def job_for(run: Run, upload: Upload, page_run: bool) -> Job:
    """The job an upload asks for; InputError (with the command line's wording) for what cannot be checked."""
    from compliance.engine.periods import parse_as_of, parse_period

    fields = upload.fields
    as_of = date.today()
    if fields.get("as_of"):
        try:
            as_of = parse_as_of(fields["as_of"])
        except InputError as exc:
            raise InputError(f"检查日（as_of）：{exc.message}") from None
    fail_on = fields.get("fail_on") or "error"
    if fail_on not in _FAIL_ON:
        raise InputError(f"fail_on：“{fail_on}”不是可选值，可选：{'、'.join(_FAIL_ON)}")
    if not upload.files.get("ledgers"):
        raise InputError("请选择台账文件（ledgers；可以多选，或上传文件夹打成的 .zip）")
    if fields.get("period"):
        try:
            parse_period(fields["period"])  # refused here, before the upload waits for a worker
        except InputError as exc:
            raise InputError(f"检查期间（period）：{exc.message}") from None
    extra: dict[str, Any] = {}
    for name in ("layout", "waivers"):
        saved = upload.files.get(name, [])
        if len(saved) > 1:
            raise InputError(f"{name} 只能上传一个文件")
        extra[name] = str(saved[0][1].relative_to(run.folder)) if saved else None
    roster = ROSTER if upload.files.get("roster") else None
    return Job(str(run.folder), as_of, fields.get("period") or None, fail_on, roster, page=page_run,
               scope=tuple(upload.lists.get("org", ())), **extra)


class Refused(Exception):
    """An upload refused (the command line's message), with the form's fields to show again."""

    def __init__(self, error: InputError, fields: dict[str, str]):
        super().__init__(str(error))
        self.error, self.fields = error, fields
        self.status = 413 if isinstance(error, TooLarge) else 422


async def _receive(request: Request, run: Run, service: Service) -> Job:
    """The upload into ``run``'s folder and the job it asks for. Whatever stops it deletes the run: a refusal
    (raised as Refused), or a client that went away (answered to no one, and no traceback in the log)."""
    fields: dict[str, str] = {}
    try:
        upload = await receive(request.headers.get("content-type", ""), request.stream(), run,
                               service.options.settings.limits, service.options.settings.serve)
        fields = {**upload.fields, **({"org": upload.lists["org"][0]} if upload.lists.get("org") else {})}
        job = job_for(run, upload, run.kind == "page")
        if run.unit is not None:  # a unit's submission: its own scope, the district's roster, its files kept
            from dataclasses import replace

            from compliance.serve.store.routes import keep_uploads, unit_job

            # all its reports written before the worker answers: the submission is stored from them at once
            job = replace(unit_job(job, upload), scope=(run.unit.org,), page=True, later=False)
            run.uploads = keep_uploads(run, upload)
        return job
    except ClientDisconnect:
        service.runs.drop(run)
        request.scope["compliance.gone"] = True  # answered to no one: no refusal to log
        raise Refused(InputError("上传在完成之前中断了"), fields) from None
    except InputError as exc:
        service.runs.drop(run)
        raise Refused(exc, fields) from None
    except BaseException:
        service.runs.drop(run)
        raise


# --- routes -----------------------------------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    """GET /: the upload form, dated today."""
    service: Service = request.app.state.service
    if service.district is not None:  # a unit's own page, or the admin's district index
        from compliance.serve.store import routes

        if request.scope.get(UNIT_KEY) is not None:
            return await routes.unit_home(request)
        return await routes.district_index(request)
    return page(service.render("upload.html.j2", fields={"as_of": date.today().isoformat()}, message=""))


_NO_ROOM = "服务器上保存的检查结果已占满空间上限（--limit disk），请一两分钟后再试。"


async def submit(request: Request) -> Response:
    """POST /check: the form's upload checked in the pool; redirected to its run page (at once, or when done within
    a few seconds), or the form again with why it was refused."""
    service: Service = request.app.state.service
    if not service.room():
        return page(service.render("upload.html.j2", fields={"as_of": date.today().isoformat()}, message=_NO_ROOM),
                    503, {"Retry-After": "60"})
    run = _new_run(request, service, "page")
    try:
        job = await _receive(request, run, service)
    except Refused as refused:  # the form again, with the date and range as she gave them
        fields = {"as_of": date.today().isoformat(), **refused.fields}
        if run.unit is not None:
            from compliance.serve.store.routes import unit_home

            return await unit_home(request, str(refused), fields, refused.status)
        return page(service.render("upload.html.j2", fields=fields, message=str(refused)), refused.status)
    task = service.submit(run, job)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.shield(task), service.options.wait_seconds)
    return RedirectResponse(f"/runs/{run.id}/", status_code=303)


async def api_check(request: Request) -> Response:
    """POST /api/check: the upload checked; findings.json with the exit code in ``X-Compliance-Exit``, or a JSON
    error (exit code 2)."""
    service: Service = request.app.state.service
    if not service.room():
        return JSONResponse({"error": _NO_ROOM, "exit_code": 2}, 503,
                            headers={"X-Compliance-Exit": "2", "Retry-After": "60"})
    run = _new_run(request, service, "api")
    try:
        job = await _receive(request, run, service)
    except Refused as refused:
        return JSONResponse({"error": visible_bidi(str(refused)), "exit_code": 2}, refused.status,
                            headers={"X-Compliance-Exit": "2"})
    outcome = await service.submit(run, job)
    if outcome.error is not None:
        service.runs.drop(run)
        return JSONResponse({"error": visible_bidi(outcome.error), "exit_code": 2}, 422,
                            headers={"X-Compliance-Exit": "2"})
    if run.submission is not None:  # the findings and the submission's number (also in a header)
        body = (run.out / "findings.json").read_bytes()
        body = b'{\n"submission":%d,\n' % run.submission + body.removeprefix(b"{\n")
        service.runs.drop(run)
        return Response(body, media_type="application/json",
                        headers={"X-Compliance-Exit": str(outcome.exit_code),
                                 "X-Compliance-Submission": str(run.submission)})
    return FileResponse(run.out / "findings.json", media_type="application/json",
                        headers={"X-Compliance-Exit": str(outcome.exit_code)},
                        background=BackgroundTask(service.runs.drop, run))


def _new_run(request: Request, service: Service, kind: str) -> Run:
    """A new run; with a store, marked with the unit whose submission it is (None: the admin's plain check)."""
    run = service.runs.new(kind)
    run.unit = request.scope.get(UNIT_KEY)
    run.address = _address(request.scope)
    return run


async def run_page(request: Request) -> Response:
    """GET /runs/{run}/{path}: a file of a run's reports (index.html with the summary bar), a page to wait on while
    it runs, or why it failed."""
    service: Service = request.app.state.service
    run = service.runs.get(request.path_params["run"])
    if run is not None:
        run.viewed = time.monotonic()
    if run is not None and service.district is not None and run.unit != request.scope.get(UNIT_KEY) \
            and request.scope.get(UNIT_KEY) is not None:  # a unit sees its own runs only
        from compliance.serve.store.routes import forbidden

        return await forbidden(request, "其他单位的检查")
    if run is not None and run.state == "done" and run.submission is not None:
        return RedirectResponse(f"/submissions/{run.submission}/", status_code=303)
    if run is None or run.kind != "page":
        return page(service.render("message.html.j2", title="找不到这次检查",
                                   message=f"这次检查不存在或已过期删除（检查结果保留 {_minutes(service)} 分钟）。"
                                           "请重新上传台账。"), 404)
    if run.state != "done":
        ahead = service.waiting.index(run.id) if run.id in service.waiting else None
        return page(service.render("wait.html.j2", ahead=ahead))
    outcome = cast(Outcome, run.outcome)  # a finished run's
    if outcome.error is not None:
        return page(service.render("message.html.j2", title="无法检查", message=outcome.error, error=True), 422)
    wanted = request.path_params.get("path") or "index.html"
    if "\x00" in wanted:  # no file has one; resolving it would raise
        raise HTTPException(404)
    target = (run.out / wanted).resolve()
    if not target.is_relative_to(run.out.resolve()):
        raise HTTPException(404)
    if not await _written(run, target.relative_to(run.out.resolve()).as_posix()):  # a page, workbook, zip to come
        return page(service.render("wait.html.j2", ahead=None, rendering=True))
    if not target.is_file():
        raise HTTPException(404)
    if target.suffix == ".html":
        bar = service.render("bar.html.j2", outcome=outcome) if wanted == "index.html" else None
        return await asyncio.to_thread(_report_page, target, bar)
    return FileResponse(target, filename=target.name if target.suffix != ".json" else None,
                        content_disposition_type="attachment")


def _report_page(path: Path, bar: str | None) -> Response:
    """A page of a run's reports as sent: the index with the summary bar ``bar``, bidirectional controls shown, its
    policy. In a thread: a province's index is 13 MB to read, scan and encode, which would hold up every other
    request on the event loop."""
    text = path.read_text(encoding="utf-8")
    if bar is not None:
        text = text.replace("<body>\n", "<body>\n" + bar, 1)
    return page(text)


RENDER_WAIT = 20.0  # seconds a request for a page not yet written waits for it before the page says so


async def _written(run: Run, wanted: str) -> bool:
    """Whether the file ``wanted`` of the run may be sent (``worker.written``: the index is shown as soon as the
    findings exist; its organisation pages, the workbook and reports.zip follow in the worker), waiting up to
    RENDER_WAIT for it."""
    deadline = time.monotonic() + RENDER_WAIT
    while not written(run.out, wanted) and time.monotonic() < deadline and run.folder.exists():
        await asyncio.sleep(0.1)
    return written(run.out, wanted)


def _minutes(service: Service) -> str:
    minutes = service.options.keep_minutes
    return str(int(minutes)) if minutes == int(minutes) else f"{minutes:g}"


async def run_slash(request: Request) -> Response:
    """/runs/{run} → /runs/{run}/ (the reports' relative links need the slash)."""
    return RedirectResponse(f"/runs/{request.path_params['run']}/", status_code=308)


async def help_page(request: Request) -> Response:
    """A page of the manual; its screenshots come from this server too (img-src 'self'), nothing from elsewhere."""
    service: Service = request.app.state.service
    name = request.path_params.get("name") or "index"
    if name not in manual.PAGES:
        raise HTTPException(404)
    return page(service.render("help.html.j2", current=name, pages=manual.PAGES, body=manual.render(name)),
                images="'self' data:")


async def help_image(request: Request) -> Response:
    """A screenshot of the manual."""
    found = manual.image(request.path_params["name"])
    if found is None:
        raise HTTPException(404)
    return FileResponse(found, media_type="image/png")


async def help_slash(request: Request) -> Response:
    """/help → /help/."""
    return RedirectResponse("/help/", status_code=308)


async def healthz(request: Request) -> Response:
    """GET /healthz: ok while the server answers."""
    return plain_text("ok", 200)


async def openapi(request: Request) -> Response:
    """GET /openapi.json: the API's description."""
    from compliance.serve.openapi import document

    return JSONResponse(document())


async def login(request: Request) -> Response:
    """GET /login: the token form; POST: a right token starts a session (a cookie), a wrong one counts against the
    address."""
    service: Service = request.app.state.service
    if request.method == "GET":
        if service.options.token is None:
            return RedirectResponse("/", status_code=303)
        return page(service.render("login.html.j2", message=""))
    token = service.options.token
    if token is None:  # nothing to log in to
        return RedirectResponse("/", status_code=303)
    address = _address(request.scope)
    wait = service.throttle.wait(address)
    if wait:
        return service.too_many(wait, api=False)
    form = await request.form(max_files=0, max_fields=5)
    given = str(form.get("token", ""))
    if not hmac.compare_digest(given.encode(), token.encode()):
        service.throttle.failed(address)
        return page(service.render("login.html.j2", message="令牌不正确"), 401)
    service.throttle.succeeded(address)
    response = RedirectResponse("/", status_code=303)
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"
    response.set_cookie(SESSION_COOKIE, service.sessions.new(), max_age=int(service.sessions.seconds),
                        httponly=True, samesite="strict", path="/", secure=secure)
    return response


async def logout(request: Request) -> Response:
    """End this browser's session (the guard let it in, so it had one, or the token)."""
    service: Service = request.app.state.service
    service.sessions.end(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    if request.cookies.get(UNIT_COOKIE):  # a unit's browser: its link lets it in again
        response.delete_cookie(UNIT_COOKIE, path="/", httponly=True, samesite="strict")
    return response


async def not_found(request: Request, exc: Exception) -> Response:
    """404, 405 and other refusals as a page in Chinese (starlette types a handler as taking any exception)."""
    service: Service = request.app.state.service
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    titles = {404: "找不到这个页面", 405: "不支持这种请求"}
    title = titles.get(status, f"请求无法处理（{status}）")
    return page(service.render("message.html.j2", title=title, message=title), status)


def internal_error(scope, service: Service) -> Response:
    """500 in Chinese, without the traceback (that goes to the server's log)."""
    message = "处理请求时发生内部错误（已记录在服务器日志中）。请稍后重试。"
    if scope["path"].startswith("/api/"):
        return JSONResponse({"error": message, "exit_code": 2}, 500, headers={"X-Compliance-Exit": "2"})
    return page(service.render("message.html.j2", title="服务器内部错误", message=message, error=True), 500)


def create_app(options: Options) -> Starlette:
    """The application; its lifespan starts and warms the worker pool and removes every run at shutdown."""
    service = Service(options)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await service.start()
        if options.on_ready is not None:
            options.on_ready()
        try:
            yield
        finally:
            await service.stop()

    routes = [
        Route("/", home),
        Route("/check", submit, methods=["POST"]),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/openapi.json", openapi),
        Route("/help", help_slash),
        Route("/help/", help_page),
        Route("/help/images/{name}", help_image),
        Route("/help/{name}", help_page),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/runs/{run}", run_slash),
        Route("/runs/{run}/", run_page),
        Route("/runs/{run}/{path:path}", run_page),
    ]
    if options.district is not None:
        from compliance.serve.store.routes import ROUTES

        routes = routes[:-3] + ROUTES + routes[-3:]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: not_found})
    app.state.service = service
    app.add_middleware(Guard, service=service)
    return app


ORG_CHOICES = 5000  # names offered to choose from on the page; a province's roster is typed into, not listed


def org_names(roster) -> tuple[str, ...]:
    """What the page's 检查范围 field offers: the server's roster's names, then their aliases, at most ORG_CHOICES
    (any name or alias of the roster is accepted when typed)."""
    if roster is None:
        return ()
    names = [*roster.names, *itertools.chain.from_iterable(roster.org_table.aliases)]
    return tuple(dict.fromkeys(names))[:ORG_CHOICES]


def roster_note(roster: str | None) -> str:
    """What the form says happens without an uploaded roster: the server's roster, or a branch's self-check."""
    if roster is None:
        return "不上传名册时按支部自查方式检查：组织取自台账本身。"
    return f"不上传名册时使用服务启动时给出的名册（{Path(roster).name}）。"


