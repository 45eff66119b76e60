"""Workload files: what container to target, which documents to load, and the weighted
operation mix, read from TOML into frozen dataclasses.

A workload plays the role `@task(weight)` plays in a locustfile, for people who do not
want to write Python. Every error names the file, the key and what is allowed::

    workload = load_workload(Path("workloads/catalog.toml"))
    workload.operations["point_read"].weight
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

from bench.errors import RubenchError
from bench.harness.documents import DocumentFactory, DocumentsSpec, value_at

OPERATION_KINDS = (
    "read",
    "query",
    "replace",
    "upsert",
    "create",
    "patch",
    "delete",
    "batch",
    "bulk_create",
    "stored_procedure",
)
THROUGHPUT_MODES = ("manual", "autoscale", "serverless")
GENERATORS = ("catalog", "template")
DISTRIBUTIONS = ("uniform", "zipf", "hotspot")
WORKLOAD_VARIABLE = "RUBENCH_WORKLOAD"  # how a run hands its workload to Locust processes
OVERRIDES_VARIABLE = "RUBENCH_WORKLOAD_OVERRIDES"  # JSON: see apply_overrides
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
# Bounds that keep a typo from exhausting memory: the service's item size limit is 2 MB
# (with room for system properties); Locust expands a task's weight into that many list
# entries; key choosers hold one number per document.
MAX_DOCUMENT_BYTES = 2_000_000
MAX_DOCUMENTS = 10_000_000
MAX_WEIGHT = 10_000


class WorkloadError(RubenchError):
    """A workload file is malformed; the message names the file, the key and what is allowed."""


@dataclass(frozen=True)
class ThroughputSpec:
    mode: str = "manual"  # manual | autoscale | serverless
    rus: int | None = 400  # manual RU/s or autoscale max RU/s; None when serverless


@dataclass(frozen=True)
class ContainerSpec:
    database: str = "rubench"
    container: str = "items"
    partition_key_paths: tuple[str, ...] = ("/id",)
    indexing_policy: dict[str, Any] | None = None
    throughput: ThroughputSpec = field(default_factory=ThroughputSpec)

    @property
    def partition_key_kind(self) -> str:
        return "MultiHash" if len(self.partition_key_paths) > 1 else "Hash"


@dataclass(frozen=True)
class KeysSpec:
    distribution: str = "uniform"  # uniform | zipf | hotspot
    skew: float = 1.0  # zipf exponent
    hot_fraction: float = 0.1  # hotspot: share of items that are hot
    hot_share: float = 0.9  # hotspot: share of accesses that go to hot items


@dataclass(frozen=True)
class ParameterSpec:
    """Where a query parameter's value comes from: a field of a chosen existing document,
    a uniform random number, or a constant."""

    source: str  # field | uniform | value
    document_field: str = ""
    low: float = 0.0
    high: float = 0.0
    value: Any = None


@dataclass(frozen=True)
class OperationSpec:
    name: str
    kind: str
    weight: int = 1
    missing_share: float = 0.0  # read: share of reads of ids that do not exist
    sql: str = ""  # query
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)  # query
    # query: True fans out; False insists on one partition (the filter must bind the key);
    # None (unset) decides from the filter and the key design (bench.harness.query_scope)
    cross_partition: bool | None = None
    changed_field: str = "price"  # replace / patch / upsert: the field changed
    retry_on_conflict: int = 0  # replace: re-read and retry this many times after a 412
    batch_size: int = 5  # batch: operations per batch
    bulk_size: int = 20  # bulk_create: items per job
    concurrency: int = 10  # bulk_create: creates in flight
    procedure: str = ""  # stored_procedure: the procedure's id
    script: str = ""  # stored_procedure: its JavaScript, registered before the run ("" = exists)


@dataclass(frozen=True)
class Workload:
    name: str
    container: ContainerSpec
    documents: DocumentsSpec
    keys: KeysSpec
    operations: dict[str, OperationSpec]
    source_text: str = ""  # the file exactly as read, saved into the run directory
    source_path: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)  # applied on top of the file

    def with_partition_key(self, paths: tuple[str, ...], container: str) -> Workload:
        """The same workload against another partition-key design (for key comparisons)."""
        return apply_overrides(self, {"partition_key": list(paths), "container": container})

    def document_factory(self) -> DocumentFactory:
        """The documents this workload loads and touches (`bench.harness.documents`)."""
        return DocumentFactory(self.name, self.container.partition_key_paths, self.documents)


def apply_overrides(workload: Workload, overrides: dict[str, Any]) -> Workload:
    """The workload with `container` and/or `partition_key` replaced; the overrides are kept
    so that a Locust child process can re-apply them to the file it loads."""
    if not overrides:
        return workload
    unknown = set(overrides) - {"container", "partition_key"}
    if unknown:
        raise WorkloadError(f"workload overrides: unknown {sorted(unknown)}")
    spec = workload.container
    if "partition_key" in overrides:
        spec = replace(spec, partition_key_paths=tuple(overrides["partition_key"]))
    if "container" in overrides:
        spec = replace(spec, container=overrides["container"])
    changed = replace(workload, container=spec, overrides={**workload.overrides, **overrides})
    _check_query_scopes(changed)
    _check_documents(changed)
    return changed


def load_workload(path: Path) -> Workload:
    """Read and validate a workload file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise WorkloadError(f"{path}: cannot read workload file ({error.strerror})") from None
    except UnicodeDecodeError as error:
        problem = f"expected UTF-8 text, found {_byte_problem(error)}"
        raise WorkloadError(f"{path}: {problem}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise WorkloadError(f"{path}: not valid TOML: {error}") from None
    return parse_workload(data, source=path, source_text=text)


def workload_from_environment(default: Path | None = None) -> Workload:
    """The workload file named by RUBENCH_WORKLOAD (else `default`) with the overrides in
    RUBENCH_WORKLOAD_OVERRIDES: Locust imports a locustfile before it parses options (and
    forks `--processes` after), so the environment is where every process finds them."""
    path = os.environ.get(WORKLOAD_VARIABLE) or default
    if path is None:
        raise WorkloadError(f"set {WORKLOAD_VARIABLE} to a workload file")
    overrides = json.loads(os.environ.get(OVERRIDES_VARIABLE) or "{}")
    return apply_overrides(load_workload(Path(path)), overrides)


def parse_workload(data: dict[str, Any], *, source: Path, source_text: str = "") -> Workload:
    """Validate a parsed TOML document; relative file references resolve next to `source`."""
    reader = _Reader(source)
    reader.allow_keys(data, "", {"name", "container", "documents", "keys", "operations"})
    name = reader.name(data.get("name", Path(source).stem), "name")
    workload = Workload(
        name=name,
        container=_container(reader, reader.table(data, "container")),
        documents=_documents(reader, reader.table(data, "documents")),
        keys=_keys(reader, reader.table(data, "keys")),
        operations=_operations(reader, data.get("operations")),
        source_text=source_text,
        source_path=str(source),
    )
    _check_query_scopes(workload)
    _check_documents(workload)
    return workload


def _check_documents(workload: Workload) -> None:
    """What only a generated document can show: a template must hold every partition key
    path, `field:` parameters must name a field the documents have, and a document must fit
    the service's item size limit (else every request of the run fails)."""
    reader = _Reader(Path(workload.source_path))
    try:
        sample = workload.document_factory().document(0)
    except ZeroDivisionError:
        reader.fail("documents.template", "placeholders {n} or {n%K} with K of 1 or more")
    if workload.documents.generator == "template":
        for path in workload.container.partition_key_paths:
            value = value_at(sample, path)
            if isinstance(value, dict | list) or value is None:
                reader.fail(
                    "documents.template",
                    f"a document with a string, number or boolean at the partition key "
                    f"path {path} (the template has {'none' if value is None else 'an object'})",
                )
        size = len(json.dumps(sample, separators=(",", ":")).encode())
        if size > MAX_DOCUMENT_BYTES:
            reader.fail("documents.template", f"a document under {MAX_DOCUMENT_BYTES} bytes")
    for spec in workload.operations.values():
        for name, parameter in spec.parameters.items():
            path = "/" + parameter.document_field.strip("/")
            if parameter.source == "field" and value_at(sample, path) is None:
                reader.fail(
                    f'operations.{spec.name}.parameters."{name}"',
                    f'"field:<path>" naming a field the documents have '
                    f"({', '.join(sorted(sample))}), nested with / as in field:address/city",
                )


def _check_query_scopes(workload: Workload) -> None:
    """A query the file says is single-partition (`cross_partition = false`) must bind every
    partition key path of the design by equality to a parameter, or it would silently be
    scoped to some other partition's documents."""
    from bench.harness.query_scope import key_parameters

    paths = workload.container.partition_key_paths
    for spec in workload.operations.values():
        single = spec.kind == "query" and spec.cross_partition is False
        if single and key_parameters(spec.sql, paths) is None:
            _Reader(Path(workload.source_path)).fail(
                f"operations.{spec.name}.cross_partition",
                f"true or unset: false needs the filter to bind every partition key path "
                f"({', '.join(paths)}) by equality to a parameter, as in "
                f"c.{paths[0].strip('/').replace('/', '.')} = @value",
            )


def _container(reader: _Reader, table: dict[str, Any]) -> ContainerSpec:
    reader.allow_keys(
        table,
        "container",
        {"database", "container", "partition_key", "indexing_policy", "throughput"},
    )
    paths = table.get("partition_key", "/id")
    if isinstance(paths, str):
        paths = [paths]
    if (
        not isinstance(paths, list)
        or not 1 <= len(paths) <= 3
        or not all(isinstance(p, str) and re.fullmatch(r"/[^/\s]+(/[^/\s]+)*", p) for p in paths)
    ):
        reader.fail(
            "container.partition_key",
            'a path like "/categoryId" or a list of 1 to 3 paths (hierarchical keys)',
        )
    if len(set(paths)) != len(paths):
        reader.fail("container.partition_key", "different paths (a path is listed twice)")
    policy = None
    if "indexing_policy" in table:
        policy = reader.json_file(table["indexing_policy"], "container.indexing_policy")
    return ContainerSpec(
        database=reader.name(table.get("database", "rubench"), "container.database"),
        container=reader.name(table.get("container", "items"), "container.container"),
        partition_key_paths=tuple(paths),
        indexing_policy=policy,
        throughput=_throughput(reader, table.get("throughput", {"mode": "manual", "rus": 400})),
    )


def _throughput(reader: _Reader, table: Any) -> ThroughputSpec:
    if not isinstance(table, dict):
        reader.fail("container.throughput", 'a table like {mode = "manual", rus = 4000}')
    reader.allow_keys(table, "container.throughput", {"mode", "rus"})
    mode = reader.choice(table.get("mode", "manual"), "container.throughput.mode", THROUGHPUT_MODES)
    if mode == "serverless":
        return ThroughputSpec(mode=mode, rus=None)
    minimum, step = (400, 100) if mode == "manual" else (1000, 1000)
    rus = reader.integer(table.get("rus", minimum), "container.throughput.rus", minimum)
    if rus % step:
        reader.fail("container.throughput.rus", f"a multiple of {step} for {mode} throughput")
    return ThroughputSpec(mode=mode, rus=rus)


def _documents(reader: _Reader, table: dict[str, Any]) -> DocumentsSpec:
    allowed = {"generator", "count", "size_bytes", "categories", "template"}
    reader.allow_keys(table, "documents", allowed)
    generator = reader.choice(table.get("generator", "catalog"), "documents.generator", GENERATORS)
    template = None
    if generator == "template":
        if "template" not in table:
            reader.fail(
                "documents.template", 'a JSON file name (required for generator "template")'
            )
        template = reader.json_file(table["template"], "documents.template")
    size = table.get("size_bytes")
    return DocumentsSpec(
        generator=generator,
        count=reader.integer(table.get("count", 1000), "documents.count", 1, MAX_DOCUMENTS),
        size_bytes=None
        if size is None
        else reader.integer(size, "documents.size_bytes", 1, MAX_DOCUMENT_BYTES),
        categories=reader.integer(
            table.get("categories", 20), "documents.categories", 1, MAX_DOCUMENTS
        ),
        template=template,
    )


def _keys(reader: _Reader, table: dict[str, Any]) -> KeysSpec:
    reader.allow_keys(table, "keys", {"distribution", "skew", "hot_fraction", "hot_share"})
    return KeysSpec(
        distribution=reader.choice(
            table.get("distribution", "uniform"), "keys.distribution", DISTRIBUTIONS
        ),
        skew=reader.number(table.get("skew", 1.0), "keys.skew", 0.0, 10.0),
        hot_fraction=reader.number(
            table.get("hot_fraction", 0.1), "keys.hot_fraction", 0.0, 1.0, above_low=True
        ),
        hot_share=reader.number(table.get("hot_share", 0.9), "keys.hot_share", 0.0, 1.0),
    )


_OPERATION_KEYS = {
    "read": {"missing_share"},
    "query": {"sql", "parameters", "cross_partition"},
    "replace": {"field", "retry_on_conflict"},
    "upsert": {"field"},
    "create": set(),
    "patch": {"field"},
    "delete": set(),
    "batch": {"batch_size"},
    "bulk_create": {"bulk_size", "concurrency"},
    "stored_procedure": {"procedure", "script", "parameters"},
}


def _operations(reader: _Reader, tables: Any) -> dict[str, OperationSpec]:
    if not isinstance(tables, dict) or not tables:
        reader.fail("operations", "at least one [operations.<name>] table with kind and weight")
    operations = {}
    for name, table in tables.items():
        key = f"operations.{name}"
        reader.name(name, key)
        if not isinstance(table, dict):
            reader.fail(key, "a table with kind and weight")
        kind = reader.choice(table.get("kind"), f"{key}.kind", OPERATION_KINDS)
        reader.allow_keys(table, key, {"kind", "weight", *_OPERATION_KEYS[kind]})
        spec = OperationSpec(
            name=name,
            kind=kind,
            weight=reader.integer(table.get("weight", 1), f"{key}.weight", 0, MAX_WEIGHT),
            missing_share=reader.number(
                table.get("missing_share", 0.0), f"{key}.missing_share", 0.0, 1.0
            ),
            sql=reader.text(table.get("sql", ""), f"{key}.sql"),
            parameters=_parameters(reader, table.get("parameters", {}), f"{key}.parameters"),
            cross_partition=None
            if "cross_partition" not in table
            else reader.boolean(table["cross_partition"], f"{key}.cross_partition"),
            changed_field=reader.name(table.get("field", "price"), f"{key}.field"),
            retry_on_conflict=reader.integer(
                table.get("retry_on_conflict", 0), f"{key}.retry_on_conflict", 0, 10
            ),
            batch_size=reader.integer(table.get("batch_size", 5), f"{key}.batch_size", 1, 100),
            bulk_size=reader.integer(table.get("bulk_size", 20), f"{key}.bulk_size", 1, 10_000),
            concurrency=reader.integer(table.get("concurrency", 10), f"{key}.concurrency", 1, 256),
            procedure=reader.name(table.get("procedure"), f"{key}.procedure")
            if kind == "stored_procedure"
            else "",
            script=reader.text_file(table["script"], f"{key}.script") if "script" in table else "",
        )
        if kind == "query" and not spec.sql.strip().upper().startswith("SELECT"):
            reader.fail(f"{key}.sql", "a SQL query starting with SELECT")
        if kind == "query":
            _check_sql(reader, spec.sql, f"{key}.sql")
        if kind == "query":
            missing = set(re.findall(r"@\w+", spec.sql)) - set(spec.parameters)
            if missing:
                allowed = f"a source for every parameter (missing {', '.join(sorted(missing))})"
                reader.fail(f"{key}.parameters", allowed)
        operations[name] = spec
    if not any(op.weight for op in operations.values()):
        reader.fail("operations", "at least one operation with weight > 0")
    return operations


def _parameters(reader: _Reader, table: Any, key: str) -> dict[str, ParameterSpec]:
    if not isinstance(table, dict):
        reader.fail(key, 'a table like {"@cat" = "field:categoryId", "@lo" = {uniform = [0, 50]}}')
    parameters = {}
    for name, spec in table.items():
        if not name.startswith("@"):
            reader.fail(f"{key}.{name}", "parameter names that start with @")
        parameters[name] = _parameter(reader, spec, f'{key}."{name}"')
    return parameters


def _parameter(reader: _Reader, spec: Any, key: str) -> ParameterSpec:
    allowed = '"field:<path>" (from a chosen document), {uniform = [low, high]} or {value = ...}'
    if isinstance(spec, str) and spec.startswith("field:") and len(spec) > 6:
        return ParameterSpec(source="field", document_field=spec[6:])
    if isinstance(spec, dict) and set(spec) == {"uniform"}:
        bounds = spec["uniform"]
        if (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            and all(math.isfinite(b) for b in bounds)
            and bounds[0] <= bounds[1]
        ):
            return ParameterSpec(source="uniform", low=float(bounds[0]), high=float(bounds[1]))
    if isinstance(spec, dict) and set(spec) == {"value"}:
        if not _is_json(spec["value"]):
            reader.fail(
                f"{key}.value",
                "a JSON value (a string, finite number, boolean, array or table); TOML dates "
                'and times are not JSON: quote them, as in "2024-05-27T07:32:00Z"',
            )
        return ParameterSpec(source="value", value=spec["value"])
    reader.fail(key, allowed + ", with finite numbers and low <= high")


def _check_sql(reader: _Reader, sql: str, key: str) -> None:
    """A query that does not parse fails every call of the run: say so before it starts."""
    from bench.emulator.errors import CosmosError
    from bench.emulator.query import check_syntax

    try:
        check_syntax(sql)
    except CosmosError as error:
        reader.fail(key, f"a query that parses: {_query_problem(error.message)}")


def _query_problem(message: str) -> str:
    """The service's `Message: {"errors": [...]}` as `<message> (at character N)`."""
    try:
        entry = json.loads(message.removeprefix("Message: "))["errors"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return message
    where = (entry.get("location") or {}).get("start")
    text = str(entry.get("message", message)).rstrip(".")
    return text + ("" if where is None else f" (at character {where})")


def _is_json(value: Any) -> bool:
    """Whether the SDK can send `value` as JSON (TOML also has dates, times and inf)."""
    if isinstance(value, datetime.date | datetime.time):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json(item) for item in value)
    if isinstance(value, dict):
        return all(_is_json(item) for item in value.values())
    return isinstance(value, str | int | bool)


def _byte_problem(error: UnicodeDecodeError) -> str:
    return f"byte 0x{error.object[error.start]:02x} at offset {error.start}"


@dataclass(frozen=True)
class _Reader:
    """Validation helpers that know which file they are reading."""

    source: Path

    def fail(self, key: str, allowed: str) -> NoReturn:
        raise WorkloadError(f"{self.source}: {key}: expected {allowed}")

    def allow_keys(self, table: dict[str, Any], where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                prefix = f"{where}." if where else ""
                names = ", ".join(sorted(allowed))
                raise WorkloadError(f"{self.source}: {prefix}{key}: unknown key (allowed: {names})")

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.fail(key, f"a [{key}] table")
        return value

    def name(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not NAME_PATTERN.match(value):
            self.fail(key, "a name of letters, digits, '_', '.', '-' (at most 64 characters)")
        return value

    def choice(self, value: Any, key: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            shown = "missing" if value is None else repr(value)
            raise WorkloadError(f"{self.source}: {key}: {shown} is not one of {', '.join(allowed)}")
        return value

    def integer(self, value: Any, key: str, low: int, high: int | None = None) -> int:
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < low
            or (high is not None and value > high)
        ):
            bound = f"between {low} and {high}" if high is not None else f">= {low}"
            self.fail(key, f"an integer {bound}")
        return value

    def number(
        self, value: Any, key: str, low: float, high: float, *, above_low: bool = False
    ) -> float:
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or not low <= value <= high or (above_low and value == low):
            self.fail(key, f"a number {'above' if above_low else 'from'} {low} to {high}")
        return float(value)

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            self.fail(key, "a string")
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            self.fail(key, "true or false")
        return value

    def text_file(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            self.fail(key, "a file name, relative to the workload file")
        path = Path(self.source).parent / value
        try:
            return path.read_text(encoding="utf-8")
        except OSError as error:
            raise WorkloadError(
                f"{self.source}: {key}: cannot read {path} ({error.strerror})"
            ) from None

    def json_file(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, str):
            self.fail(key, "a JSON file name, relative to the workload file")
        path = Path(self.source).parent / value
        try:
            data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_not_json)
        except OSError as error:
            problem = f"cannot read {path} ({error.strerror})"
            raise WorkloadError(f"{self.source}: {key}: {problem}") from None
        except UnicodeDecodeError as error:
            problem = f"{path} is not UTF-8 text ({_byte_problem(error)})"
            raise WorkloadError(f"{self.source}: {key}: {problem}") from None
        except ValueError as error:  # JSONDecodeError, or NaN / Infinity (not JSON)
            problem = f"{path} is not valid JSON: {error}"
            raise WorkloadError(f"{self.source}: {key}: {problem}") from None
        except RecursionError:
            problem = f"{path} is nested too deeply"
            raise WorkloadError(f"{self.source}: {key}: {problem}") from None
        if not isinstance(data, dict):
            self.fail(key, f"a JSON object in {path}")
        return data


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not a JSON number")
