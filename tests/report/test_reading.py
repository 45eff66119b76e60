"""Reading run directories: every part, only the columns asked for, clear errors."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.errors import RubenchError
from bench.rundata import load_requests, load_run

from .run_dirs import make_run, requests_frame, spread


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
    run = load_run(make_run(tmp_path / "run", []))

    assert len(run.requests) == 0
    assert "latency_ms" in run.requests.columns


def test_a_part_missing_a_column_is_named(tmp_path):
    run_dir = make_run(tmp_path / "run", [requests_frame(1)])
    table = pq.read_table(run_dir / "requests" / "part-000000.parquet").drop_columns(["ru"])
    pq.write_table(table, run_dir / "requests" / "part-000001.parquet")

    with pytest.raises(RubenchError, match=r"part-000001\.parquet: missing request column\(s\) ru"):
        load_requests(run_dir)


def test_a_column_of_the_wrong_type_is_named(tmp_path):
    run_dir = make_run(tmp_path / "run", [requests_frame(1)])
    table = pq.read_table(run_dir / "requests" / "part-000000.parquet")
    index = table.schema.get_field_index("latency_ms")
    table = table.set_column(index, "latency_ms", pa.array(["slow"]))
    pq.write_table(table, run_dir / "requests" / "part-000000.parquet")

    with pytest.raises(RubenchError, match=r"part-000000\.parquet: column 'latency_ms'"):
        load_requests(run_dir)


def test_wider_integer_types_from_another_writer_are_accepted(tmp_path):
    run_dir = make_run(tmp_path / "run", [requests_frame(2)])
    table = pq.read_table(run_dir / "requests" / "part-000000.parquet")
    index = table.schema.get_field_index("status")
    table = table.set_column(index, "status", pa.array([200, 429], pa.int64()))
    pq.write_table(table, run_dir / "requests" / "part-000000.parquet")

    assert list(load_requests(run_dir)["status"]) == [200, 429]


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

    assert run.window.duration_s == pytest.approx(40.0)
    assert len(run.requests) == 2
    assert run.warmup_rows == 2
    assert json.loads((run.directory / "run.json").read_text())["warmup_s"] == 20
