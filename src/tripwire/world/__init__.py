"""What a world is: the validated model and its loader (:mod:`.model`), parameter paths that
sweeps and what-if runs set (:mod:`.params`), and synthetic networks (:mod:`.synthetic`).

Pure Python and pydantic: nothing here imports numba or dask.
"""

from . import model as _model  # noqa: F401, E402 - defines the world model before its horizon section
