"""Small fixes to what the Jupyter Book 1.x theme stack puts on every page.

sphinx-thebe registers its configuration script once per read of the environment, so a build can
emit the same inline script twice, and the second copy fails in the browser with "Identifier
'THEBE_JS_URL' has already been declared". Keep only the first copy of each script.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _drop_duplicate_scripts(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for script in context.get("script_files", []):
        attributes = tuple(
            sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())
        )
        key = (getattr(script, "filename", None) or "", attributes)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = unique


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
