"""The folder tree is DESIGN.md's module map: each module imports only what the map allows."""

from __future__ import annotations

import ast
from pathlib import Path

import crossline

PACKAGE = Path(crossline.__file__).parent
BASE = {"core"}
SECURITY = BASE | {"auth", "audit"}
# DESIGN.md, module map: arrows point at what a module may import.
MAY_IMPORT = {
    "core": BASE,
    "auth": SECURITY,
    "audit": SECURITY,
    "orgs": SECURITY | {"orgs"},
    "people": SECURITY | {"orgs", "people"},
    # Anonymous reports go to the organisations of an area (outreach/reports.py): orgs
    # is the foundation every module stands on, as auth and audit are.
    "outreach": SECURITY | {"outreach", "orgs"},
    "comms": SECURITY | {"comms", "orgs", "people"},
    "analytics": SECURITY | {"analytics", "comms", "orgs", "people"},
    "lines": SECURITY | {"lines", "analytics", "comms", "orgs", "people"},
    "orders": SECURITY | {"orders", "lines", "analytics", "comms", "orgs", "people"},
    "programmes": SECURITY
    | {"programmes", "safeguarding", "lines", "analytics", "comms", "orgs", "people"},
    "safeguarding": SECURITY | {"safeguarding", "lines", "analytics", "comms", "orgs", "people"},
    "funding": SECURITY | {"funding"},
    "insight": SECURITY | {"insight"},
    "synth": SECURITY | {"synth"},
}
ANYTHING = {"web", "cli", "migrations", "models"}  # the top of the map


def _imports(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return {m.split(".")[1] for m in modules if m.startswith("crossline.") and m.count(".") >= 1}


def test_modules_import_only_what_the_module_map_allows() -> None:
    breaches = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        module = relative.parts[0].removesuffix(".py")
        if module in ANYTHING or module == "__init__" or module == "__main__":
            continue
        allowed = MAY_IMPORT.get(module)
        assert allowed is not None, f"{module} is not in the module map of this test"
        for imported in _imports(path) - allowed - {module}:
            breaches.append(f"{relative} imports crossline.{imported}")
    assert not breaches, "\n".join(breaches)


def test_nothing_imports_web_or_cli() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in {"web", "cli", "__main__.py"}:
            continue
        assert not _imports(path) & {"web", "cli"}, f"{relative} imports web or cli"
