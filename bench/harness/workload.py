"""Workload files: what container to target, which documents to load, and the weighted
operation mix, read from TOML into frozen pydantic models.

A workload plays the role `@task(weight)` plays in a locustfile, for people who do not
want to write Python. The models below are the reference of what a file may say: keys,
types, bounds and defaults, each written once. Every error names the file, the key and
what is allowed, one line per error::

    workload = load_workload(Path("workloads/catalog.toml"))
    workload.operations["point_read"].weight
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, get_args

from pydantic import (
    Field,
    JsonValue,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bench.errors import RubenchError
from bench.harness.documents import (
    MAX_DOCUMENT_BYTES,
    DocumentFactory,
    DocumentsSpec,
    value_at,
)
from bench.harness.schema_errors import error_lines, toml_key
from bench.harness.spec import JsonFile, Name, Spec, TextFile, byte_problem

WORKLOAD_VARIABLE = "RUBENCH_WORKLOAD"  # how a run hands its workload to Locust processes
OVERRIDES_VARIABLE = "RUBENCH_WORKLOAD_OVERRIDES"  # JSON: see apply_overrides
CLIENTS = ("sdk", "fast")  # WorkloadFile.client
MAX_WEIGHT = 10_000  # Locust expands a task's weight into that many list entries
PROVISIONED_RUS = {"manual": (400, 100), "autoscale": (1000, 1000)}  # mode: (minimum, step)


class WorkloadError(RubenchError):
    """A workload file is malformed; each line names the file, the key and what is allowed."""


ParameterName = Annotated[str, Field(pattern="^@", description="parameter names that start with @")]


class ThroughputSpec(Spec):
    mode: Literal["manual", "autoscale", "serverless"] = "manual"
    rus: int | None = Field(  # manual RU/s or autoscale max RU/s; None when serverless
        None,
        validate_default=True,
        description="an integer number of RU/s: "
        + ", ".join(
            f"{m}: {low} or more in steps of {step}" for m, (low, step) in PROVISIONED_RUS.items()
        ),
    )

    @field_validator("rus")
    @classmethod
    def _fits_the_mode(cls, rus: int | None, info: ValidationInfo) -> int | None:
        """Unset means the mode's minimum; serverless containers have no RU/s to set."""
        mode = info.data.get("mode")
        if mode == "serverless" and rus is not None:
            raise ValueError("expected no rus for serverless throughput")
        if mode not in PROVISIONED_RUS:
            return rus
        minimum, step = PROVISIONED_RUS[mode]
        if rus is None:
            return minimum
        if rus < minimum:
            raise ValueError(f"expected an integer >= {minimum} for {mode} throughput")
        if rus % step:
            raise ValueError(f"expected a multiple of {step} for {mode} throughput")
        return rus


class ContainerSpec(Spec):
    database: Name = "rubench"
    container: Name = "items"
    partition_key_paths: tuple[Annotated[str, Field(pattern=r"^/[^/\s]+(/[^/\s]+)*$")], ...] = (
        Field(
            ("/id",),
            alias="partition_key",
            min_length=1,
            max_length=3,
            description='a path like "/categoryId" or a list of 1 to 3 paths (hierarchical keys)',
        )
    )
    indexing_policy: JsonFile | None = None
    throughput: ThroughputSpec = Field(
        ThroughputSpec(), description='a table like {mode = "manual", rus = 4000}'
    )

    @field_validator("partition_key_paths", mode="before")
    @classmethod
    def _one_path_or_a_list(cls, paths: Any) -> Any:
        if isinstance(paths, str):
            return (paths,)
        return tuple(paths) if isinstance(paths, list) else paths

    @field_validator("partition_key_paths")
    @classmethod
    def _different(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(paths)) != len(paths):
            raise ValueError("expected different paths (a path is listed twice)")
        return paths

    @property
    def partition_key_kind(self) -> str:
        return "MultiHash" if len(self.partition_key_paths) > 1 else "Hash"


