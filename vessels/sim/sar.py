"""Synthetic SAR (Sentinel-1-like) scenes over the grounds and the vessels they detect.

A scene is a rectangle ~250 km across the satellite track (IW swath) at one instant. Every ship
inside is detected with a probability that rises with its length (small boats and buoys are
mostly missed), with position error of ~50-200 m, a noisy length and a heading with the
bow/stern ambiguity; a few false detections (sea clutter, rocks, wind farms) are added.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from kernels.geo import destination
from vessels.sim.fleet import Vessel
from vessels.sim.geography import Geography

__all__ = ["SarResult", "Scene", "simulate_sar"]

M_PER_DEG = 111_195.0


@dataclass(frozen=True)
class Scene:
    scene_id: str
    t_ms: int
    lat: float  # centre
    lon: float
    width_m: float
    height_m: float
    heading_deg: float  # along-track direction

    def corners(self) -> list[tuple[float, float]]:
        """Footprint corners (lat, lon), closed ring, counter-clockwise."""
        hw, hh = self.width_m / 2, self.height_m / 2
        pts = []
        for dx, dy in ((-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh), (-hw, -hh)):
            b = math.degrees(math.atan2(dx, dy)) + self.heading_deg
            pts.append(destination(self.lat, self.lon, b, math.hypot(dx, dy)))
        return pts

    def contains(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        y = (lat - self.lat) * M_PER_DEG
        x = (lon - self.lon) * M_PER_DEG * math.cos(math.radians(self.lat))
        h = math.radians(self.heading_deg)
        along = x * math.sin(h) + y * math.cos(h)
        across = x * math.cos(h) - y * math.sin(h)
        return (np.abs(along) <= self.height_m / 2) & (np.abs(across) <= self.width_m / 2)


@dataclass
class SarResult:
    scenes: list[Scene]
    detections: list[
        dict[str, Any]
    ]  # detection_id, scene_id, t_ms, lat, lon, length_m, heading_deg, confidence
    truth: list[dict[str, Any]]  # detection_id, scene_id, mmsi (null = dark), vessel_mmsi, kind
    missed: list[dict[str, Any]]  # scene_id, mmsi of AIS ships inside that were not detected


def _scene_id(t_ms: int) -> str:
    import datetime as dt

    return "S1-" + dt.datetime.fromtimestamp(t_ms / 1000, dt.UTC).strftime("%Y%m%dT%H%M%S")


def simulate_sar(
    vessels: list[Vessel],
    geo: Geography,
    t0_ms: int,
    step_s: int,
    n: int,
    wanted_k: list[tuple[int, float, float]],
    per_day: float,
    rng: np.random.Generator,
) -> SarResult:
    """Scenes at ``wanted_k`` (step, lat, lon) plus about ``per_day`` routine ones over the ground."""
    g = geo.region.ground
    plan = list(wanted_k)
    n_routine = int(round(per_day * (n - 1) * step_s / 86400))
    for _ in range(n_routine):
        plan.append((int(rng.integers(0, n)), (g[0] + g[1]) / 2, (g[2] + g[3]) / 2))
    plan.sort()
    scenes: list[Scene] = []
    dets: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    missed: list[dict[str, Any]] = []
    lat = np.stack([v.track.lat for v in vessels])
    lon = np.stack([v.track.lon for v in vessels])
    for k, cla, clo in plan:
        # shift the frame a little so the target is not always dead centre
        cla2, clo2 = destination(cla, clo, float(rng.uniform(0, 360)), float(rng.uniform(0, 40e3)))
        heading = 190.0 + float(rng.normal(0, 3))  # descending pass
        t_ms = t0_ms + k * step_s * 1000 + int(rng.integers(0, step_s * 1000))
        sc = Scene(
            _scene_id(t_ms),
            t_ms,
            cla2,
            clo2,
            float(rng.uniform(200e3, 250e3)),
            float(rng.uniform(170e3, 250e3)),
            heading,
        )
        if any(s.scene_id == sc.scene_id for s in scenes):
            continue
        scenes.append(sc)
        inside = sc.contains(lat[:, k], lon[:, k])
        found: list[dict[str, Any]] = []
        for i in np.nonzero(inside)[0]:
            v = vessels[int(i)]
            L = v.length_m
            p = min(0.97, 1 / (1 + math.exp(-(L - 22.0) / 6.0)))
            broadcasting = bool(v.mmsi) and bool(v.track.on[k])
            if rng.random() >= p:
                if broadcasting:
                    missed.append({"scene_id": sc.scene_id, "mmsi": v.mmsi})
                continue
            err = float(rng.uniform(50, 200))
            la, lo = destination(
                float(lat[i, k]), float(lon[i, k]), float(rng.uniform(0, 360)), err
            )
            head = float(v.track.cog[k]) + float(rng.normal(0, 8))
            if rng.random() < 0.15:
                head += 180.0  # bow and stern look alike
            found.append(
                {
                    "lat": la,
                    "lon": lo,
                    "length_m": round(L * float(rng.lognormal(0, 0.18)), 1),
                    "heading_deg": round(head % 360.0, 1),
                    "confidence": round(min(0.99, 0.55 + L / 250 + float(rng.uniform(0, 0.15))), 3),
                    "mmsi": v.mmsi if broadcasting else None,
                    "vessel_mmsi": v.mmsi or None,
                    "kind": "ais" if broadcasting else "dark",
                }
            )
        for _ in range(int(rng.poisson(1.5))):
            dx, dy = rng.uniform(-0.45, 0.45, 2)
            b = math.degrees(math.atan2(dx * sc.width_m, dy * sc.height_m)) + sc.heading_deg
            la, lo = destination(sc.lat, sc.lon, b, math.hypot(dx * sc.width_m, dy * sc.height_m))
            found.append(
                {
                    "lat": la,
                    "lon": lo,
                    "length_m": round(float(rng.uniform(8, 35)), 1),
                    "heading_deg": round(float(rng.uniform(0, 360)), 1),
                    "confidence": round(float(rng.uniform(0.2, 0.6)), 3),
                    "mmsi": None,
                    "vessel_mmsi": None,
                    "kind": "false",
                }
            )
        # ids in geographic order, so an id says nothing about what was detected
        found.sort(key=lambda d: (round(d["lat"], 6), round(d["lon"], 6)))
        for j, d in enumerate(found):
            did = f"{sc.scene_id}-{j:03d}"
            dets.append(
                {
                    "detection_id": did,
                    "scene_id": sc.scene_id,
                    "t_ms": sc.t_ms,
                    "lat": round(d["lat"], 6),
                    "lon": round(d["lon"], 6),
                    "length_m": d["length_m"],
                    "heading_deg": d["heading_deg"],
                    "confidence": d["confidence"],
                }
            )
            truth.append(
                {
                    "detection_id": did,
                    "scene_id": sc.scene_id,
                    "mmsi": d["mmsi"],
                    "vessel_mmsi": d["vessel_mmsi"],
                    "kind": d["kind"],
                }
            )
    return SarResult(scenes, dets, truth, missed)
