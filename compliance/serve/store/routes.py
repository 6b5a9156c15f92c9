"""The district's pages on ``compliance serve --store``: who is asking (the admin, or a unit by its link's token),
a unit's submissions, its history, the admin's district index, and the downloads — every one audited.

The guard (``compliance.serve.app``) lets a request through with the admin's token or session, or with a unit's
token (``X-Compliance-Token``, ``Authorization: Bearer`` or the cookie its link set) and records the unit in the
request's scope; these handlers answer a unit only about itself (403 otherwise).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from compliance.errors import InputError
from compliance.serve.store.index import LIGHTS, district_document, dumps, trend
from compliance.serve.store.names import UNIT_COOKIE, UNIT_KEY
from compliance.serve.store.store import ADMIN, Link, Store, Upload

if TYPE_CHECKING:
    from compliance.intake.roster import Roster

log = logging.getLogger("compliance.serve")

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CACHE_SECONDS = 5.0  # a revoked link stops working within this


@dataclass
class District:
    """The store and the district's roster of one server."""

    store: Store
    roster: Roster
    keep_days: float | None = None
    _links: dict[str, tuple[Link | None, float]] = field(default_factory=dict)
    _expired: float = float("-inf")  # when --keep-days last deleted

    def link(self, token: str) -> Link | None:
        """The live link of a token (looked up by its hash; remembered a few seconds)."""
        now = time.monotonic()
        cached = self._links.get(token)
        if cached is not None and now - cached[1] < _CACHE_SECONDS:
            return cached[0]
        found = self.store.link_for(token)
        if len(self._links) > 10_000:
            self._links.clear()
        self._links[token] = (found, now)
        return found

    def expire(self, every: float = 3600) -> int:
        """--keep-days: delete the uploaded files older than that, at most once in ``every`` seconds."""
        now = time.monotonic()
        if self.keep_days is None or now - self._expired < every:
            return 0
        self._expired = now
        return self.store.expire_files(self.keep_days)


def unit_of(request: Request) -> Link | None:
    return request.scope.get(UNIT_KEY)


def actor(request: Request) -> str:
    unit = unit_of(request)
    return unit.org if unit is not None else ADMIN


def address(request: Request) -> str:
    client = request.scope.get("client")
    return client[0] if client else "?"


def _service(request: Request):
    return request.app.state.service


def _district(request: Request) -> District:
    return _service(request).district


async def _audit(request: Request, action: str, subject: str) -> None:
    await asyncio.to_thread(_district(request).store.note, actor(request), action, subject, address(request))


async def forbidden(request: Request, what: str) -> Response:
    """403, said and audited: a unit asked for what is not its own."""
    from compliance.serve.app import page

    await _audit(request, "refused", f"{request.method} {request.url.path}")
    message = f"本单位的链接只能查看本单位的提交，不能查看{what}"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, 403)
    service = _service(request)
    return page(service.render("message.html.j2", title="无权查看", message=message, error=True), 403)


# --- what a unit's upload becomes ----------------------------------------------------------------------------------


def keep_uploads(run, upload) -> list[Upload]:
    """Hard links (copies where links cannot be made) of a unit's uploaded files beside its run, before the worker
    deletes them: they are stored with the submission once the check is done."""
    kept = Path(f"{run.folder}.uploads")
    kept.mkdir(mode=0o700)
    found = []
    for name, saved in upload.files.items():
        for position, (sent, path) in enumerate(saved):
            target = kept / f"{name}-{position}"
            try:
                os.link(path, target)
            except OSError:
                shutil.copyfile(path, target)
            found.append(Upload(name, sent, target))
    return found


def unit_job(job, upload):
    """A unit's check: its scope is the unit, on the district's roster; it may not bring its own."""
    if upload.files.get("roster"):
        raise InputError("提交台账时使用区里的名册，不能另外上传名册")
    if upload.lists.get("org"):
        raise InputError("检查范围固定为本单位及其下级组织，不能另选（org）")
    return job


def record(district: District, run, outcome, client: str) -> int:
    """Store a finished check of a unit as its submission (one transaction); its kept uploads are then deleted."""
    out = run.out
    reports = [(path.relative_to(out).as_posix(), path) for path in sorted(out.rglob("*"))
               if path.is_file() and path.name not in ("findings.json", "reports.zip")
               and not path.name.startswith(".")]  # (the worker's marks: worker.RENDERED, PAGES_WRITTEN)
    try:
        return district.store.submit(run.unit, (out / "findings.json").read_bytes(), run.uploads, reports,
                                     outcome.exit_code, client)
    finally:
        shutil.rmtree(f"{run.folder}.uploads", ignore_errors=True)