class KeysSpec(Spec):
    distribution: Literal["uniform", "zipf", "hotspot"] = "uniform"
    skew: float = Field(1.0, ge=0, le=10)  # zipf exponent
    hot_fraction: float = Field(0.1, gt=0, le=1)  # hotspot: share of items that are hot
    hot_share: float = Field(0.9, ge=0, le=1)  # hotspot: share of accesses to hot items


PARAMETER_FORMS = (
    '"field:<path>" (from a chosen document), {uniform = [low, high]} or {value = ...}'
)


class ParameterSpec(Spec):
    """Where a query parameter's value comes from: a field of a chosen existing document,
    a uniform random number, or a constant. The file writes one of PARAMETER_FORMS."""

    source: Literal["field", "uniform", "value"]
    document_field: str = ""
    low: float = 0.0
    high: float = 0.0
    value: JsonValue = Field(
        None,
        description="a JSON value (a string, finite number, boolean, array or table); TOML dates "
        'and times are not JSON: quote them, as in "2024-05-27T07:32:00Z"',
    )

    @model_validator(mode="before")
    @classmethod
    def _from_the_file(cls, spec: Any) -> dict[str, Any]:
        if isinstance(spec, str) and spec.startswith("field:") and len(spec) > 6:
            return {"source": "field", "document_field": spec[6:]}
        if isinstance(spec, dict) and set(spec) == {"value"}:
            return {"source": "value", "value": spec["value"]}
        if isinstance(spec, dict) and set(spec) == {"uniform"} and _is_range(spec["uniform"]):
            return {"source": "uniform", "low": spec["uniform"][0], "high": spec["uniform"][1]}
        raise ValueError(f"expected {PARAMETER_FORMS}, with finite numbers and low <= high")


Parameters = Annotated[
    dict[ParameterName, ParameterSpec],
    Field(description='a table like {"@cat" = "field:categoryId", "@lo" = {uniform = [0, 50]}}'),
]


class _Operation(Spec):
    """What every operation has: a weight in the mix (Locust's `@task(weight)`; 0 disables
    it) and a name, the key of its table in the file."""

    weight: int = Field(1, ge=0, le=MAX_WEIGHT)
    _name: str = PrivateAttr("")

    @property
    def name(self) -> str:
        return self._name


class _FieldChange(_Operation):
    changed_field: Name = Field("price", alias="field")  # the field the operation changes


class ReadOperation(_Operation):
    kind: Literal["read"]
    missing_share: float = Field(0.0, ge=0, le=1)  # share of reads of ids that do not exist


SQL_ALLOWED = "a string with a SQL query starting with SELECT"


class QueryOperation(_Operation):
    kind: Literal["query"]
    sql: str = Field(description=SQL_ALLOWED)
    parameters: Parameters = Field({}, validate_default=True)
    # True fans out; False insists on one partition (the filter must bind the key);
    # None (unset) decides from the filter and the key design (bench.harness.query_scope)
    cross_partition: bool | None = None

    @field_validator("sql")
    @classmethod
    def _parses(cls, sql: str) -> str:
        """A query that does not parse fails every call of the run: say so before it starts."""
        from bench.emulator.errors import CosmosError
        from bench.emulator.query import check_syntax

        if not sql.strip().upper().startswith("SELECT"):
            raise ValueError(f"expected {SQL_ALLOWED}")
        try:
            check_syntax(sql)
        except CosmosError as error:
            problem = _query_problem(error.message)
            raise ValueError(f"expected a query that parses: {problem}") from None
        return sql

    @field_validator("parameters")
    @classmethod
    def _one_per_placeholder(cls, parameters: dict[str, Any], info: ValidationInfo) -> Any:
        missing = set(re.findall(r"@\w+", info.data.get("sql", ""))) - set(parameters)
        if missing:
            problem = f"missing {', '.join(sorted(missing))}"
            raise ValueError(f"expected a source for every parameter ({problem})")
        return parameters


class ReplaceOperation(_FieldChange):
    kind: Literal["replace"]
    retry_on_conflict: int = Field(0, ge=0, le=10)  # re-read and retry after a 412


class UpsertOperation(_FieldChange):
    kind: Literal["upsert"]


