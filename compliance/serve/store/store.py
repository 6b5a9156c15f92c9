"""Reading and writing the store: each submission in one transaction, links by the hash of their token only."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from compliance.errors import InputError
from compliance.serve.store.schema import audit, files, links, reports, submission_files, submissions

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADMIN = "管理员"
_CHUNK = 1 << 20


def now_text(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256 (a token is 32 random bytes: nothing to guess from a hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def store_url(target: str) -> str:
    """A database URL as given, or an SQLite file's URL for a path."""
    if "://" in target:
        return target
    return f"sqlite:///{Path(target).expanduser().resolve()}"


@dataclass(frozen=True)
class Link:
    id: int
    org: str


@dataclass(frozen=True)
class Submission:
    id: int
    org: str
    created_at: str
    as_of: str
    period: str
    exit_code: int
    violation: int
    due: int
    unverifiable: int
    waived: int
    rejected: int
    judged: int
    met: int

    @property
    def rate(self) -> float | None:
        """完成率: periods met ÷ periods judged over the unit and everything below it."""
        return round(self.met / self.judged, 4) if self.judged else None

    def as_dict(self) -> dict:
        return {"id": self.id, "org": self.org, "at": self.created_at, "as_of": self.as_of, "period": self.period,
                "exit_code": self.exit_code, "violation": self.violation, "due": self.due,
                "unverifiable": self.unverifiable, "waived": self.waived, "rejected": self.rejected,
                "judged": self.judged, "met": self.met, "rate": self.rate}


_COLUMNS = [submissions.c[name] for name in Submission.__dataclass_fields__]


@dataclass(frozen=True)
class Upload:
    """One uploaded file of a submission: its form field, its name as sent, where it lies until stored."""

    field: str
    name: str
    path: Path


