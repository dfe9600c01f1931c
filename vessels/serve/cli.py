"""`vessels serve [INVESTIGATION_DIR... | STORE.db] [--store FILE.db] [--host 127.0.0.1]
[--port 8000]`: the review desk in a browser, over investigation outputs and the live store."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from vessels.errors import ConfigError, InputError

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="review desk in the browser: map, time bar, vessel profiles, reviews, live alerts",
        description="Serve one or more `vessels investigate` output folders (and/or the SQLite "
        "store that `vessels watch --store` writes, for live alerts) as a local web application "
        "with a JSON API. Reviews and their audit trail are kept in --store (SQLite).",
    )
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="INVESTIGATION_DIR | STORE.db",
        help="investigation output folders, and at most one watch store (.db) for live alerts",
    )
    p.add_argument(
        "--store",
        metavar="FILE.db",
        help="where reviews and the loaded data live (default: vessels-serve.db beside the "
        "first input; never inside an investigation folder, which a re-run replaces)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--token",
        help="access token for a non-loopback bind (default: a random one, printed in the URL)",
    )
    p.set_defaults(func=run)


def _split(inputs: list[str]) -> tuple[list[Path], Path | None]:
    dirs: list[Path] = []
    watch: Path | None = None
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            dirs.append(path)
        elif path.suffix in (".db", ".sqlite", ".sqlite3"):
            if watch is not None:
                raise ConfigError("give at most one watch store (.db)")
            watch = path  # may not exist yet: `vessels watch` creates it when it starts
        elif not path.exists():
            raise InputError("does not exist", raw)
        else:
            raise InputError("is neither an investigation folder nor a store (.db)", raw)
    return dirs, watch


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from vessels.serve.app import ServeConfig, build_app
    from vessels.serve.security import SecurityConfig

    dirs, watch = _split(args.inputs)
    if not dirs and watch is None and args.store is None:
        raise ConfigError("give an investigation folder, a watch store (.db) or --store FILE.db")
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port must be 1-65535, got {args.port}")
    if args.store:
        store = Path(args.store)
    else:
        first = dirs[0].resolve() if dirs else watch.resolve()  # type: ignore[union-attr]
        store = first.parent / "vessels-serve.db"
    if watch is not None and store.resolve() == watch.resolve():
        raise ConfigError(
            "--store must not be the watch store: `vessels watch` owns every table in it "
            "(docs/store.md); give another file"
        )
    for d in dirs:
        if store.resolve().is_relative_to(d.resolve()):
            raise ConfigError(
                f"--store {store} is inside {d}, which a re-run of investigate replaces; "
                "put it beside the folder"
            )
    sec = SecurityConfig.for_bind(args.host, args.port, args.token)
    cfg = ServeConfig(store=store, investigations=dirs, watch_store=watch, security=sec)
    app = build_app(cfg)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    url = f"http://{shown}:{args.port}/"
    if sec.token:
        url += f"?token={sec.token}"
    st = app.state.serve
    st.overview()  # the first map view, built before anyone asks for it
    print(
        f"vessels serve: {st.counts()['vessels']} vessels, {st.counts()['events']} events from "
        f"{len(dirs)} investigation(s)"
        + (f", live alerts from {watch}" if watch else "")
        + f"; reviews in {store}",
        file=sys.stderr,
    )
    print(f"vessels serve: open {url}", file=sys.stderr, flush=True)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    st.should_stop = lambda: server.should_exit  # open alert streams end on Ctrl-C
    # uvicorn re-raises the Ctrl-C it handled: here that is the normal way to stop
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    print("vessels serve: stopped; every saved review is in " + str(store), file=sys.stderr)
    return 0
