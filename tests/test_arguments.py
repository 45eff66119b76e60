"""The argument types the job commands share."""

import argparse

import pytest

from bench.arguments import percentage, positive_int


@pytest.mark.parametrize(
    ("text", "fraction"),
    [("20%", 0.2), ("20", 0.2), ("0.2", 0.2), ("1", 0.01), ("1%", 0.01), ("0", 0.0)],
)
def test_percentages_read_as_people_write_them(text, fraction):
    assert percentage(text) == pytest.approx(fraction)


@pytest.mark.parametrize("text", ["abc", "-5%", "5000%"])
def test_bad_percentages_say_what_is_allowed(text):
    with pytest.raises(argparse.ArgumentTypeError, match="percentage"):
        percentage(text)


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "x"])
def test_counts_below_one_or_not_whole_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="a whole number of at least 1"):
        positive_int(text)
