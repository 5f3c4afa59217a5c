"""The package's layers import in one direction only (world <- crisis / horizon <- sweep <- history /
analysis <- plots <- cli), kernels import only numpy, numba and math (and the kernel contract
``collections`` for its named tuples), only ``sweep/`` and ``cli/``
import ``dask.distributed``, and only ``plots/`` imports matplotlib."""

import ast
from pathlib import Path

import pytest
from conftest import REPO

SRC = REPO / "src" / "tripwire"
KERNELS = REPO / "kernels"
SHARED = {"errors", "defaults", "_checks", "_version", "kernels", "py"}  # importable from every layer
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