class CreateOperation(_Operation):
    kind: Literal["create"]


class PatchOperation(_FieldChange):
    kind: Literal["patch"]


class DeleteOperation(_Operation):
    kind: Literal["delete"]


class BatchOperation(_Operation):
    kind: Literal["batch"]
    batch_size: int = Field(5, ge=1, le=100)  # operations per batch


class BulkCreateOperation(_Operation):
    kind: Literal["bulk_create"]
    bulk_size: int = Field(20, ge=1, le=10_000)  # items per job
    concurrency: int = Field(10, ge=1, le=256)  # creates in flight


class StoredProcedureOperation(_Operation):
    kind: Literal["stored_procedure"]
    procedure: Name  # the procedure's id
    script: TextFile = ""  # its JavaScript, registered before the run ("" = it exists)
    parameters: Parameters = Field(default_factory=dict)  # positional, in the order written


# The one list of operation kinds: everything else (dispatch, errors) derives from it.
OperationSpec = Annotated[
    ReadOperation
    | QueryOperation
    | ReplaceOperation
    | UpsertOperation
    | CreateOperation
    | PatchOperation
    | DeleteOperation
    | BatchOperation
    | BulkCreateOperation
    | StoredProcedureOperation,
    Field(discriminator="kind", description="a table with kind and weight"),
]
OPERATION_KINDS = tuple(
    get_args(model.model_fields["kind"].annotation)[0]
    for model in get_args(get_args(OperationSpec)[0])
)


class RunSpec(Spec):
    """How the harness measures, beyond what it sends."""

    # Calls per query operation per Locust process that ask for index metrics (the
    # service documents an overhead for them, so only a sample asks); 0: none.
    index_metrics_sample: int = Field(3, ge=0, le=10_000)


class WorkloadFile(Spec):
    """Everything a workload file may say."""

    name: Name  # names the run directory and document ids; default: the file's name
    client: Literal["sdk", "fast"] = Field(
        "sdk",
        description='"sdk" (azure-cosmos: latencies as applications see them) or "fast" '
        "(rubench's gateway client: more load per core)",
    )
    container: ContainerSpec = ContainerSpec()
    documents: DocumentsSpec = DocumentsSpec()
    keys: KeysSpec = KeysSpec()
    run: RunSpec = RunSpec()
    operations: dict[Name, OperationSpec] = Field(
        min_length=1, description="at least one [operations.<name>] table with kind and weight"
    )

    @field_validator("operations")
    @classmethod
    def _named_and_weighted(cls, operations: dict[str, _Operation]) -> Any:
        for name, spec in operations.items():
            spec._name = name  # a private attribute: set here, once
        if not any(spec.weight for spec in operations.values()):
            raise ValueError("expected at least one operation with weight > 0")
        return operations


class Workload(WorkloadFile):
    """A validated workload file, and what the file itself cannot set: its text (saved
    into the run directory), its path, and the overrides applied on top of it."""

    source_text: str = ""
    source_path: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)

    def with_partition_key(self, paths: tuple[str, ...], container: str) -> Workload:
        """The same workload against another partition-key design (for key comparisons)."""
        return apply_overrides(self, {"partition_key": list(paths), "container": container})

    def document_factory(self) -> DocumentFactory:
        """The documents this workload loads and touches (`bench.harness.documents`)."""
        return DocumentFactory(self.name, self.container.partition_key_paths, self.documents)


OVERRIDABLE = ("container", "partition_key", "indexing_policy", "throughput", "client")


