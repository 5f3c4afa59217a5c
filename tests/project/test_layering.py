"""The package's layers import in one direction only (world <- crisis / horizon <- sweep <- history /
analysis <- plots <- cli), no modules import each other in a circle, kernels import only numpy,
numba, math and collections (the named tuples of the kernel contract), only ``sweep/`` and
``cli/`` import ``dask.distributed``, only ``plots/`` imports matplotlib, no module imports
another's private names, and no module outside the model registry tests a model's name."""

import ast
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

SRC = REPO / "src" / "tripwire"
KERNELS = REPO / "kernels"
SHARED = {
    "errors",
    "defaults",
    "config",
    "_checks",
    "_version",
    "kernels",
    "py",
}  # importable from every layer
BELOW = {
    "world": set(),
    "crisis": {"world"},
    "horizon": {"world", "crisis"},
    "io": {"world", "crisis"},
    "sweep": {"world", "crisis", "horizon", "io"},
    "history": {"world", "crisis", "horizon", "io", "sweep"},
    "analysis": {"world", "crisis", "horizon", "io", "sweep"},
    "plots": {"world", "crisis", "horizon", "io", "sweep", "history", "analysis"},
    "bench": {"world", "crisis", "horizon", "io", "sweep"},
    "cli": {"world", "crisis", "horizon", "io", "sweep", "history", "analysis", "plots", "bench"},
}


def imports(path: Path, package: str) -> list[str]:
    """Absolute names of everything a module imports (at the top, in functions, for type checkers)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.append(module)
            names += [f"{module}.{a.name}" for a in node.names]  # `from . import x` imports x
    return names


def modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        package = ".".join(rel.parts[:-1]) if path.name != "__init__.py" else ".".join(rel.parts[:-1])
        yield path, package, rel.parts[1] if len(rel.parts) > 2 else None


@pytest.mark.parametrize("path", sorted(KERNELS.glob("*.py")), ids=lambda p: p.name)
def test_kernels_import_only_numpy_numba_and_math(path):
    # the settings module also reads the environment and hashes the sources for the kernel cache;
    # the kernel contract defines its layouts as named tuples
    allowed = (
        {"numpy", "numba", "math", "tripwire"}
        | ({"os", "sys", "hashlib", "importlib"} if path.name == "accelerate.py" else set())
        | ({"collections"} if path.name == "encoding.py" else set())
    )
    for name in imports(path, "tripwire.kernels"):
        root = name.split(".")[0]
        assert root in allowed, (path.name, name)
        if root == "tripwire":
            assert name.startswith("tripwire.kernels"), (path.name, name)


def test_layers_import_downwards_only():
    problems = []
    for path, package, layer in modules():
        if layer is None or layer not in BELOW:
            assert layer is None, f"{layer}: a new layer needs its place in BELOW"
            continue
        for name in imports(path, package):
            parts = name.split(".")
            if parts[0] != "tripwire" or len(parts) < 2:
                continue
            target = parts[1]
            if target in SHARED or target == layer or target in BELOW[layer]:
                continue
            if target in BELOW or (SRC / target).is_dir():
                problems.append(f"{path.relative_to(REPO)} ({layer}) imports {name}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "library,allowed",
    [("distributed", {"sweep", "cli"}), ("dask_jobqueue", {"sweep", "cli"}), ("matplotlib", {"plots"})],
)
def test_heavy_libraries_stay_in_their_layer(library, allowed):
    found = []
    for path, package, layer in modules():
        if (
            any(n == library or n.startswith(library + ".") for n in imports(path, package))
            and layer not in allowed
        ):
            found.append(str(path.relative_to(REPO)))
    assert not found, f"{library} imported outside {sorted(allowed)}: {found}"


def _is_module(module: str, name: str) -> bool:
    """Whether ``module.name`` is a module or package of the project (``from . import _source``)."""
    parts = module.split(".")
    root = KERNELS if parts[:2] == ["tripwire", "kernels"] else SRC
    skip = 2 if root is KERNELS else 1
    folder = root.joinpath(*parts[skip:], name)
    return folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file()


def private_imports(path: Path, package: str) -> list[str]:
    """``module.name`` for each underscore name (not a dunder, not a module) ``path`` imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        for alias in node.names:
            name = alias.name
            if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
                continue
            if not _is_module(module, name):
                found.append(f"{module}.{name}")
    return found


def test_no_module_imports_another_modules_private_names():
    every = [(path, package) for path, package, _ in modules()]
    every += [(path, "tripwire.kernels") for path in sorted(KERNELS.glob("*.py"))]
    found = {
        (str(path.relative_to(REPO)), name)
        for path, package in every
        for name in private_imports(path, package)
    }
    problems = sorted(found)
    assert not problems, "private names imported across modules (make them public where they belong):\n" + (
        "\n".join(f"{where} imports {name}" for where, name in problems)
    )


def test_only_the_model_registry_tests_a_models_name():
    from tripwire.sweep.models import MODELS

    registry = SRC / "sweep" / "models.py"
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path == registry:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare):
                continue
            values = []
            for side in (node.left, *node.comparators):
                if isinstance(side, ast.Constant):
                    values.append(side.value)
                elif isinstance(side, ast.Tuple | ast.List | ast.Set):
                    values += [e.value for e in side.elts if isinstance(e, ast.Constant)]
            if set(MODELS) & {v for v in values if isinstance(v, str)}:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, "look the model up in tripwire.sweep.models instead:\n" + "\n".join(found)


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _run_time_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at module level and inside functions and classes, but
    not under ``if TYPE_CHECKING:`` (those are read by type checkers only)."""
    found: list[ast.Import | ast.ImportFrom] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                todo.extend(child.orelse)  # type: ignore[attr-defined]
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            todo.append(child)
    return found


def module_graph() -> dict[str, set[str]]:
    """module -> the package's modules it imports (``from p import m`` imports the module ``p.m``
    when there is one, else ``p``). A module's import of its parent packages, which Python does
    implicitly, is not an edge."""
    files = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    for path in KERNELS.glob("*.py"):
        files["tripwire.kernels" + ("" if path.stem == "__init__" else f".{path.stem}")] = path
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in _run_time_imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in files)
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for a in node.names:
                if f"{source}.{a.name}" in files:
                    targets.add(f"{source}.{a.name}")
                elif source in files:
                    targets.add(source)
        graph[module] = targets - {module}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_circles():
    # A function-level import counts: deferring an import hides a circle without removing it.
    # Imports under `if TYPE_CHECKING:` do not: they never run.
    graph = module_graph()
    assert "tripwire.world.model" in graph and "tripwire.kernels.encoding" in graph
    cycles = import_cycles(graph)
    assert not cycles, "modules that import each other in a circle:\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )


def test_the_circle_check_sees_circles():
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []
