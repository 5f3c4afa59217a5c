"""Both a built wheel and the editable install provide tripwire.kernels and the bundled scenarios;
``import tripwire`` compiles nothing."""

import os
import subprocess
import sys
import zipfile

import pytest

import tripwire
from tests.helpers.paths import REPO

PROBE = (
    "import sys, tripwire, tripwire.kernels.cascade as k; "
    "print(tripwire.__file__); print(k.__file__); print(','.join(tripwire.bundled_scenarios()))"
)


@pytest.mark.slow
def test_built_wheel_ships_kernels_and_scenarios(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(tmp_path / "dist")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("tripwire-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packages = [p.parent.name for p in (REPO / "src" / "tripwire").rglob("__init__.py")]
    assert {"world", "crisis", "sweep", "io", "cli", "bench"} <= set(packages), packages
    modules = [p.relative_to(REPO / "src") for p in (REPO / "src" / "tripwire").rglob("*.py")]
    required = [str(p) for p in modules] + [
        f"tripwire/kernels/{p.name}" for p in (REPO / "kernels").glob("*.py")
    ]
    required += ["tripwire/scenarios/july1914.yaml", "tripwire/scenarios/README.md", "tripwire/defaults.py"]
    required += ["tripwire/io/data/cow_states.csv"]
    for name in required:
        assert name in names, name
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout.splitlines()
    assert out[0].startswith(str(site)) and out[1].startswith(str(site))
    assert "july1914" in out[2].split(",")


def test_editable_install_maps_the_kernels_folder():
    import tripwire.kernels.cascade as cascade

    assert os.path.samefile(os.path.dirname(cascade.__file__), REPO / "kernels")
    assert "july1914" in tripwire.bundled_scenarios()


def test_import_is_cheap():
    code = "import sys, tripwire; print(any(m in sys.modules for m in ('numba', 'xarray', 'dask', 'distributed')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_callable_packages_load_their_function_only_when_used():
    code = (
        "import sys, tripwire; tripwire.sweep, tripwire.horizon, tripwire.sweep.__name__; "
        "print([m for m in ('numba', 'xarray', 'dask', 'distributed') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_public_functions_show_their_own_signatures_and_docstrings():
    import inspect

    from tripwire.crisis.simulate import simulate
    from tripwire.horizon.simulate import horizon
    from tripwire.sweep.run import sweep

    for public, function in (
        (tripwire.sweep, sweep),
        (tripwire.horizon, horizon),
        (tripwire.simulate, simulate),
    ):
        signature = inspect.signature(public)
        assert signature == inspect.signature(function), function.__name__
        assert "*args" not in str(signature) and "trials" in signature.parameters
        assert inspect.getdoc(function).split("\nExamples")[0] in inspect.getdoc(public)
    assert list(inspect.signature(tripwire.sweep).parameters)[:3] == ["world", "params", "design"]
    assert list(inspect.signature(tripwire.horizon).parameters)[:3] == ["world", "trials", "years"]
    assert "progress" in inspect.signature(tripwire.simulate).parameters
    assert tripwire.sweep.__doc__.startswith(
        "Parameter sweeps on dask.distributed"
    )  # the package's own first


def test_the_command_line_imports_only_what_a_run_needs():
    # every command registers its parser at start-up; the libraries a command needs load when it runs
    heavy = ("pandas", "xarray", "dask", "distributed", "matplotlib", "scipy", "numba", "SALib", "networkx")
    code = f"import sys, tripwire.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_api_resolves():
    assert set(tripwire.__all__) == {"__version__", *tripwire._LAZY}
    for name in tripwire.__all__:
        assert getattr(tripwire, name) is not None, name
    assert issubclass(tripwire.StoreMismatch, tripwire.StoreError)
    for name in ("WorldError", "ParamError", "DesignError", "SweepError", "StoreError", "DataError"):
        error = getattr(tripwire, name)
        assert issubclass(error, tripwire.TripwireError) and issubclass(error, ValueError), name


def test_a_cached_kernel_call_imports_no_scipy_linalg():
    """numba checks BLAS on its first call by importing scipy.linalg (half a second); the kernels
    use none, so the check is answered without the import, and numba's own check is restored."""
    code = (
        "import sys, tripwire\n"
        "from tripwire.crisis.simulate import warm_kernels\n"
        "warm_kernels()\n"
        "from numba.np import arraymath, linalg\n"
        "print('scipy.linalg' in sys.modules, arraymath._HAVE_BLAS, arraymath.ensure_blas is linalg.ensure_blas,"
        " linalg.ensure_blas.__module__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True", "True", "numba.np.linalg"]
