"""`vessels investigate INPUT... [--sar DETECTIONS...] [--carriers LIST] [--config params.toml]
--out DIR [--quiet]`: flag suspect vessels and write a ranked list, events, grids and a report."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from dataclasses import replace
from typing import Any

from vessels.cli._common import check_inputs
from vessels.errors import ConfigError

TOP_N = 10


def register(sub: Any) -> None:
    p = sub.add_parser(
        "investigate",
        help="flag suspect vessels: ranked list with reasons, events, grids and an HTML report",
        description="Read AIS positions (NMEA, CSV, Parquet) and optional SAR detections, detect "
        "gaps, encounters, loitering, identity tricks and dark vessels, score every vessel, and "
        "write vessels.csv/.parquet, events.csv/.geojson/.parquet/.kml, grids.nc, report.html "
        "and summary.json into --out (replaced as a whole only when the run completes).",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="AIS input files or folders")
    p.add_argument("--sar", nargs="+", default=[], metavar="DETECTIONS", help="SAR detections")
    p.add_argument(
        "--carriers",
        metavar="LIST",
        help="CSV of carrier (reefer) vessels; default: carriers.csv beside the first input",
    )
    p.add_argument(
        "--anchorages",
        metavar="CSV",
        help="ports or anchorages to add to the built-in list (latitude, longitude, optional "
        "label columns; .gz read directly), e.g. a World Port Index extract",
    )
    p.add_argument(
        "--known-cases",
        metavar="CSV",
        help="vessels known from published cases (mmsi or imo, and a source column): a model "
        "learned from them adds model_risk to vessels.csv (a lead, not a verdict)",
    )
    p.add_argument("--config", metavar="params.toml", help="parameters (TOML, one table per step)")
    p.add_argument(
        "--columns",
        metavar="MAP",
        help="CSV column mapping for unknown layouts, as for 'vessels ingest' (mmsi=ID,t=time,...)",
    )
    p.add_argument(
        "--sar-columns",
        metavar="MAP",
        help="SAR detection column mapping, as for 'vessels fuse' (e.g. lat=Y,lon=X,t=when)",
    )
    p.add_argument(
        "--time-format",
        metavar="FMT",
        help="how a CSV time column is written, as for 'vessels ingest' (e.g. '%%d/%%m/%%Y %%H:%%M')",
    )
    p.add_argument(
        "--min-score",
        type=float,
        metavar="S",
        help="events scoring below S (default 0.5, [scoring] min_event_score) are not counted "
        "in a vessel's risk; lower it to rank vessels by context events too",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--top", type=int, default=TOP_N, help="flagged vessels to print (default 10)")
    p.add_argument("--quiet", action="store_true", help="no progress, only the final summary")
    p.set_defaults(func=run)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run(args: argparse.Namespace) -> int:
    from vessels.config import load_config
    from vessels.pipeline.investigate import investigate
    from vessels.pipeline.scoring import ScoringParams

    if args.top < 0:
        raise ConfigError(f"--top must be 0 or more, got {args.top}")
    check_inputs(
        [
            *args.inputs,
            *args.sar,
            *([args.anchorages] if args.anchorages else []),
            *([args.known_cases] if args.known_cases else []),
        ]
    )
    config = load_config(args.config)  # checked now: a wrong file fails before any work
    if args.min_score is not None:
        if not 0.0 <= args.min_score <= 1.0:
            raise ConfigError(f"--min-score must be in [0, 1], got {args.min_score}")
        scoring = config.params("scoring", ScoringParams)
        config = config.replaced("scoring", replace(scoring, min_event_score=args.min_score))
    res = investigate(
        args.inputs,
        args.out,
        sar=args.sar,
        carriers=args.carriers,
        anchorages=args.anchorages,
        config=config,
        quiet=args.quiet,
        columns=args.columns,
        time_format=args.time_format,
        sar_columns=args.sar_columns,
        known_cases=args.known_cases,
    )
    s = res.summary
    c = s["counts"]
    flagged = res.flagged()
    print(
        f"vessels investigate: {c['positions_used']:,} positions of {c['vessels']:,} vessels, "
        f"{c['events']:,} events, {len(flagged):,} flagged vessels -> {res.out_dir}"
    )
    for note in s.get("notes", []):
        print(f"  note: {note}")
    for line in coverage_lines(s.get("coverage") or {}):
        print(f"  {line}")
    for line in model_lines(s.get("risk_model"), res.vessels, args.top):
        print(f"  {line}")
    if not flagged:
        print(f"  {nothing_flagged_line(c, s['parameters']['scoring']['min_event_score'])}")
        return 0
    # reasons are never cut: wrapped to a terminal's width, whole lines into a pipe or file
    width = max(60, shutil.get_terminal_size((120, 20)).columns - 16) if sys.stdout.isatty() else 0
    print(f"top {min(args.top, len(flagged))} flagged vessels:")
    for i, v in enumerate(flagged[: args.top], 1):
        # AIS text printed to a terminal: keep printable characters only (no escape sequences)
        name = "".join(ch for ch in (v.name or "-") if ch.isprintable())
        ident = f"id {v.id}" if v.id is not None else str(v.mmsi)
        print(f"{i:3d}. {ident:>9}  {_short(name, 20):20}  risk {v.risk_score:.2f}")
        for text, share in v.reasons[:3]:
            clean = "".join(ch for ch in text if ch.isprintable())
            lines = textwrap.wrap(clean, width) if width else [clean]
            print(f"       +{share:.2f}  {lines[0] if lines else ''}")
            for more in lines[1:]:
                print(f"              {more}")
    print(f"open {res.out_dir / 'report.html'} in a browser for the map and the evidence")
    return 0


def model_lines(model: dict[str, Any] | None, vessels: list[Any], top: int) -> list[str]:
    """The learned model's out-of-fold figures and the unlabelled vessels it ranks highest."""
    if not model:
        return []
    out = [
        f"learned risk (model_risk in vessels.csv): {model['known_cases_in_data']} of "
        f"{model['known_cases_rows']} known cases in the data; out of fold, known cases rank "
        f"above other vessels with AUC {model['oof_auc_known_vs_unlabelled']:.2f} and "
        f"{model['oof_recall_top_10pct']:.0%} of them are in the top 10 %; a lead for checking, "
        "not a verdict"
    ]
    ranked = sorted(
        (v for v in vessels if v.model_risk is not None and v.model_reasons),
        key=lambda v: -float(v.model_risk),
    )
    for v in ranked[: min(top, 5)]:
        name = "".join(ch for ch in (v.name or "-") if ch.isprintable())
        out.append(f"  model_risk {v.model_risk:.2f}  {v.mmsi:>9}  {name[:20]}: {v.model_reasons}")
    return out


