"""The rule kinds: one module each, with ``KIND``, ``CONFIG`` (its pydantic model) and ``check(rule, ctx)``.

The catalogue (rules.yaml) names a kind per rule; this registry maps the name to its module and refuses an unknown
one.
"""

from __future__ import annotations

from types import ModuleType

from compliance.engine.kinds import frequency, per_person, precedence, record, regularity, rolling

KINDS: dict[str, ModuleType] = {
    module.KIND: module for module in (frequency, per_person, record, rolling, precedence, regularity)
}


def get(kind: str) -> ModuleType:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"未知的规则类型“{kind}”，应为 {'、'.join(KINDS)} 之一") from None