def drop_uploads(run) -> None:
    shutil.rmtree(f"{run.folder}.uploads", ignore_errors=True)


# --- pages -------------------------------------------------------------------------------------------------------


async def open_link(request: Request) -> Response:
    """A unit's link: its token becomes the unit's cookie (separate from the admin's session), then its page."""
    from compliance.serve.app import page

    service = _service(request)
    token = request.path_params["token"]
    where = address(request)
    wait = service.throttle.wait(where)
    if wait:
        return service.too_many(wait, api=False)
    link = await asyncio.to_thread(_district(request).link, token)
    if link is None:
        service.throttle.failed(where)
        return page(service.render("message.html.j2", title="链接无效",
                                   message="这个链接无效或已作废，请向区里索取新的链接。", error=True), 404)
    service.throttle.succeeded(where)
    response = RedirectResponse("/", status_code=303)
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"
    response.set_cookie(UNIT_COOKIE, token, max_age=365 * 24 * 3600, httponly=True, samesite="strict", path="/",
                        secure=secure)
    return response


async def unit_home(request: Request, message: str = "", fields: dict | None = None, status: int = 200) -> Response:
    """A unit's own page: the upload form, its submissions and the trend of its 完成率."""
    from datetime import date

    unit = unit_of(request)
    assert unit is not None  # routed here only with a unit's link
    return await _history(request, unit.org, own=True, message=message,
                          fields=fields or {"as_of": date.today().isoformat()}, status=status)


async def _history(request: Request, org: str, own: bool, message: str = "", fields: dict | None = None,
                   status: int = 200) -> Response:
    from compliance.serve.app import page

    service = _service(request)
    items = await asyncio.to_thread(_district(request).store.submissions, org)
    return page(service.render("unit.html.j2", unit=org, own=own, submissions=items, trend=trend(items),
                               message=message, fields=fields or {}), status)


async def unit_history(request: Request) -> Response:
    """A unit's history, for the admin (a unit sees its own on its page)."""
    org = request.path_params["org"]
    unit = unit_of(request)
    if unit is not None:
        if unit.org == org:
            return RedirectResponse("/", status_code=303)
        return await forbidden(request, "其他单位的提交")
    if org not in _district(request).roster.index:
        from starlette.exceptions import HTTPException

        raise HTTPException(404)
    return await _history(request, org, own=False)


async def district_index(request: Request) -> Response:
    from compliance.serve.app import page

    service = _service(request)
    document = await asyncio.to_thread(district_of, _district(request))
    missing = [u["org"] for u in document["units"] if not u["submitted"]]
    return page(service.render("district.html.j2", document=document, missing=missing, lights=LIGHTS))


def district_of(district: District) -> dict:
    store = district.store
    return district_document(district.roster, store.linked_orgs(), store.latest(), store.findings)


async def district_findings(request: Request) -> Response:
    if unit_of(request) is not None:
        return await forbidden(request, "全区的情况")
    document = await asyncio.to_thread(district_of, _district(request))
    await _audit(request, "download", "district findings.json")
    return Response(dumps(document), media_type="application/json")


async def district_zip(request: Request) -> Response:
    """Everything the admin sees, as one zip: the district's findings.json and index page, and under each unit's
    name its latest submission's pages, problem list and findings.json."""
    from compliance.serve.app import visible_bidi

    if unit_of(request) is not None:
        return await forbidden(request, "全区的情况")
    service = _service(request)
    district = _district(request)

    def build() -> bytes:
        document = district_of(district)
        missing = [u["org"] for u in document["units"] if not u["submitted"]]
        index = service.render("district.html.j2", document=document, missing=missing, lights=LIGHTS)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
            _add(book, "findings.json", dumps(document))
            _add(book, "index.html", visible_bidi(index).encode())
            for unit in document["units"]:
                last = unit["last_submission"]
                if last is None:
                    continue
                _add(book, f"{unit['org']}/findings.json", district.store.findings(last["id"]))
                for path in district.store.report_paths(last["id"]):
                    _add(book, f"{unit['org']}/{path}", _listed(district.store, last["id"], path))
        return buffer.getvalue()

    content = await asyncio.to_thread(build)
    await _audit(request, "download", "district.zip")
    return Response(content, media_type="application/zip",
                    headers={"Content-Disposition": "attachment; filename=district.zip"})


