"""Rendering rubench's HTML pages: one jinja2 environment for every job's templates.

The run report, the comparison, the capacity plan and the key comparison all extend
`base.html.j2` (inline CSS, print styles, a Content-Security-Policy that loads
nothing); autoescape is on for everything taken from runs and workloads. Each job keeps
its templates in its own package's `templates/`; names are unique across them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import jinja2

from bench import __version__
from bench.formatting import FILTERS

TEMPLATE_PACKAGES = ("bench.report", "bench.capacity", "bench.variants")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.PackageLoader(package, "templates") for package in TEMPLATE_PACKAGES]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.filters["format_as"] = lambda value, name: FILTERS[name](value)
    return env


def render_page(template: str, **context: Any) -> str:
    """`template` rendered with `context`, the rubench version and the time it was made."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        environment()
        .get_template(template)
        .render(version=__version__, generated_at=generated, **context)
    )
