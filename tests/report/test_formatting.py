"""Numbers, hosts and axes as the pages print them."""

from __future__ import annotations

import math

import pytest

from bench.formatting import ms, percent, ru, signed, signed_percent, signed_points
from bench.report.pages import safe_host
from bench.report.svg import linear_ticks, log_ticks, tick_label


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.4123, "0.412 ms"), (4.123, "4.12 ms"), (41.23, "41.2 ms"), (1234.6, "1,235 ms"),
     (None, "\u2013"), (math.nan, "\u2013")],
)  # fmt: skip
def test_milliseconds_keep_three_significant_digits(value, text):
    assert ms(value) == text


def test_shares_and_deltas():
    assert percent(0.12) == "12.0%"
    assert percent(0.00088) == "0.088%"
    assert ru(10.8) == "10.80 RU"
    assert signed(-0.5, "RU") == "\u22120.500 RU"
    assert signed_percent(0.275) == "+27.5%"
    assert signed_points(-0.0575) == "\u22125.75 pp"


def test_floating_point_noise_prints_as_no_change():
    noise = 1.0200000000000002 - 1.02
    assert signed(noise, "RU") == "\u00b10 RU"
    assert signed_percent(noise / 1.02) == "0%"


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("127.0.0.1:8081", "127.0.0.1:8081"),
        ("https://acct.documents.azure.com:443/", "acct.documents.azure.com:443"),
        ("https://user:secret@acct.documents.azure.com/?sig=abc", "acct.documents.azure.com"),
    ],
)
def test_endpoints_show_host_and_port_only(host, shown):
    assert safe_host(host) == shown


def test_axis_ticks_are_round_numbers():
    assert linear_ticks(0, 4400) == [0, 1000, 2000, 3000, 4000]
    assert log_ticks(1, 100) == [1, 2, 5, 10, 20, 50, 100]
    assert [tick_label(t) for t in (20.0, 2500.0, 0.5)] == ["20", "2,500", "0.5"]
