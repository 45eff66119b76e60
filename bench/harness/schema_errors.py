"""pydantic's validation errors as the lines rubench shows for a file a user wrote: the
key as the file writes it, then what is allowed there::

    try:
        WorkloadFile.model_validate(data)
    except ValidationError as error:
        error_lines(error, WorkloadFile)
        # ["operations.point_read.weight: expected an integer between 0 and 10000", ...]

What is allowed comes from the model, so it is written once: a field's `description`,
else its type and bounds; a validator's ValueError is shown as its message says.
"""

from __future__ import annotations

import json
import re
from types import UnionType
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

NOUNS = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


def error_lines(error: ValidationError, model: type[BaseModel]) -> list[str]:
    """Every error of validating `model`, one line each (the bad items of a list share one)."""
    return list(dict.fromkeys(_line(detail, model) for detail in error.errors()))


class _Place(NamedTuple):
    key: str  # dotted, as the file writes it
    field: FieldInfo  # the field (or table entry) the key ends in
    annotation: Any  # its type
    table: type[BaseModel]  # the model that holds the key


def _line(error: ErrorDetails, model: type[BaseModel]) -> str:
    key, field, annotation, table = place = _locate(error["loc"], model)
    kind = error["type"]
    if kind == "extra_forbidden":
        names = sorted(info.alias or name for name, info in table.model_fields.items())
        return f"{key}: unknown key (allowed: {', '.join(names)})"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = f"{key}.{field.discriminator}"
        allowed = ", ".join(_tagged(annotation, str(field.discriminator)))
        if kind == "union_tag_not_found":
            return f"{tag}: missing, expected one of {allowed}"
        return f"{tag}: {error['input'][field.discriminator]!r} is not one of {allowed}"
    if kind == "literal_error":
        return f"{key}: {error['input']!r} is not one of {', '.join(get_args(annotation))}"
    if kind == "value_error":
        return f"{key}: {error['ctx']['error']}"
    missing = "missing, " if kind == "missing" else ""
    return f"{key}: {missing}expected {_allowed(place)}"


def _locate(loc: tuple[str | int, ...], model: type[BaseModel]) -> _Place:
    """Walks the model along an error's location: tables (models) by key, named entries
    (dicts) by name, tagged unions by tag (which the file does not write)."""
    keys: list[str] = []
    field = FieldInfo.from_annotation(model)
    annotation: Any = model
    table = model
    mapping: Any = None  # the last dict walked into
    for item in loc:
        if item == "[key]":  # the name before is not a valid key of that dict
            annotation = get_args(mapping)[0]
            field = FieldInfo.from_annotation(annotation)
            break
        if field.discriminator:  # the item is the tag that chose a member of a union
            annotation = _tagged(annotation, str(field.discriminator))[str(item)]
            field = FieldInfo.from_annotation(annotation)
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            table = annotation
            fields = {info.alias or name: info for name, info in table.model_fields.items()}
            keys.append(toml_key(str(item)))
            if str(item) not in fields:  # an unknown key
                break
            field = fields[str(item)]
            annotation = field.annotation
        elif get_origin(annotation) is dict:
            keys.append(toml_key(str(item)))
            mapping, annotation = annotation, get_args(annotation)[1]
            field = FieldInfo.from_annotation(annotation)
        else:  # inside a value (a list's item, a JSON value): the key so far names it
            break
    return _Place(".".join(keys), field, _without_none(_unannotated(annotation)), table)


def _allowed(place: _Place) -> str:
    """What a field allows: its description, else its type and bounds."""
    field, annotation = place.field, place.annotation
    if field.description:
        return field.description
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(get_args(annotation))
    if field.discriminator:
        tags = ", ".join(_tagged(annotation, str(field.discriminator)))
        return f"a table whose {field.discriminator} is one of {tags}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"a [{place.key}] table"
    noun = NOUNS.get(annotation, "a valid value")
    bounds = {
        name: getattr(constraint, name)
        for constraint in field.metadata
        for name in ("ge", "gt", "le")
        if getattr(constraint, name, None) is not None
    }
    if "ge" in bounds and "le" in bounds:
        return f"{noun} between {bounds['ge']} and {bounds['le']}"
    if "gt" in bounds and "le" in bounds:
        return f"{noun} above {bounds['gt']} and at most {bounds['le']}"
    return noun


def _tagged(annotation: Any, discriminator: str) -> dict[str, type[BaseModel]]:
    """The members of a tagged union by tag, in the order the union lists them."""
    members = get_args(_unannotated(annotation))
    return {
        tag: member
        for member in members
        for tag in get_args(member.model_fields[discriminator].annotation)
    }


def _unannotated(annotation: Any) -> Any:
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _without_none(annotation: Any) -> Any:
    """`int` for `int | None`: what an optional key holds when it is set."""
    if get_origin(annotation) not in (Union, UnionType):
        return annotation
    members = [arg for arg in get_args(annotation) if arg is not type(None)]
    return members[0] if len(members) == 1 else annotation


def toml_key(key: str) -> str:
    """A key as TOML writes it: bare when it can be, else quoted."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)
