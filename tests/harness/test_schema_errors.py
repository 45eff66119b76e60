"""pydantic errors become `key: what is allowed` lines for any model, not only workloads:
tagged unions as plain fields, optional and literal fields, bounds and descriptions."""

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bench.harness.schema_errors import error_lines


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Circle(_Table):
    shape: Literal["circle"]
    radius: float = Field(1.0, gt=0, le=5)


class Square(_Table):
    shape: Literal["square"]
    side: int | None = Field(None, ge=1, le=9)


class Drawing(_Table):
    colour: Literal["red", "blue"] = "red"
    figure: Annotated[Circle | Square, Field(discriminator="shape")]
    label: str = Field("", description="a label of your choice")
    layers: dict[str, Circle] = {}


def lines(data: dict) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Drawing.model_validate(data)
    return error_lines(caught.value, Drawing)


def test_each_error_of_any_model_is_one_line():
    assert lines(
        {
            "colour": "green",
            "figure": {"shape": "square", "side": 10, "corner": 1},
            "label": 5,
            "layers": {"top layer": {"shape": "circle", "radius": 0}},
        }
    ) == [
        "colour: 'green' is not one of red, blue",
        "figure.side: expected an integer between 1 and 9",
        "figure.corner: unknown key (allowed: shape, side)",
        "label: expected a label of your choice",
        'layers."top layer".radius: expected a number above 0 and at most 5',
    ]


def test_a_tag_that_is_wrong_or_missing_names_the_tags_allowed():
    assert lines({"figure": {"shape": "oval"}}) == [
        "figure.shape: 'oval' is not one of circle, square"
    ]
    assert lines({"figure": {}}) == ["figure.shape: missing, expected one of circle, square"]
    assert lines({}) == ["figure: missing, expected a table whose shape is one of circle, square"]
