"""Command-line glue for the scale-out: ``--scheduler`` / ``--workers`` for ``vessels detect``.

The CLI modules call :func:`add_arguments` in ``register`` and, when either option is given,
:func:`detect_command` instead of the single-process path. Inputs are read on the workers
(Parquet by row groups, other files one per task), never all on the client.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from vessels.errors import ConfigError

__all__ = ["add_arguments", "cluster_client", "detect_command", "wants_cluster"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``--scheduler ADDRESS`` (an existing dask cluster) and ``--workers N`` (a local one)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on this dask.distributed scheduler (e.g. tcp://host:8786); same events",
    )
    g.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run on a local dask cluster of N single-threaded worker processes; same events",
    )


def wants_cluster(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "scheduler", None) or getattr(args, "workers", None))


@contextmanager
def cluster_client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A connected ``distributed.Client``: to ``scheduler``, or to a new LocalCluster of
    ``workers`` processes with one thread each and Numba limited to one thread (kernels'
    parallel regions must not run inside dask tasks)."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise ConfigError(f"--scheduler {scheduler}: cannot connect ({exc})") from exc
        try:
            yield client
        finally:
            client.close()  # type: ignore[no-untyped-call]
        return
    if workers is None or workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    env["NUMBA_NUM_THREADS"] = "1"
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ": env}),
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            worker_dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


def detect_command(
    args: argparse.Namespace, paths: Sequence[Path], types: list[str] | None
) -> tuple[list[Any], str]:
    """Run ``vessels detect`` on the cluster the options name.

    Returns the events and a one-line summary (the CLI filters by score and writes them).
    """
    import contextlib
    import tempfile

    from vessels.scale.detect import detect_distributed_full

    t0 = time.perf_counter()
    root = getattr(args, "spill_dir", None)
    with contextlib.ExitStack() as stack:
        c = stack.enter_context(
            cluster_client(getattr(args, "scheduler", None), getattr(args, "workers", None))
        )
        # --spill-dir: partitions kept on disk there (every worker must see the folder)
        spill = (
            stack.enter_context(tempfile.TemporaryDirectory(prefix="vessels-spill-", dir=root))
            if root
            else None
        )
        res = detect_distributed_full(
            [str(p) for p in paths],
            None,
            client=c,
            types=types,
            config=getattr(args, "config", None),
            carriers=getattr(args, "carriers", None),
            anchorages=getattr(args, "anchorages", None),
            columns=getattr(args, "columns", None),
            spill_dir=spill,
        )
        n_workers = len(c.scheduler_info().get("workers", {}))
    removed = ", ".join(f"{k} {v}" for k, v in res.removed.items() if v) or "none"
    summary = (
        f"{res.n_rows} positions in {res.n_segments} tracks of {res.n_mmsi} MMSIs "
        f"(removed: {removed}) on {n_workers} dask workers: {res.n_partitions} MMSI "
        f"partitions, {res.n_windows} time windows x {res.n_bands} bands for encounters; "
        f"{time.perf_counter() - t0:.1f} s"
    )
    return res.events, summary
