"""Walking the app's URL map: every route, with its parameters filled in.

The security tests attack every route rather than a hand-picked list, so a route added
later is attacked too. ``fill`` turns a rule into a path from a mapping of parameter names
to values; a parameter the mapping does not know gets a harmless stand-in (``1``, ``x``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from flask import Flask
from werkzeug.routing import Rule

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def rules(app: Flask) -> Iterator[Rule]:
    yield from sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def _stand_in(rule: Rule, name: str) -> object:
    if name not in rule._converters:  # a default of the rule, not a part of its path
        return (rule.defaults or {}).get(name)
    converter = rule._converters[name]
    kind = type(converter).__name__
    if kind == "IntegerConverter":
        return 1
    if kind == "AnyConverter":
        return sorted(converter.items)[0]
    return "x"


def fill(rule: Rule, values: Mapping[str, object] | None = None) -> str:
    """The path of ``rule`` with each parameter taken from ``values`` or a stand-in."""
    values = values or {}
    arguments = {name: values.get(name, _stand_in(rule, name)) for name in rule.arguments}
    built = rule.build(arguments, append_unknown=False)
    assert built is not None, f"{rule.rule}: cannot be built from {arguments}"
    return built[1]


def paths(rule: Rule, values: Mapping[str, object] | None = None) -> list[str]:
    """Like :func:`fill`, once for every choice of a parameter with fixed choices
    (``<any(pdf, csv, json):format>``), so each format of an export is attacked."""
    values = dict(values or {})
    choices = [
        name
        for name in rule.arguments
        if type(rule._converters.get(name)).__name__ == "AnyConverter"
    ]
    if not choices:
        return [fill(rule, values)]
    name = choices[0]
    return [fill(rule, {**values, name: option}) for option in sorted(rule._converters[name].items)]
