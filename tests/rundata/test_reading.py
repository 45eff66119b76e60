"""Reading run directories: every part, only the columns asked for, clear errors."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.errors import RubenchError
from bench.perf.synthetic_run import make_run, requests_frame, spread
from bench.rundata import load_requests, load_run, summarize


def test_all_parts_are_read_with_text_as_categoricals(tmp_path):
    first = requests_frame(3, operation="point_read", timestamp=spread(3))
    second = requests_frame(2, operation="query_x", kind="query", timestamp=spread(2))
    run_dir = make_run(tmp_path / "run", [first, second])

    frame = load_requests(run_dir)

    assert len(frame) == 5
    assert list(frame["operation"]) == ["point_read"] * 3 + ["query_x"] * 2
    assert frame["operation"].dtype == "category"
    assert frame["status"].dtype == "int32"
    assert "worker" not in frame.columns  # not an analysis column


def test_partition_key_is_optional_per_part(tmp_path):
    keyed = requests_frame(2, partition_key=["cat-1", "cat-2"])
    unkeyed = requests_frame(1)
    run_dir = make_run(tmp_path / "run", [keyed, unkeyed])

    frame = load_requests(run_dir)

    assert list(frame["partition_key"]) == ["cat-1", "cat-2", ""]


def test_a_run_without_parts_loads_as_an_empty_frame(tmp_path):
    run_dir = make_run(tmp_path / "run", [])

    assert len(load_requests(run_dir)) == 0
    assert "latency_ms" in load_requests(run_dir).columns
    assert load_run(run_dir).summary.rows.total == 0


def test_a_part_missing_a_column_is_named(tmp_path):
    run_dir = make_run(tmp_path / "run", [requests_frame(1)])
    table = pq.read_table(run_dir / "requests" / "part-000000.parquet").drop_columns(["ru"])
    pq.write_table(table, run_dir / "requests" / "part-000001.parquet")

    for read in (load_requests, summarize):
        with pytest.raises(
            RubenchError, match=r"part-000001\.parquet: missing request column\(s\) ru"
        ):
            read(run_dir)


def test_a_column_of_the_wrong_type_is_named(tmp_path):
    run_dir = make_run(tmp_path / "run", [requests_frame(1)])
    table = pq.read_table(run_dir / "requests" / "part-000000.parquet")
    index = table.schema.get_field_index("latency_ms")
    table = table.set_column(index, "latency_ms", pa.array(["slow"]))
    pq.write_table(table, run_dir / "requests" / "part-000000.parquet")

    for read in (load_requests, summarize):
        with pytest.raises(RubenchError, match=r"part-000000\.parquet: column 'latency_ms'"):
            read(run_dir)


@pytest.mark.parametrize("column", ["timestamp", "latency_ms", "ru"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_number_that_is_not_finite_names_its_part(tmp_path, column, value):
    """No figure can rest on NaN or infinity: was a DuckDB cast error or a traceback."""
    run_dir = make_run(tmp_path / "run", [requests_frame(10), requests_frame(10)])
    path = run_dir / "requests" / "part-000001.parquet"
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    values[3] = value
    table = table.set_column(table.schema.get_field_index(column), column, pa.array(values))
    pq.write_table(table, path)

    with pytest.raises(RubenchError) as raised:
        summarize(run_dir)
    assert str(raised.value) == (
        f"{path}: 1 row(s) whose timestamp, latency_ms or ru is not a finite number "
        "(NaN or infinity); rubench never writes one, so the part is damaged or from "
        "another writer"
    )


def test_wider_integer_types_from_another_writer_are_accepted(tmp_path):
    run_dir = make_run(tmp_path / "run", [requests_frame(2)])
    table = pq.read_table(run_dir / "requests" / "part-000000.parquet")
    index = table.schema.get_field_index("status")
    table = table.set_column(index, "status", pa.array([200, 429], pa.int64()))
    pq.write_table(table, run_dir / "requests" / "part-000000.parquet")

    assert list(load_requests(run_dir)["status"]) == [200, 429]
    assert summarize(run_dir).operations["point_read"].failures_by_status == {}


def test_broken_run_json_names_the_line(tmp_path):
    run_dir = make_run(tmp_path / "run", [])
    (run_dir / "run.json").write_text('{\n  "name": "x",\n}')

    with pytest.raises(RubenchError, match=r"run\.json: invalid JSON at line 3"):
        load_run(run_dir)


def test_missing_run_json_and_missing_directory_are_reported(tmp_path):
    with pytest.raises(RubenchError, match="not a run directory"):
        load_run(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RubenchError, match=r"run\.json: missing"):
        load_run(tmp_path / "empty")


def test_window_leaves_out_warm_up(tmp_path):
    frame = requests_frame(4, timestamp=spread(4, 60.0))  # at 0, 15, 30, 45 s
    run = load_run(make_run(tmp_path / "run", [frame], warmup_s=20))

    assert run.summary.window.duration_s == pytest.approx(40.0)
    assert run.summary.rows.operations == 2
    assert run.summary.rows.warmup == 2
    assert json.loads((run.directory / "run.json").read_text())["warmup_s"] == 20


def test_a_run_json_without_times_takes_the_window_from_the_rows(tmp_path):
    frame = requests_frame(3, timestamp=spread(3, 30.0), latency_ms=[1.0, 1.0, 2000.0])
    run_dir = make_run(tmp_path / "run", [frame], started_at=None, ended_at=None)

    window = summarize(run_dir).window
    assert window.start == pytest.approx(spread(1)[0])
    assert window.duration_s == pytest.approx(22.0)
