"""How the parts may fit: no import circle anywhere in the package, and a feature's services use another
feature's services only along a declared, acyclic list (what one feature does when another changes goes through
`meeting_manager.signals`). Imports inside functions count: a lazy import is a circle postponed, not avoided."""
import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "meeting_manager"

#: whose services a feature's services may call. Add an edge here when a new use is meant; the test keeps it acyclic.
USES = {
    "accounts": {"audit", "mail"},
    "agenda": {"audit", "mail", "meetings", "reference"},
    "api": {"accounts", "agenda", "audit", "balance", "checkin", "delegations", "invitations", "jobs", "mail",
            "meetings", "registration"},
    "badges": {"audit", "checkin", "meetings", "reference"},
    "balance": {"audit", "delegations", "reference", "registration"},
    "checkin": {"audit", "reference"},
    "delegations": {"audit", "invitations"},
    "demo": {"accounts", "meetings"},
    "invitations": {"accounts", "audit", "mail"},
    "jobs": {"audit"},
    "mail": {"audit"},
    "meeting_mail": {"audit", "mail", "registration"},
    "meetings": {"audit", "reference"},
    "privacy": {"audit", "captcha"},
    "reference": {"audit"},
    "registration": {"accounts", "audit", "invitations", "mail", "meetings", "reference"},
    "waitlist": {"audit", "balance", "mail", "registration"},
}


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name inside the package ("" for the package itself) -> (file, is a package's __init__)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        is_init = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_init else parts)] = (path, is_init)
    return found


def _imports(name: str, tree: ast.AST, is_init: bool, modules: dict) -> set[str]:
    """The package's modules that module `name` (parsed as `tree`) imports, anywhere in that tree."""
    here = name.split(".") if name else []
    package = here if is_init else here[:-1]
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            named = node.module.split(".") if node.module else []
            if node.level:
                module = package[: len(package) - node.level + 1] + named
            elif named[:1] == ["meeting_manager"]:
                module = named[1:]
            else:
                continue
            for alias in node.names:  # `from . import services` names a module, `from .x import f` an attribute
                dotted = ".".join([*module, alias.name])
                targets.add(dotted if dotted in modules else ".".join(module))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "meeting_manager":
                    targets.add(".".join(alias.name.split(".")[1:]))
    return {target for target in targets if target in modules and target != name}


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, _parse(path), is_init, modules) for name, (path, is_init) in modules.items()}


def _feature_services(name: str) -> str | None:
    """The feature whose services module (or services package) `name` is part of."""
    parts = name.split(".")
    return parts[0] if len(parts) > 1 and parts[1] == "services" else None


def test_no_module_imports_itself_back(graph):
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as circle:
        pytest.fail(f"import circle: {' -> '.join(circle.args[1])}")


def test_services_use_other_features_services_only_as_declared(graph):
    undeclared = sorted(
        f"{source} imports {target}"
        for source, targets in graph.items() if (feature := _feature_services(source))
        for target in targets if (used := _feature_services(target)) and used != feature
        and used not in USES.get(feature, set()))
    assert undeclared == [], "declare the use in USES or let the feature react to a signal"


def _lazy_imports(path: Path, is_init: bool, name: str, modules: dict) -> set[str]:
    """The package's modules imported inside a function of module `name`."""
    functions = [node for node in ast.walk(_parse(path)) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    return _imports(name, ast.Module(body=functions, type_ignores=[]), is_init, modules)


#: modules that may import the app lazily: entry points, which nothing in the app imports
ENTRY_POINTS = {"celery_app"}


def test_no_feature_imports_another_inside_a_function():
    """A lazy import across features is a circle postponed: react to a signal or declare the use instead."""
    modules = _modules()
    lazy = sorted(
        f"{name} imports {target}"
        for name, (path, is_init) in modules.items() if name not in ENTRY_POINTS
        for target in _lazy_imports(path, is_init, name, modules)
        if target.split(".")[0] != name.split(".")[0])
    assert lazy == []


def test_the_declared_uses_are_acyclic():
    list(graphlib.TopologicalSorter(USES).static_order())  # raises CycleError on a circle


def test_the_checks_see_lazy_imports_and_services_packages(tmp_path):
    """The checker itself: an import inside a function is found, and services/ packages count as services."""
    modules = {"a.services": None, "b.services.status": None, "b.services": None}
    source = tmp_path / "services.py"
    source.write_text("def f():\n    from ..b.services.status import change\n", encoding="utf-8")
    assert _lazy_imports(source, False, "a.services", modules) == {"b.services.status"}
    assert _feature_services("b.services.status") == "b"
