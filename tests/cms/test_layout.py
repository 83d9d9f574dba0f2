"""The folders show the design (issue 10): apps depend one way — meetings → deliberation → cms —
and no module imports another's private helpers, at the bottom of a file or through ``__import__``.

Only the site's ``cms/urls.py``, ``cms/asgi.py``, ``cms/tasks.py`` and the commands that orchestrate both apps
(``cms/management/``) see both apps."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cms", "deliberation", "meetings")
# Who may import whom (an app may always import itself).
ALLOWED = {"cms": set(), "deliberation": {"cms"}, "meetings": {"cms", "deliberation"}}
SITE = ("cms/urls.py", "cms/asgi.py", "cms/tasks.py", "cms/management/")


def sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative:
                yield relative, ast.parse(path.read_text(encoding="utf-8"), filename=relative)


def imported_modules(tree, relative):
    """(module, names, node) for every import, relative ones resolved against ``relative``."""
    package = relative.removesuffix(".py").split("/")[:-1]  # a module's (or __init__'s) package
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module, [alias.name for alias in node.names], node


SOURCES = list(sources())


def test_imports_run_one_way_and_touch_no_private_name():
    wrong = []
    for relative, tree in SOURCES:
        app = relative.split("/")[0]
        for module, names, node in imported_modules(tree, relative):
            top = module.split(".")[0]
            if top in APPS and top != app and top not in ALLOWED[app] and not relative.startswith(SITE):
                wrong.append(f"{relative}:{node.lineno} imports {module}: {app} may not depend on {top}")
            if top in APPS:
                wrong += [
                    f"{relative}:{node.lineno} imports the private {module}.{name}"
                    for name in names
                    if name.startswith("_") and not name.startswith("__")
                ]
    assert wrong == []


def test_no_dynamic_or_late_imports():
    wrong = []
    for relative, tree in SOURCES:
        wrong += [
            f"{relative}:{node.lineno} uses __import__"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__"
        ]
        seen_code = False
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if seen_code:
                    wrong.append(f"{relative}:{node.lineno} imports below the module's code")
            elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                seen_code = True
    assert wrong == []


def test_the_rules_see_a_violation():
    """The checks above would catch what they look for (a check that sees nothing proves nothing)."""
    tree = ast.parse(
        "from deliberation.services.requests import _tell\nfrom meetings.models import Meeting\n"
    )
    found = list(imported_modules(tree, "deliberation/services/x.py"))
    assert [(module, names) for module, names, _node in found] == [
        ("deliberation.services.requests", ["_tell"]),
        ("meetings.models", ["Meeting"]),
    ]
    relative = list(
        imported_modules(ast.parse("from ..models import Request\n"), "deliberation/views/hall.py")
    )
    assert relative[0][0] == "deliberation.models"
