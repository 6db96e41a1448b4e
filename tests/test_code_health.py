"""The shape of the code: services know no HTTP, private names stay private, no import cycles."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "secrets_app", "accounts", "proxyshop", "shopbot", "viewstats", "grpcapi")


def _modules(predicate) -> list[Path]:
    out = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            if predicate(rel):
                out.append(path)
    return sorted(out)


def _is_service(rel: Path) -> bool:
    return "services" in rel.parts or rel.name == "selectors.py"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@pytest.mark.parametrize("path", _modules(_is_service), ids=lambda p: str(p.relative_to(ROOT)))
def test_service_functions_take_no_http_request(path):
    """Every interface (REST, pages, admin, tasks, gRPC, bot) calls the same services: they
    take domain arguments, and the actor context (core.context) says who is acting."""
    tree = ast.parse(path.read_text())
    offenders = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            for arg in args:
                annotation = ast.unparse(arg.annotation) if arg.annotation else ""
                if (
                    arg.arg in ("request", "req")
                    or "HttpRequest" in annotation
                    or ("Request" in annotation and "rest_framework" in annotation)
                ):
                    offenders.append(f"{node.name}({arg.arg})")
    assert not offenders, f"{path.name}: {offenders}"


def test_service_signatures_walked_at_run_time():
    """The same check on the imported functions (catches `**kwargs`-built signatures)."""
    import importlib

    checked = 0
    for path in _modules(_is_service):
        module = importlib.import_module(_module_name(path))
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__:
                assert "request" not in inspect.signature(fn).parameters, (
                    f"{module.__name__}.{name}"
                )
                checked += 1
    assert checked > 100


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_imports(path: Path) -> list[str]:
    """`from m import _name`, and `m._name` where `m` is a module of ours imported here."""
    tree = ast.parse(path.read_text())
    found = []
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            ours = node.level > 0 or (node.module or "").split(".")[0] in APPS
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"from {'.' * node.level}{node.module or ''} import {alias.name}")
                elif ours and alias.name[:1].islower():
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in APPS:
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_module_imports_another_modules_private_names():
    offenders = {}
    for path in _modules(lambda rel: True):
        names = _private_imports(path)
        if names:
            offenders[str(path.relative_to(ROOT))] = names
    assert not offenders, offenders


def _import_graph() -> dict[str, set[str]]:
    """Module-level imports between our modules (imports inside functions are deliberate breaks)."""
    paths = {_module_name(path): path for path in _modules(lambda rel: True)}
    for name in ("config",):
        for path in (ROOT / name).rglob("*.py"):
            paths[_module_name(path)] = path

    def resolve(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for top in ast.parse(path.read_text()).body:
            # Conditional module-level imports (TYPE_CHECKING, try/except) count too.
            nodes = ast.walk(top) if isinstance(top, (ast.If, ast.Try)) else [top]
            for node in nodes:
                if isinstance(node, ast.Import):
                    targets.update(filter(None, (resolve(alias.name) for alias in node.names)))
                elif isinstance(node, ast.ImportFrom):
                    base = node.module or ""
                    if node.level:
                        parent = package
                        for _ in range(node.level - 1):
                            parent = parent.rpartition(".")[0]
                        base = f"{parent}.{base}" if base else parent
                    for alias in node.names:
                        full = f"{base}.{alias.name}"
                        target = full if full in paths else resolve(base)
                        if target:
                            targets.add(target)
        targets.discard(name)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_sees_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_module_level_imports_have_no_cycles():
    """Service ↔ task pairs import each other inside functions, which this walk does not follow."""
    graph = _import_graph()
    assert len(graph) > 150
    assert "core.audit" in graph["secrets_app.services.policies"]
    assert not _cycles(graph)
