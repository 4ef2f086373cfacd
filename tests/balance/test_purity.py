"""The rule engine stays pure: its modules import only the standard library, numpy, scipy and each other."""
import ast
import sys
from pathlib import Path

import pytest

BALANCE = Path(__file__).resolve().parents[2] / "meeting_manager" / "balance"
PURE_MODULES = ("policy.py", "engine.py", "solver.py")
FORBIDDEN = ("flask", "sqlalchemy", "meeting_manager.extensions")
ALLOWED_THIRD_PARTY = {"numpy", "scipy"}
SIBLINGS = {name.removesuffix(".py") for name in PURE_MODULES}


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, anywhere in it; relative imports resolved against meeting_manager.balance."""
    modules = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules += _absolute(node)
    return modules


def _absolute(node: ast.ImportFrom) -> list[str]:
    if node.level == 0:
        return [node.module]
    base = ".".join(["meeting_manager", "balance"][: 3 - node.level] + ([node.module] if node.module else []))
    # "from . import engine" names modules in its aliases
    return [base] if node.module else [f"{base}.{alias.name}" for alias in node.names]


@pytest.mark.parametrize("name", PURE_MODULES)
def test_no_flask_sqlalchemy_or_extensions(name):
    for module in imported_modules(BALANCE / name):
        assert not any(module == f or module.startswith(f + ".") for f in FORBIDDEN), f"{name} imports {module}"
        assert not module.startswith("flask_"), f"{name} imports {module}"


@pytest.mark.parametrize("name", PURE_MODULES)
def test_only_stdlib_numpy_scipy_and_siblings(name):
    for module in imported_modules(BALANCE / name):
        top = module.split(".")[0]
        sibling = module.startswith("meeting_manager.balance.") and module.split(".")[2] in SIBLINGS
        assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY or sibling, f"{name} imports {module}"


def test_the_scan_sees_relative_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from ..extensions import db\nfrom .models import X\nimport flask\nfrom .. import extensions\n")
    assert imported_modules(sample) == [
        "meeting_manager.extensions", "meeting_manager.balance.models", "flask", "meeting_manager.extensions",
    ]
