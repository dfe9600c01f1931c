"""Build a watch from options: detectors, registry, ports, areas, watchlist, sinks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from detectors import detector_specs
from detectors.base import ContextParams, build_context
from vessels.config import load_config
from vessels.registry import build_registry
from vessels.tracks import TrackParams
from vessels.watch.areas import Areas, Watchlist
from vessels.watch.engine import Engine, SourceInfo
from vessels.watch.params import WatchParams
from vessels.watch.sinks import Dispatcher, JsonlSink, StdoutSink, StoreSink, WebhookSink
from vessels.watch.sources import SourceSpec

__all__ = ["make_dispatcher", "make_engine"]


def make_engine(
    sources: Sequence[SourceSpec],
    *,
    config: str | Path | None = None,
    types: Sequence[str] | None = None,
    carriers: str | None = None,
    anchorages: str | None = None,
    areas: str | None = None,
    watchlist: str | None = None,
) -> Engine:
    cfg = load_config(config)
    params = cfg.params("watch", WatchParams)
    specs = detector_specs(types, cfg)
    registry = build_registry(None, carriers)
    ctx_params = cfg.params("context", ContextParams)
    ports = build_context(
        None,
        registry,
        anchorages=anchorages,
        params=ContextParams(derive_anchorages=False),
    ).ports
    return Engine(
        params,
        specs,
        registry,
        ports,
        sources=[SourceInfo(s.text, sat=s.sat) for s in sources],
        track_params=cfg.params("tracks", TrackParams),
        context_params=ctx_params,
        areas=Areas.read(areas) if areas else None,
        watchlist=Watchlist.read(watchlist) if watchlist else None,
    )


def make_dispatcher(
    params: WatchParams,
    *,
    alerts: str | None = None,
    stdout: bool = False,
    store: str | None = None,
    webhook: str | None = None,
    dead_letter: str | None = None,
    state_dir: Path | None = None,
) -> Dispatcher:
    sinks: list[object] = []
    if alerts:
        sinks.append(JsonlSink(alerts))
    if stdout:
        sinks.append(StdoutSink())
    if store:
        sinks.append(StoreSink(store))
    if webhook:
        dead = dead_letter or (
            str(state_dir / "webhook-dead-letter.jsonl")
            if state_dir
            else "webhook-dead-letter.jsonl"
        )
        sinks.append(
            WebhookSink(
                webhook,
                dead,
                max_queue=params.webhook_queue,
                retries=params.webhook_retries,
                backoff_s=params.webhook_backoff_s,
                timeout_s=params.webhook_timeout_s,
            )
        )
    return Dispatcher(sinks, state_dir / "sent.log" if state_dir else None)
