"""The package's layers import in one direction only (world <- crisis / horizon <- sweep <- history /
analysis <- plots <- cli), kernels import only numpy, numba and math, only ``sweep/`` and ``cli/``
import ``dask.distributed``, only ``plots/`` imports matplotlib, no module imports another's private
names, and no module outside the model registry tests a model's name."""

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
    # the settings module also reads the environment and hashes the sources for the kernel cache
    allowed = {"numpy", "numba", "math", "tripwire"} | (
        {"os", "sys", "hashlib", "importlib"} if path.name == "accelerate.py" else set()
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


#: Private names that io/ modules still import from one another; each pair is ``(module, name)``.
#: The io/ split makes them public or gives them one home: then this set is emptied.
IO_PRIVATE_IMPORTS = {
    ("src/tripwire/io/cow.py", "tripwire.io.atop._numeric"),
    ("src/tripwire/io/cow.py", "tripwire.io.atop._read_table"),
    ("src/tripwire/io/mid.py", "tripwire.io.atop._numeric"),
    ("src/tripwire/io/mid.py", "tripwire.io.atop._read_table"),
    *(
        ("src/tripwire/io/world_on.py", f"tripwire.io.atop.{name}")
        for name in (
            "_as_date",
            "_Codes",
            "_coverage",
            "_numeric",
            "_prepare_members",
            "_read_table",
            "_rows_in_force",
            "_shares",
            "_signed_years",
            "_treaties",
        )
    ),
}


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
    problems = sorted(found - IO_PRIVATE_IMPORTS)
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