def apply_overrides(workload: Workload, overrides: dict[str, Any]) -> Workload:
    """The workload with some of its settings replaced (`OVERRIDABLE`: the container's
    name, key paths, indexing policy as a JSON object and throughput as {"mode", "rus"};
    the client); the overrides are kept so that a Locust child process can re-apply them
    to the file it loads."""
    if not overrides:
        return workload
    unknown = set(overrides) - set(OVERRIDABLE)
    if unknown:
        raise WorkloadError(f"workload overrides: unknown {sorted(unknown)}")
    changes: dict[str, Any] = {}
    if "partition_key" in overrides:
        changes["partition_key_paths"] = tuple(overrides["partition_key"])
    if "container" in overrides:
        changes["container"] = overrides["container"]
    if "indexing_policy" in overrides:
        changes["indexing_policy"] = overrides["indexing_policy"]
    if "throughput" in overrides:
        changes["throughput"] = ThroughputSpec.model_validate(overrides["throughput"])
    update: dict[str, Any] = {
        "container": workload.container.model_copy(update=changes),
        "overrides": {**workload.overrides, **overrides},
    }
    if "client" in overrides:
        if overrides["client"] not in CLIENTS:
            raise WorkloadError(
                f"client {overrides['client']!r}: expected one of {', '.join(CLIENTS)}"
            )
        update["client"] = overrides["client"]
    changed = workload.model_copy(update=update)
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
        problem = f"expected UTF-8 text, found {byte_problem(error)}"
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
    source = Path(source)
    try:
        spec = WorkloadFile.model_validate(
            {"name": source.stem, **data}, context={"directory": source.parent}
        )
    except ValidationError as error:
        lines = (f"{source}: {line}" for line in error_lines(error, WorkloadFile))
        raise WorkloadError("\n".join(lines)) from None
    workload = Workload.model_construct(  # validated just above
        **dict(iter(spec)), source_text=source_text, source_path=str(source)
    )
    _check_query_scopes(workload)
    _check_documents(workload)
    return workload


def _fail(workload: Workload, key: str, allowed: str) -> NoReturn:
    raise WorkloadError(f"{workload.source_path}: {key}: expected {allowed}")


def _check_documents(workload: Workload) -> None:
    """What only a generated document can show: a template must hold every partition key
    path, `field:` parameters must name a field the documents have, and a document must fit
    the service's item size limit (else every request of the run fails)."""
    try:
        sample = workload.document_factory().document(0)
    except ZeroDivisionError:
        _fail(workload, "documents.template", "placeholders {n} or {n%K} with K of 1 or more")
    if workload.documents.generator == "template":
        for path in workload.container.partition_key_paths:
            value = value_at(sample, path)
            if isinstance(value, dict | list) or value is None:
                _fail(
                    workload,
                    "documents.template",
                    f"a document with a string, number or boolean at the partition key "
                    f"path {path} (the template has {'none' if value is None else 'an object'})",
                )
        size = len(json.dumps(sample, separators=(",", ":")).encode())
        if size > MAX_DOCUMENT_BYTES:
            _fail(workload, "documents.template", f"a document under {MAX_DOCUMENT_BYTES} bytes")
    for spec in workload.operations.values():
        parameters = getattr(spec, "parameters", {})  # query and stored_procedure
        for name, parameter in parameters.items():
            path = "/" + parameter.document_field.strip("/")
            if parameter.source == "field" and value_at(sample, path) is None:
                _fail(
                    workload,
                    f"operations.{spec.name}.parameters.{toml_key(name)}",
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
        single = isinstance(spec, QueryOperation) and spec.cross_partition is False
        if single and key_parameters(spec.sql, paths) is None:
            _fail(
                workload,
                f"operations.{spec.name}.cross_partition",
                f"true or unset: false needs the filter to bind every partition key path "
                f"({', '.join(paths)}) by equality to a parameter, as in "
                f"c.{paths[0].strip('/').replace('/', '.')} = @value",
            )


def _query_problem(message: str) -> str:
    """The service's `Message: {"errors": [...]}` as `<message> (at character N)`."""
    try:
        entry = json.loads(message.removeprefix("Message: "))["errors"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return message
    where = (entry.get("location") or {}).get("start")
    text = str(entry.get("message", message)).rstrip(".")
    return text + ("" if where is None else f" (at character {where})")


def _is_range(bounds: Any) -> bool:
    """[low, high]: two finite numbers, low <= high (TOML also has inf and nan)."""
    numbers = isinstance(bounds, list) and all(
        isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b) for b in bounds
    )
    return numbers and len(bounds) == 2 and bounds[0] <= bounds[1]
