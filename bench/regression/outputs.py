"""A check's result for people and CI systems: a terminal table, JUnit XML, Markdown."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bench.regression.figures import BaselineOperation
from bench.regression.gate import CheckResult, OperationCheck, Verdict
from bench.texttable import text_table

HEADERS = ("operation", "RU p50", "RU p95", "docs read/result", "index hit", "verdict")


def _pair(before: float | None, after: float | None, digits: int) -> str:
    def show(value: float | None) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    if before is None and after is None:
        return "-"
    return f"{show(before)} -> {show(after)}"


def _cells(item: OperationCheck) -> list[str]:
    before: BaselineOperation | None = item.baseline
    after: BaselineOperation | None = item.current

    def value(figures: BaselineOperation | None, attribute: str) -> float | None:
        return None if figures is None else getattr(figures, attribute)

    return [
        item.name,
        _pair(value(before, "ru_p50"), value(after, "ru_p50"), 2),
        _pair(value(before, "ru_p95"), value(after, "ru_p95"), 2),
        _pair(value(before, "retrieved_per_output"), value(after, "retrieved_per_output"), 1),
        _pair(value(before, "index_hit_ratio"), value(after, "index_hit_ratio"), 2),
        item.verdict.value.upper() if item.verdict.fails else item.verdict.value,
    ]


def headline(result: CheckResult) -> str:
    if result.passed:
        return (
            f"PASS: {len(result.operations)} operation(s) within {result.tolerance:.0%} "
            f"of baseline {result.baseline.source}"
        )
    names = ", ".join(item.name for item in result.failed)
    return (
        f"FAIL: {len(result.failed)} operation(s) regressed beyond {result.tolerance:.0%}: {names}"
    )


def render_text(result: CheckResult) -> str:
    lines = [text_table(HEADERS, [_cells(item) for item in result.operations]), ""]
    lines += [f"{item.name}: {'; '.join(item.reasons)}" for item in result.failed]
    lines.append(headline(result))
    return "\n".join(lines)


def render_markdown(result: CheckResult) -> str:
    def row(cells: list[str] | tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    lines = [
        "## rubench check",
        "",
        f"**{headline(result)}**",
        "",
        f"Run `{result.current.source}` against baseline `{result.baseline.source}`.",
        "",
        row(HEADERS),
        row(["---"] * len(HEADERS)),
        *(row(_cells(item)) for item in result.operations),
    ]
    if result.failed:
        lines += ["", *(f"- **{item.name}**: {'; '.join(item.reasons)}" for item in result.failed)]
    return "\n".join(lines) + "\n"


def render_junit(result: CheckResult) -> bytes:
    """One test case per operation; regressions are failures, new operations are skipped."""
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="rubench check",
        tests=str(len(result.operations)),
        failures=str(len(result.failed)),
        errors="0",
        skipped=str(sum(1 for item in result.operations if item.verdict is Verdict.NEW)),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("baseline", result.baseline.source),
        ("run", result.current.source),
        ("tolerance", f"{result.tolerance:.4g}"),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for item in result.operations:
        case = ET.SubElement(suite, "testcase", classname="rubench.check", name=item.name)
        detail = "; ".join(item.reasons)
        if item.verdict.fails:
            failure = ET.SubElement(case, "failure", message=f"{item.verdict.value}: {detail}")
            failure.set("type", item.verdict.value)
            failure.text = detail
        elif item.verdict is Verdict.NEW:
            ET.SubElement(case, "skipped", message=detail)
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"
