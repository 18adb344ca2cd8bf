"""Which metric names a PromQL expression (or a Grafana query) reads, and which names exist.

A small tokenizer, not a PromQL parser: it knows enough of the grammar to tell metric names
apart from functions, aggregation operators, keywords, label names, durations and strings.
Reused by the dashboard test and by integration tests that compare with a live /metrics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FUNCTIONS = _words(
    """
    abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes
    clamp clamp_max clamp_min cos cosh count_over_time day_of_month day_of_week day_of_year
    days_in_month deg delta deriv double_exponential_smoothing exp floor histogram_avg
    histogram_count histogram_fraction histogram_quantile histogram_stddev histogram_stdvar
    histogram_sum holt_winters hour idelta increase info irate label_join label_replace
    last_over_time ln log10 log2 mad_over_time max_over_time min_over_time minute month pi
    predict_linear present_over_time quantile_over_time rad rate resets round scalar sgn sin
    sinh sort sort_by_label sort_by_label_desc sort_desc sqrt stddev_over_time
    stdvar_over_time sum_over_time tan tanh time timestamp vector year start end
    """
)
AGGREGATIONS = _words(
    """
    sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk
    limit_ratio
    """
)
# Keywords that take a parenthesised list of label names.
GROUPING_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
KEYWORDS = GROUPING_KEYWORDS | {"bool", "offset", "and", "or", "unless", "atan2", "inf", "nan"}

# Grafana template-variable query functions (not PromQL); the first argument is PromQL.
GRAFANA_QUERY_FUNCTIONS = ("label_values", "query_result", "metrics", "label_names")

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

_STRING = r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`'
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<string>{_STRING})
  | (?P<matchers>\{{(?:{_STRING}|[^{{}}"'`])*\}})
  | (?P<range>\[[^\]]*\])
  | (?P<variable>\$\{{[^}}]*\}}|\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>(?:[0-9]+(?:ms|[smhdwy]))+|0[xX][0-9a-fA-F]+
                |(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_NAME_MATCHER = re.compile(r'__name__\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


class PromQLTokenError(ValueError):
    """The expression contains something the tokenizer cannot read (unbalanced brackets…)."""


def _tokens(expr: str) -> list[tuple[str, str]]:
    """(kind, text) for each token of the expression, whitespace and comments dropped."""
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None or m.lastgroup is None:  # pragma: no cover - the punct group matches all
            raise PromQLTokenError(f"cannot read {expr[pos : pos + 20]!r}")
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
        pos = m.end()
    return out


def metric_names(expr: str) -> set[str]:
    """The metric names (including recording-rule names) that a PromQL expression selects."""
    toks = _tokens(expr)
    names: set[str] = set()
    i = 0
    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ("", "")
        if kind == "matchers":
            for m in _NAME_MATCHER.finditer(text):
                names.add(m.group(1) if m.group(1) is not None else m.group(2))
        elif kind == "punct" and text in "{}[]":
            raise PromQLTokenError(f"unbalanced {text!r} in {expr!r}")
        elif kind == "ident":
            if text in GROUPING_KEYWORDS and nxt == ("punct", "("):
                i = _skip_parenthesised(toks, i + 1, expr)
                continue
            if _is_metric_name(text, nxt):
                names.add(text)
        i += 1
    return names


def _is_metric_name(word: str, nxt: tuple[str, str]) -> bool:
    """An identifier is a metric name unless it is a keyword, a call or `sum by (…)`."""
    if word.lower() in KEYWORDS:
        return False
    if nxt == ("punct", "(") and (word in FUNCTIONS or word in AGGREGATIONS):
        return False
    # An unknown word before '(' (a misspelt function) counts as a name, so that checks fail.
    return not (word in AGGREGATIONS and nxt[0] == "ident" and nxt[1] in GROUPING_KEYWORDS)


def _skip_parenthesised(toks: list[tuple[str, str]], open_index: int, expr: str) -> int:
    """Index just past the ')' that closes the '(' at open_index (a list of label names)."""
    depth = 0
    for j in range(open_index, len(toks)):
        if toks[j] == ("punct", "("):
            depth += 1
        elif toks[j] == ("punct", ")"):
            depth -= 1
            if depth == 0:
                return j + 1
    raise PromQLTokenError(f"unclosed '(' in {expr!r}")


def grafana_query_names(query: str) -> set[str]:
    """Metric names in a Grafana Prometheus query, including template-variable queries."""
    stripped = query.strip()
    for function in GRAFANA_QUERY_FUNCTIONS:
        if stripped.startswith(function + "(") and stripped.endswith(")"):
            inner = stripped[len(function) + 1 : -1]
            if function == "label_values":
                # label_values(label) or label_values(selector, label)
                if "," not in inner:
                    return set()
                inner = inner.rsplit(",", 1)[0]
            elif function in ("metrics", "label_names"):
                return set()
            return metric_names(inner)
    return metric_names(query)


def documented_metrics(metrics_md: Path) -> dict[str, str]:
    """Metric name -> type, from the table in docs/metrics.md (rows `| `name` | type | …`)."""
    found: dict[str, str] = {}
    for line in metrics_md.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|\s*([a-z]+)\s*\|", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def exposed_series_names(metrics: Mapping[str, str]) -> set[str]:
    """The names that appear on /metrics for documented metrics (histograms get 3 series)."""
    names: set[str] = set()
    for name, kind in metrics.items():
        if kind == "histogram":
            names.update(name + suffix for suffix in HISTOGRAM_SUFFIXES)
        else:
            names.add(name)
    return names


def recording_rule_names(rule_files: Iterable[Path]) -> set[str]:
    """Every `record:` name in Prometheus rule files."""
    names: set[str] = set()
    for path in rule_files:
        for group in _rule_groups(path):
            names.update(r["record"] for r in group.get("rules", []) if "record" in r)
    return names


def rule_expressions(rule_files: Iterable[Path]) -> list[tuple[str, str]]:
    """(rule name, expr) of every recording and alerting rule in the files."""
    out: list[tuple[str, str]] = []
    for path in rule_files:
        for group in _rule_groups(path):
            for rule in group.get("rules", []):
                out.append((rule.get("record") or rule.get("alert"), str(rule["expr"])))
    return out


def _rule_groups(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups: list[dict[str, Any]] = data.get("groups", [])
    return groups


def is_framework_metric(name: str) -> bool:
    """Names we accept without documenting them: Faust's sensors and Prometheus' `up`."""
    return name == "up" or name.startswith("faust_")
