"""Pages of the job commands in the report's look: templates extend the report's
`base.html.j2` (inline CSS, print styles, a Content-Security-Policy that loads nothing),
with jinja2 autoescape on everything taken from runs and workloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bench import __version__


def render_page(package: str, template: str, **context: Any) -> str:
    """Render `template` from `package`'s templates/, which may extend the report's pages."""
    import jinja2

    from bench.report.formatting import FILTERS

    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader(package, "templates"),
                jinja2.PackageLoader("bench.report", "templates"),
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(FILTERS)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return environment.get_template(template).render(
        version=__version__, generated_at=generated, **context
    )
