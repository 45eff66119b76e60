"""`rubench report` from the command line."""

from __future__ import annotations

from bench.cli import main

from .run_dirs import make_run, requests_frame, spread


def test_one_run_gives_its_report_and_summary(tmp_path, capsys):
    run_dir = make_run(tmp_path / "run", [requests_frame(50, timestamp=spread(50))])
    assert main(["report", str(run_dir)]) == 0
    assert capsys.readouterr().out.strip() == str(run_dir / "report.html")
    assert (run_dir / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (run_dir / "summary.json").exists()  # written when missing


def test_two_runs_give_a_comparison(tmp_path):
    first = make_run(tmp_path / "a", [requests_frame(50, timestamp=spread(50))])
    second = make_run(tmp_path / "b", [requests_frame(50, timestamp=spread(50), ru=2.0)])
    out = tmp_path / "out" / "compare.html"
    assert main(["report", str(first), str(second), "-o", str(out)]) == 0
    html = out.read_text()
    assert "Comparison" in html and "+100.0%" in html  # RU mean doubled


def test_a_missing_run_directory_is_a_one_line_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"rubench: error: {tmp_path / 'nope'}: not a run directory "
        "(it does not exist or is not a folder)"
    )