class Store:
    """One store, opened (and migrated) once per server process."""

    def __init__(self, target: str, revision: str = "head"):
        url = store_url(target)
        self.url = url
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            path = Path(url.removeprefix("sqlite:///"))
            if not path.parent.is_dir():
                raise InputError(f"存放数据库的文件夹不存在：{path.parent}", column="--store")
            self.engine = sa.create_engine(url, connect_args={"timeout": 60})
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            try:
                self.engine = sa.create_engine(url, pool_pre_ping=True)
            except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
                raise InputError(f"无法打开数据库 {_shown(url)}：{exc}", column="--store") from None
        # SQLite takes one writer at a time: this process's writers queue here rather than time out there
        self.writing = threading.Lock()
        self.migrate(revision)

    # --- schema ---

    def migrate(self, revision: str = "head") -> None:
        """Bring the store to ``revision`` (the newest by default) with its Alembic migrations."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except sa.exc.OperationalError as exc:
            raise InputError(f"无法打开数据库 {_shown(self.url)}：{exc.orig}", column="--store") from None

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    # --- links ---

    def issue(self, orgs: Iterable[str], rotate: bool = False, address: str = "") -> tuple[list[tuple[str, str]],
                                                                                              list[str]]:
        """A new token for each of ``orgs`` that has no live link (with ``rotate``: for each, the old link revoked
        first). The (org, token) pairs issued, and the orgs skipped because they have a live link."""
        issued, skipped = [], []
        with self.writing, self.engine.begin() as connection:
            live = {row.org for row in connection.execute(sa.select(links.c.org).where(links.c.revoked_at.is_(None)))}
            for org in orgs:
                if org in live and not rotate:
                    skipped.append(org)
                    continue
                moment = now_text()
                if org in live:
                    connection.execute(links.update().where(links.c.org == org, links.c.revoked_at.is_(None))
                                       .values(revoked_at=moment))
                token = new_token()
                connection.execute(links.insert().values(org=org, token_hash=token_hash(token), issued_at=moment))
                connection.execute(audit.insert().values(at=moment, actor=ADMIN, action="link", subject=org,
                                                         address=address))
                issued.append((org, token))
        return issued, skipped

    def revoke(self, orgs: Iterable[str], address: str = "") -> list[str]:
        """Revoke the live link of each of ``orgs``; the orgs that had one."""
        done = []
        with self.writing, self.engine.begin() as connection:
            for org in orgs:
                moment = now_text()
                changed = connection.execute(links.update().where(links.c.org == org, links.c.revoked_at.is_(None))
                                             .values(revoked_at=moment)).rowcount
                if changed:
                    connection.execute(audit.insert().values(at=moment, actor=ADMIN, action="revoke", subject=org,
                                                             address=address))
                    done.append(org)
        return done

    def link_for(self, token: str) -> Link | None:
        """The live link a token opens, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(links.c.id, links.c.org).where(
                links.c.token_hash == token_hash(token), links.c.revoked_at.is_(None))).first()
        return Link(row.id, row.org) if row else None

    def linked_orgs(self) -> list[str]:
        """The units that have (or had) a link: those the district expects submissions from."""
        with self.engine.connect() as connection:
            return [row.org for row in connection.execute(sa.select(links.c.org).distinct())]

    # --- submissions ---

    def submit(self, link: Link, document: bytes, uploads: list[Upload], report_files: list[tuple[str, Path]],
               exit_code: int, address: str = "") -> int:
        """Keep one submission — its uploaded files (each stored once by its SHA-256), findings.json, the report
        pages and an audit line — in one transaction: a server killed half-way leaves nothing of it."""
        parsed = json.loads(document)
        summary = parsed["summary"]
        by_org = parsed["stats"]["by_org"]
        hashed = [(upload, _sha256(upload.path)) for upload in uploads]
        with self.writing, self.engine.begin() as connection:
            moment = now_text()
            known = set()
            wanted = sorted({digest for _, (digest, _) in hashed})
            for start in range(0, len(wanted), 500):
                known |= set(connection.execute(sa.select(files.c.sha256).where(
                    files.c.sha256.in_(wanted[start:start + 500]), files.c.content.is_not(None))).scalars())
            for upload, (digest, size) in hashed:
                if digest in known:
                    continue
                content = zlib.compress(upload.path.read_bytes())
                present = connection.execute(sa.select(files.c.sha256).where(files.c.sha256 == digest)).first()
                if present:  # its content was deleted by --keep-days: it came again
                    connection.execute(files.update().where(files.c.sha256 == digest)
                                       .values(content=content, stored_at=moment, deleted_at=None))
                else:
                    connection.execute(files.insert().values(sha256=digest, size=size, content=content,
                                                             stored_at=moment))
                known.add(digest)
            inserted = connection.execute(submissions.insert().values(
                org=link.org, link_id=link.id, created_at=moment, as_of=parsed["as_of"],
                period=parsed["period"]["label"], exit_code=exit_code,
                violation=summary["violation"], due=summary["due"], unverifiable=summary["unverifiable"],
                waived=summary["waived"], rejected=summary["rejected"], findings=zlib.compress(document),
                judged=sum(item["judged"] for item in by_org), met=sum(item["met"] for item in by_org),
            )).inserted_primary_key
            assert inserted is not None  # a single-row insert has its primary key
            number = inserted[0]
            if hashed:
                connection.execute(submission_files.insert(), [
                    {"submission_id": number, "position": n, "field": upload.field, "name": upload.name,
                     "sha256": digest} for n, (upload, (digest, _)) in enumerate(hashed)])
            if report_files:
                connection.execute(reports.insert(), [
                    {"submission_id": number, "path": name, "content": zlib.compress(path.read_bytes())}
                    for name, path in report_files])
            connection.execute(audit.insert().values(at=moment, actor=link.org, action="submit",
                                                     subject=f"submission {number}", address=address))
        return int(number)

    def submissions(self, org: str | None = None) -> list[Submission]:
        """Submissions, newest first: all, or one unit's."""
        query = sa.select(*_COLUMNS).order_by(submissions.c.id.desc())
        if org is not None:
            query = query.where(submissions.c.org == org)
        with self.engine.connect() as connection:
            return [Submission(*row) for row in connection.execute(query)]

    def submission(self, number: int) -> Submission | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(*_COLUMNS).where(submissions.c.id == number)).first()
        return Submission(*row) if row else None

    def latest(self) -> dict[str, Submission]:
        """Each unit's latest submission."""
        newest = sa.select(sa.func.max(submissions.c.id)).group_by(submissions.c.org).scalar_subquery()
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(*_COLUMNS).where(submissions.c.id.in_(newest)))
            return {row.org: Submission(*row) for row in rows}

    def findings(self, number: int) -> bytes:
        with self.engine.connect() as connection:
            return zlib.decompress(connection.execute(
                sa.select(submissions.c.findings).where(submissions.c.id == number)).scalar_one())

    def report(self, number: int, path: str) -> bytes | None:
        with self.engine.connect() as connection:
            content = connection.execute(sa.select(reports.c.content).where(
                reports.c.submission_id == number, reports.c.path == path)).scalar()
        return zlib.decompress(content) if content is not None else None

    def report_paths(self, number: int) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.execute(sa.select(reports.c.path).where(reports.c.submission_id == number)
                                           .order_by(reports.c.path)).scalars())

    def uploads(self, number: int) -> list[tuple[str, str, bytes | None]]:
        """A submission's uploaded files: (field, name, content — None once --keep-days deleted it)."""
        query = (sa.select(submission_files.c.field, submission_files.c.name, files.c.content)
                 .join(files, files.c.sha256 == submission_files.c.sha256)
                 .where(submission_files.c.submission_id == number).order_by(submission_files.c.position))
        with self.engine.connect() as connection:
            return [(row.field, row.name, zlib.decompress(row.content) if row.content is not None else None)
                    for row in connection.execute(query)]

    # --- audit and upkeep ---

    def note(self, actor: str, action: str, subject: str, address: str = "") -> None:
        with self.writing, self.engine.begin() as connection:
            connection.execute(audit.insert().values(at=now_text(), actor=actor, action=action, subject=subject,
                                                     address=address))

    def audit_lines(self) -> list[dict]:
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(sa.select(audit).order_by(audit.c.id))]

    def expire_files(self, days: float, moment: datetime | None = None) -> int:
        """Delete the content of uploaded files stored more than ``days`` ago (the submissions, their findings and
        pages stay); how many were deleted."""
        moment = moment or datetime.now(UTC)
        before = now_text(moment - timedelta(days=days))
        with self.writing, self.engine.begin() as connection:
            count = connection.execute(files.update().where(files.c.content.is_not(None), files.c.stored_at < before)
                                       .values(content=None, deleted_at=now_text(moment))).rowcount
            if count:
                connection.execute(audit.insert().values(at=now_text(moment), actor="服务器", action="expire",
                                                         subject=f"{count} files stored before {before}",
                                                         address=""))
        return count

    def counts(self) -> dict[str, int]:
        """Rows per table (for the tests and the load check)."""
        with self.engine.connect() as connection:
            return {table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                    for table in (links, files, submissions, submission_files, reports, audit)}


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _sqlite_pragmas(connection, record) -> None:
    """Write-ahead logging (readers never wait for the writer) and foreign keys, on every new connection."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _shown(url: str) -> str:
    """A URL without its password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url
