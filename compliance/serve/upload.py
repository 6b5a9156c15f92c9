"""A multipart upload read as it arrives, each file written straight into its run's folder.

Starlette's own form parser spools files to the system's temporary folder; members' names would then pass through
a place shared with other programs. This parser (python-multipart's streaming parser, as Starlette uses it) writes
each part into the run's folder under a safe name, counts the bytes against the size limit as they come, and
keeps the other fields as short texts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from compliance.config.limits import MB, Limits
from compliance.errors import InputError
from compliance.serve.limits import ServeLimits

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks
from compliance.serve.workspace import EXTRA, LEDGERS, ROSTER, Names, Run, files_refusal, safe_parts

FILE_FIELDS = {"ledgers": LEDGERS, "roster": ROSTER, "layout": EXTRA, "waivers": EXTRA}
TEXT_FIELDS = {"as_of", "period", "fail_on", "org"}
LIST_FIELDS = {"org"}  # may be given several times: each value kept, in order
_FIELD_BYTES = 1000


class TooLarge(InputError):
    """The request is bigger than the size limit (answered 413)."""


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)  # LIST_FIELDS: every non-empty value
    files: dict[str, list[tuple[str, Path]]] = field(default_factory=dict)  # field → (name as sent, where saved)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


class _Parts:
    """The parser's callbacks: one part at a time, into a file or a short text."""

    def __init__(self, run: Run, most_files: int):
        self.run = run
        self.most_files = most_files
        self.names = Names()
        self.upload = Upload()
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.name = ""
        self.file: BinaryIO | None = None
        self.text = bytearray()
        self.count = 0

    def on_part_begin(self) -> None:
        self.disposition, self.name, self.file, self.text = b"", "", None, bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.strip().lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.name = _decode(options.get(b"name", b""))
        if b"filename" not in options:
            if self.name in FILE_FIELDS:  # an empty file input, as some clients send it: nothing chosen
                return
            if self.name not in TEXT_FIELDS:
                known = "、".join(sorted(TEXT_FIELDS | set(FILE_FIELDS)))
                raise InputError(f"未知的表单字段“{self.name}”，可用：{known}")
            return
        if self.name not in FILE_FIELDS:
            raise InputError(f"未知的文件字段“{self.name}”，可用：{'、'.join(FILE_FIELDS)}")
        sent = _decode(options[b"filename"])  # RFC 7578 forbids filename*: the plain name is the one
        if not sent:  # a file input left empty: browsers send a part with an empty name and no bytes
            return
        self.count += 1
        if self.count > self.most_files:
            raise InputError(files_refusal(self.most_files))
        target = self.names.unique(self.run.path(FILE_FIELDS[self.name]), safe_parts(sent))
        self.file = target.open("xb")
        self.upload.files.setdefault(self.name, []).append((sent, target))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.file is not None:
            self.file.write(data[start:end])
        elif self.name in TEXT_FIELDS:
            self.text += data[start:end]
            if len(self.text) > _FIELD_BYTES:
                raise InputError(f"表单字段“{self.name}”过长")

    def on_part_end(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        elif self.name in LIST_FIELDS:
            if value := _decode(bytes(self.text)).strip():
                self.upload.lists.setdefault(self.name, []).append(value)
        elif self.name in TEXT_FIELDS:
            self.upload.fields[self.name] = _decode(bytes(self.text)).strip()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


async def receive(content_type: str, stream: AsyncIterator[bytes], run: Run, limits: Limits,
                  serve: ServeLimits | None = None) -> Upload:
    """Read a multipart/form-data body into ``run``'s folder. Raises InputError for a body that is not a form
    upload, names unknown fields or holds more than ``serve.files`` files, TooLarge beyond ``limits.size_mb`` or
    the run's disk budget (``serve.run_mb``). The parser runs in a thread, chunk by chunk: writing files and naming
    them never holds up the event loop that answers everyone else."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InputError("请以 multipart/form-data 上传文件（curl 的 -F 选项，或网页上的表单）")
    serve = serve or ServeLimits()
    parts = _Parts(run, serve.files)
    callbacks: MultipartCallbacks = {
        "on_part_begin": parts.on_part_begin, "on_header_field": parts.on_header_field,
        "on_header_value": parts.on_header_value, "on_header_end": parts.on_header_end,
        "on_headers_finished": parts.on_headers_finished, "on_part_data": parts.on_part_data,
        "on_part_end": parts.on_part_end}
    parser = MultipartParser(boundary, callbacks)
    if serve.run_mb < limits.size_mb:
        budget = serve.run_bytes
        refusal = f"上传的内容超过一次检查可占用的空间 {serve.run_mb:g} MB（启动时的 --limit run）"
    else:
        budget = limits.size_mb * MB
        refusal = f"上传的内容超过大小上限 {limits.size_mb} MB（启动时的 --limit size）"
    try:
        async for chunk in stream:
            budget -= len(chunk)
            if budget < 0:
                raise TooLarge(refusal)
            await asyncio.to_thread(parser.write, chunk)
        await asyncio.to_thread(parser.finalize)
    except MultipartParseError as exc:
        raise InputError(f"上传的内容不完整或格式有误（{exc}）") from None
    finally:
        parts.close()
    return parts.upload
