"""Self-contained HTML reports of runs: one run, or runs compared against a baseline.

Example::

    from bench.report import write_comparison_report, write_run_report

    write_run_report("reports/20261123-101500-catalog")  # -> .../report.html
    write_comparison_report(["reports/a", "reports/b"], "compare.html")
"""

from bench.report.pages import write_comparison_report, write_run_report

__all__ = ["write_comparison_report", "write_run_report"]
