"""The batch investigation: detectors, fusion, scoring, ranking, grids and outputs.

- ``run``: :func:`run_pipeline` (tracks -> events -> vessel scores) and its stage timings
- ``investigate``: :func:`investigate`, the ``vessels investigate`` job end to end
- ``scoring``: one score per vessel from its events (:class:`ScoringParams`)
- ``ranking``: the suspect list and its sanity check
- ``profiles``: what is known about each vessel (registry, flag, names)
- ``grids``: gridded activity (NetCDF)
- ``outputs``: the files of an investigation, written atomically
"""
