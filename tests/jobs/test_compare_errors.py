"""`rubench compare` refuses bad variants with one line naming the variant, the setting
and what is allowed, before any run (or, for what only the target can judge, names the
variant). In its own module: the Chromium fixture of the end-to-end module keeps an event
loop in the thread, and a refused policy needs the harness's asyncio.run."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.cosmos import PartitionKey

WORKLOAD = Path(__file__).with_name("workloads") / "variants.toml"


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        ("bad name!", "--variant 'bad name!': expected NAME[:SETTING=VALUE[;...]]"),
        ("x:key=categoryId", "--variant 'x:key=categoryId': key=categoryId: expected a partition"),
        ("x:index=missing.json", "--variant 'x:index=missing.json': index=missing.json: cannot"),
        ("x:throughput=manual:450", "throughput=manual:450: expected a multiple of 100"),
        ("x:throughput=fast", "throughput=fast: expected manual:RUS"),
        ("x:consistency=Perfect", "consistency=Perfect: unknown consistency level 'Perfect'"),
        ("x:colour=red", "--variant 'x:colour=red': colour=red: expected SETTING=VALUE, one of"),
        ("x:key=/a;key=/b", "key: given twice"),
        ("x:key=/tenantId", "--variant x: the workload's documents have no /tenantId"),
    ],
)
def test_bad_variant_specs(variant: str, message: str, tmp_path: Path, rubench, capsys) -> None:
    code = rubench(
        "compare", "--workload", WORKLOAD, "--variant", "base", "--variant", variant,
        "--out", tmp_path / "out",
    )  # fmt: skip
    errors = capsys.readouterr().err
    assert code == 2
    assert len(errors.strip().splitlines()) == 1
    assert message in errors
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_a_policy_is_refused(tmp_path: Path, rubench, capsys) -> None:
    policy = tmp_path / "typo.json"
    policy.write_text('{"excludedPath": [{"path": "/description/?"}]}')
    code = rubench(
        "compare", "--workload", WORKLOAD, "--variant", "base", "--variant",
        f"lean:index={policy}", "--out", tmp_path / "out",
    )  # fmt: skip
    errors = capsys.readouterr().err
    assert code == 2
    assert "not an indexing policy field: excludedPath; allowed: automatic," in errors
    assert not (tmp_path / "out").exists()


def test_consistency_needs_the_local_target(tmp_path: Path, rubench, capsys) -> None:
    code = rubench(
        "compare", "--workload", WORKLOAD, "--variant", "base", "--variant",
        "s:consistency=Strong", "--target", "https://example.invalid:443/", "--out", tmp_path,
    )  # fmt: skip
    errors = capsys.readouterr().err
    assert code == 2
    assert "--variant s: consistency=Strong needs --target local" in errors


def test_one_variant_or_a_name_twice_is_refused(rubench, capsys) -> None:
    code = rubench("compare", "--workload", WORKLOAD, "--variant", "base")
    errors = capsys.readouterr().err
    assert code == 2 and "give at least two variants" in errors
    code = rubench("compare", "--workload", WORKLOAD, "--variant", "a", "--variant", "a:key=/id")
    errors = capsys.readouterr().err
    assert code == 2 and "variant(s) given twice: a" in errors


def test_a_policy_the_target_refuses_names_the_variant(tmp_path: Path, rubench, capsys) -> None:
    policy = tmp_path / "bogus.json"
    policy.write_text('{"indexingMode": "bogus"}')
    code = rubench(
        "compare", "--workload", WORKLOAD, "--variant", f"bogus:index={policy}",
        "--variant", "base", "--duration", "1s", "--out", tmp_path / "out",
    )  # fmt: skip
    errors = capsys.readouterr().err
    assert code == 2
    assert errors.startswith("rubench: error: --variant bogus: ")
    assert "indexingMode 'bogus' is invalid" in errors


def test_an_existing_container_of_another_design_stops_the_comparison(
    tmp_path: Path, rubench, capsys, emulator, client, new_name
) -> None:
    """Against a target that keeps containers (here the session's emulator reached by its
    endpoint), a variant's container left with another policy is named before any run."""
    database = new_name("variants")
    workload = tmp_path / "variants.toml"
    text = WORKLOAD.read_text().replace('database = "rubench-variants"', f'database = "{database}"')
    workload.write_text(text)
    proxy = client.create_database(database)
    try:
        proxy.create_container("products-lean", PartitionKey("/categoryId"))
        code = rubench(
            "compare", "--workload", workload, "--target", emulator.endpoint,
            "--variant", "base", "--variant", f"lean:index={WORKLOAD.parent / 'lean-index.json'}",
            "--out", tmp_path / "out",
        )  # fmt: skip
    finally:
        client.delete_database(database)
    errors = capsys.readouterr().err
    assert code == 2
    assert (
        f"--variant lean: {database}/products-lean already exists on "
        f"{emulator.endpoint.split('://')[1].rstrip('/')} and differs from the variant "
        "(indexing again /description/?, /name/?, /padding/?)"
    ) in errors
    assert not (tmp_path / "out").exists()
