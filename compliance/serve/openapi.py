"""The OpenAPI 3 description of the HTTP API (``GET /openapi.json``): what ``POST /api/check`` takes, what it
answers, its errors and the exit header. Written out by hand: the route reads a multipart stream itself, so there
is no request model to derive it from; tests/serve/test_openapi.py holds the server to it with schemathesis."""

from __future__ import annotations

from compliance import __version__

_ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"type": "string", "description": "为什么（中文），与命令行的错误信息相同"},
    "exit_code": {"type": "integer", "enum": [2], "description": "命令行会给出的退出码"}}}
_REFUSAL = {**_ERROR, "required": ["error", "exit_code"]}
_EXIT = {"X-Compliance-Exit": {"description": "`compliance check` 对同样的文件会给出的退出码",
                               "schema": {"type": "string", "enum": ["0", "1", "2"]}}}
_COUNT = {"type": "integer", "minimum": 0}
_FINDINGS = {
    "type": "object",
    "description": "findings.json：与 `compliance check --format json` 对同样的文件写出的逐字节相同",
    "required": ["tool", "as_of", "period", "rules", "summary", "notes", "waivers", "baseline", "findings", "stats",
                 "rejected", "warnings", "inputs", "quality_gate"],
    "properties": {
        "submission": {"type": "integer", "minimum": 1,
                       "description": "全区服务器（--store）上单位提交的编号；普通的检查没有这一项"},
        "tool": {"type": "object", "required": ["name", "version"],
                 "properties": {"name": {"type": "string"}, "version": {"type": "string"}}},
        "as_of": {"type": "string", "format": "date"},
        "period": {"type": "object", "required": ["start", "end", "label"], "properties": {
            "start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"},
            "label": {"type": "string"}}},
        "rules": {"type": "object"},
        "summary": {"type": "object", "required": ["findings", "violation", "due", "unverifiable", "waived",
                                                   "rejected", "warnings"],
                    "properties": {name: _COUNT for name in ("findings", "violation", "due", "unverifiable",
                                                             "waived", "rejected", "warnings")}},
        "notes": {"type": "array", "items": {"type": "string"}},
        "waivers": {"type": "object", "nullable": True},
        "baseline": {"type": "object", "nullable": True},
        "findings": {"type": "array", "items": {"type": "object", "required": [
            "rule", "severity", "status", "org", "period", "message"], "properties": {
            "rule": {"type": "string"}, "severity": {"type": "string", "enum": ["error", "warning"]},
            "status": {"type": "string", "enum": ["violation", "due", "unverifiable", "waived"]},
            "org": {"type": "string"}, "person": {"type": "string", "nullable": True},
            "period": {"type": "string", "nullable": True}, "message": {"type": "string"}}}},
        "stats": {"type": "object"},
        "rejected": {"type": "array", "items": {"type": "object"}},
        "warnings": {"type": "array", "items": {"type": "object"}},
        "inputs": {"type": "array", "items": {"type": "object", "required": ["source", "read", "accepted",
                                                                            "rejected", "blank"], "properties": {
            "source": {"type": "string"}, "read": _COUNT, "accepted": _COUNT, "rejected": _COUNT,
            "blank": _COUNT}}},
        "quality_gate": {"type": "array", "items": {"type": "object"}},
    },
}
_FILE = {"type": "string", "format": "binary"}


def _answer(description: str, schema: dict, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "党组织活动台账检查 compliance serve", "version": __version__,
                 "description": "与命令行 `compliance check` 相同的检查。启动时给了令牌（COMPLIANCE_TOKEN）的服务器，"
                                "每个请求都要带上它。"},
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "token": {"type": "apiKey", "in": "header", "name": "X-Compliance-Token"}}},
        "security": [{}, {"bearer": []}, {"token": []}],
        "paths": {"/api/check": {"post": {
            "operationId": "check",
            "summary": "检查台账，得到 findings.json",
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": {"type": "object", "required": ["ledgers"], "additionalProperties": False, "properties": {
                    "ledgers": {"type": "array", "minItems": 1, "items": _FILE,
                                "description": "台账文件（csv、xlsx、xlsm、xls、ods），或文件夹打成的 .zip"},
                    "roster": {"type": "array", "items": _FILE,
                               "description": "名册：含两个工作表的 xlsx，或 组织.csv 和 领导干部.csv，或 .zip"},
                    "layout": {**_FILE, "description": "格式文件（layout.yaml）"},
                    "waivers": {**_FILE, "description": "豁免文件（waivers.yaml）"},
                    "as_of": {"type": "string", "format": "date", "description": "检查日（默认今天）"},
                    "period": {"type": "string",
                               "description": "检查期间：2024 或 2024-01..2024-06（默认检查日所在年度）"},
                    "fail_on": {"type": "string", "enum": ["error", "warning", "none"], "default": "error"},
                }},
                "encoding": {"ledgers": {"contentType": "application/octet-stream"},
                             "roster": {"contentType": "application/octet-stream"}},
            }}},
            "responses": {
                "200": _answer("检查完成：findings.json；X-Compliance-Exit 是 0（没有达到 fail_on 的违规）或 1。"
                               "在全区服务器（--store）上用单位的令牌提交时，文档最前面多一项 submission（提交编号），"
                               "也在 X-Compliance-Submission 中",
                               _FINDINGS, {**_EXIT, "X-Compliance-Submission": {
                                   "description": "全区服务器上单位提交的编号（--store；否则没有）",
                                   "schema": {"type": "string", "pattern": "^[0-9]+$"}}}),
                "401": _answer("需要令牌", _ERROR),
                "403": _answer("来自其他网站的提交", _REFUSAL),
                "413": _answer("请求超过 --limit size 或 --limit run", _REFUSAL),
                "422": _answer("命令行会以退出码 2 拒绝的输入（无法读取的文件、错误的日期、过多的文件、"
                               "压缩包解压后过大…）", _REFUSAL, _EXIT),
                "429": _answer("令牌错误次数过多，稍后再试（Retry-After）", _ERROR),
                "500": _answer("服务器内部错误（已记录在日志中）", _REFUSAL, _EXIT),
                "503": _answer("保存的检查结果已占满 --limit disk，或服务正在停止；稍后再试（Retry-After）", _REFUSAL),
            },
        }}},
    }