def _add(book: zipfile.ZipFile, name: str, content: bytes) -> None:
    info = zipfile.ZipInfo(name, _ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    book.writestr(info, content)


async def api_submissions(request: Request) -> Response:
    """Submissions, newest first: every unit's for the admin, its own for a unit."""
    unit = unit_of(request)
    items = await asyncio.to_thread(_district(request).store.submissions, unit.org if unit else None)
    return JSONResponse({"submissions": [item.as_dict() for item in items]})


async def submission_page(request: Request) -> Response:
    """A submission's pages and downloads, for the admin and the unit that made it."""
    from starlette.exceptions import HTTPException

    from compliance.serve.app import page

    service = _service(request)
    store = _district(request).store
    try:
        number = int(request.path_params["number"])
    except ValueError:
        raise HTTPException(404) from None
    item = await asyncio.to_thread(store.submission, number)
    if item is None:
        raise HTTPException(404)
    unit = unit_of(request)
    if unit is not None and unit.org != item.org:
        return await forbidden(request, "其他单位的提交")
    wanted = request.path_params.get("path") or "index.html"
    disposition = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(Path(wanted).name)}"}
    if wanted == "findings.json":
        content = await asyncio.to_thread(store.findings, number)
        await _audit(request, "download", f"submission {number} findings.json")
        return Response(content, media_type="application/json")
    if wanted in ("reports.zip", "uploads.zip"):
        content = await asyncio.to_thread(_pages_zip if wanted == "reports.zip" else _uploads_zip, store, number)
        await _audit(request, "download", f"submission {number} {wanted}")
        return Response(content, media_type="application/zip", headers=disposition)
    report = await asyncio.to_thread(store.report, number, wanted)
    if report is None:
        raise HTTPException(404)
    if wanted.endswith(".html"):
        text = report.decode("utf-8")
        if wanted == "index.html":
            bar = service.render("submission_bar.html.j2", item=item)
            text = text.replace("<body>\n", "<body>\n" + bar, 1)
        return page(text)
    await _audit(request, "download", f"submission {number} {wanted}")
    return Response(report, media_type="application/octet-stream", headers=disposition)


async def submission_slash(request: Request) -> Response:
    return RedirectResponse(f"/submissions/{request.path_params['number']}/", status_code=308)


def _listed(store: Store, number: int, path: str) -> bytes:
    """A report ``report_paths`` listed: there is one (reports are never deleted, their content never null)."""
    content = store.report(number, path)
    assert content is not None, (number, path)
    return content


def _pages_zip(store: Store, number: int) -> bytes:
    from compliance.serve.app import visible_bidi

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for path in store.report_paths(number):
            if path.endswith(".html"):
                _add(book, path, visible_bidi(_listed(store, number, path).decode("utf-8")).encode())
    return buffer.getvalue()


def _uploads_zip(store: Store, number: int) -> bytes:
    """The files a submission uploaded (those --keep-days deleted are listed in 已删除.txt)."""
    buffer = io.BytesIO()
    gone, names = [], set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for field_name, name, content in store.uploads(number):
            shown = f"{'台账' if field_name == 'ledgers' else field_name}/{Path(name).name}"
            base, n = shown, 1
            while shown in names:
                n += 1
                stem, dot, suffix = base.rpartition(".")
                shown = f"{stem}-{n}.{suffix}" if dot else f"{base}-{n}"
            names.add(shown)
            if content is None:
                gone.append(shown)
            else:
                _add(book, shown, content)
        if gone:
            _add(book, "已删除.txt", ("按保留期限（--keep-days）已删除的文件：\n" + "\n".join(gone) + "\n").encode())
    return buffer.getvalue()


ROUTES = [
    Route("/u/{token}", open_link),
    Route("/api/submissions", api_submissions),
    Route("/api/district/findings.json", district_findings),
    Route("/district.zip", district_zip),
    Route("/units/{org}/", unit_history),
    Route("/submissions/{number}", submission_slash),
    Route("/submissions/{number}/", submission_page),
    Route("/submissions/{number}/{path:path}", submission_page),
]