def _day(iso: str | None) -> str:
    return (iso or "?")[:16].replace("T", " ")


def coverage_lines(cov: dict[str, Any], min_hole_h: float = 24.0) -> list[str]:
    """Warnings when the inputs do not cover the time they span: each input's span and the
    holes longer than ``min_hole_h`` in which no input delivered anything."""
    holes = [h for h in cov.get("holes", []) if h["hours"] > min_hole_h]
    gaps = cov.get("coverage_gaps") or {}
    out = []
    if holes:
        longest = holes[0]
        out.append(
            f"warning: the inputs cover {_day(cov.get('first'))} to {_day(cov.get('last'))} UTC "
            f"with {len(holes)} hole{'s' if len(holes) > 1 else ''} longer than "
            f"{min_hole_h:.0f} h in which no input delivered anything (longest "
            f"{longest['hours']:,} h, {_day(longest['start'])} to {_day(longest['end'])}); "
            f"{gaps.get('data_hole', 0)} AIS gap(s) lie mostly in such holes and are treated "
            "as coverage, not as dark periods"
        )
        spans = sorted(
            (x for x in cov.get("inputs", []) if x.get("first")), key=lambda x: str(x["first"])
        )
        for x in spans[:10]:
            out.append(
                f"  input {x['input']}: {_day(x['first'])} to {_day(x['last'])} UTC, "
                f"{x['positions']:,} positions"
            )
        if len(spans) > 10:
            out.append(f"  ... and {len(spans) - 10} more inputs (summary.json: coverage)")
    elif gaps.get("data_hole"):
        out.append(
            f"note: the data holds positions in only {cov.get('hours_heard', 0):,} of the "
            f"{cov.get('hours_spanned', 0):,} hours it spans; {gaps['data_hole']} AIS gap(s) lie "
            f"mostly in hours when no input delivered anything ({len(cov.get('holes', []))} "
            f"hole(s) of {cov.get('hole_min_h', 6):g} h or more) and are treated as coverage"
        )
    if gaps.get("nobody_heard"):
        out.append(
            f"note: {gaps['nobody_heard']} AIS gap(s) had no other vessel heard near them during "
            "the silence; AIS alone cannot tell those from reception holes, so they are treated "
            "as coverage"
        )
    if gaps.get("mostly_unheard"):
        out.append(
            f"note: {gaps['mostly_unheard']} AIS gap(s) lie mostly in stretches of hours when "
            "nobody near them was heard (a reception outage over the area), so they are treated "
            "as coverage"
        )
    if cov.get("routine_gaps"):
        out.append(
            f"note: {cov['routine_gaps']} AIS gap(s) are no longer than the silences that vessels "
            "around them usually keep (the regional normal in their evidence), so they are "
            "scored low"
        )
    return out


def nothing_flagged_line(counts: dict[str, Any], min_score: float) -> str:
    """Why no vessel is flagged, and how to see what was found."""
    from vessels.pipeline.scoring import TYPE_WORDS

    def words(by_type: dict[str, int]) -> str:
        return ", ".join(
            f"{n} {TYPE_WORDS.get(t, (t, t))[0 if n == 1 else 1]}" for t, n in by_type.items() if n
        )

    if not counts.get("events"):
        return "no vessel flagged: the detectors found no event in these inputs"
    below = {t: n for t, n in (counts.get("events_below_threshold_by_type") or {}).items() if n}
    n_below = sum(below.values())
    strong = {
        t: n - below.get(t, 0)
        for t, n in (counts.get("events_by_type") or {}).items()
        if n - below.get(t, 0) > 0
    }
    parts = []
    if n_below:
        every = "all " if not strong else ""
        parts.append(
            f"{every}{n_below:,} events scored below the {min_score:.2f} threshold at which events "
            f"count ({words(below)}); they are context, not leads"
        )
    if strong:
        parts.append(
            f"{words(strong)} reached it but belong to no AIS vessel (a satellite detection with "
            "no AIS identity is a lead on the map, not on a vessel)"
        )
    return (
        "no vessel flagged: "
        + "; ".join(parts)
        + ". See them in report.html (switch 'show context' and the map), in events.csv (column "
        "score), or rank vessels by weaker events with --min-score 0.2"
    )
