"""What a world is: the validated model and its loader (:mod:`.model`), the table of treaty kinds
(:mod:`.kinds`), parameter paths that sweeps and what-if runs set (:mod:`.params`), and synthetic
networks (:mod:`.synthetic`).

Pure Python and pydantic: nothing here imports numba or dask.
"""
