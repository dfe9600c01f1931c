"""A vessel dossier: one self-contained HTML file (no script, no network) for one vessel:
identity and its history, why it is flagged, a map of its track and events (inline SVG), a
timeline, every event with its evidence as a table, and the reviews with their audit trail.

Every piece of AIS text goes through :func:`vessels.textsafe.html_text`. The print stylesheet
sets A4 pages, wraps long text and keeps each event's block on one page where it fits, so a
printed or PDF dossier holds every section.
"""

from __future__ import annotations

import base64
import hashlib
import math
import time
from typing import Any

from vessels.serve.tracks import Track
from vessels.textsafe import html_text as h

__all__ = ["dossier_html", "evidence_rows"]

LABELS = {
    "gap": "AIS gap",
    "encounter": "encounter",
    "loitering": "loitering",
    "identity": "identity",
    "dark_detection": "unmatched SAR detection",
    "dark_rendezvous": "dark rendezvous",
}
COLORS = {
    "gap": "#d35400",
    "encounter": "#8e44ad",
    "loitering": "#2980b9",
    "identity": "#16a085",
    "dark_detection": "#f1c40f",
    "dark_rendezvous": "#c0392b",
}

_CSS = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font: 11pt/1.35 system-ui, sans-serif; color: #1d2733; margin: 0 auto; max-width: 186mm; }
h1 { font-size: 17pt; margin: 0 0 4px; } h2 { font-size: 13pt; margin: 16px 0 6px;
  border-bottom: 1px solid #c7d0d8; } h3 { font-size: 11pt; margin: 10px 0 4px; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border-bottom: 1px solid #d5dce2; padding: 2px 5px; text-align: left; vertical-align: top;
  font-size: 9.5pt; overflow-wrap: anywhere; word-break: break-word; }
th { color: #5b6875; font-weight: 600; }
.kv th { width: 32%; }
.tag { display: inline-block; padding: 0 6px; border-radius: 8px; color: #fff; font-size: 9pt; }
.event { break-inside: avoid; page-break-inside: avoid; border: 1px solid #d5dce2; padding: 4px 8px;
  margin: 6px 0; }
.context { opacity: .75; border-style: dashed; }
.muted { color: #5b6875; font-size: 9.5pt; }
svg { width: 100%; height: auto; border: 1px solid #c7d0d8; background: #dfeaf2; }
section { break-inside: auto; }
h2, h3 { break-after: avoid; page-break-after: avoid; }
@media print { a { color: inherit; text-decoration: none; } }
"""


def _iso(ms: int | None) -> str:
    if ms is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ms / 1000)) + " UTC"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if not math.isfinite(v):
            return ""
        return f"{v:.3f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if v is None:
        return ""
    return str(v)


def evidence_rows(ev: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Evidence as (name, value) rows: nested objects flattened with dotted names, short lists
    of numbers joined, longer lists of objects one row per item."""
    rows: list[tuple[str, str]] = []
    if isinstance(ev, dict):
        for k in sorted(ev):
            rows += evidence_rows(
                ev[k], f"{prefix}{k.replace('_', ' ')}" if not prefix else f"{prefix}.{k}"
            )
    elif isinstance(ev, list):
        if all(not isinstance(x, dict | list) for x in ev):
            rows.append((prefix, ", ".join(_fmt(x) for x in ev)))
        else:
            for i, x in enumerate(ev):
                rows += evidence_rows(x, f"{prefix}[{i + 1}]")
    else:
        rows.append((prefix, _fmt(ev)))
    return rows


def _map_svg(tr: Track | None, events: list[dict[str, Any]]) -> str:
    lats: list[float] = [e["lat"] for e in events if e["lat"] is not None]
    lons: list[float] = [e["lon"] for e in events if e["lon"] is not None]
    if tr is not None and tr.n:
        lats += [float(tr.lat.min()), float(tr.lat.max())]
        lons += [float(tr.lon.min()), float(tr.lon.max())]
    if not lats:
        return '<p class="muted">No positions to draw.</p>'
    la0, la1, lo0, lo1 = min(lats), max(lats), min(lons), max(lons)
    pad = max(la1 - la0, lo1 - lo0, 0.02) * 0.08
    la0, la1, lo0, lo1 = la0 - pad, la1 + pad, lo0 - pad, lo1 + pad
    kx = math.cos(math.radians((la0 + la1) / 2))
    w_deg, h_deg = (lo1 - lo0) * kx, la1 - la0
    W = 700.0
    H = max(160.0, min(700.0, W * h_deg / max(w_deg, 1e-9)))
    s = min(W / max(w_deg, 1e-9), H / max(h_deg, 1e-9))

    def xy(la: float, lo: float) -> tuple[float, float]:
        return (lo - lo0) * kx * s, (la1 - la) * s

    parts = [f'<svg viewBox="0 0 {W:.0f} {H:.0f}" role="img" aria-label="track and events">']
    if tr is not None:
        for sl in tr.pieces():
            pts = " ".join(
                f"{x:.1f},{y:.1f}"
                for x, y in (xy(a, b) for a, b in zip(tr.lat[sl], tr.lon[sl], strict=True))
            )
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="#1d2733" stroke-width="1.2"/>'
            )
    for e in events:
        if e["lat"] is None or e["lon"] is None:
            continue
        x, y = xy(e["lat"], e["lon"])
        c = COLORS.get(e["type"], "#000")
        if e["type"] == "dark_detection":
            parts.append(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{c}"/>')
        else:
            op = "1" if e.get("counting", True) else "0.45"
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{c}" fill-opacity="{op}" stroke="#fff"/>'
            )
    parts.append(
        f'<text x="4" y="{H - 4:.0f}" font-size="10" fill="#1d2733">'
        f"{abs(la0):.2f}°{'S' if la0 < 0 else 'N'} to {abs(la1):.2f}°{'S' if la1 < 0 else 'N'}, "
        f"{abs(lo0):.2f}°{'W' if lo0 < 0 else 'E'} to {abs(lo1):.2f}°{'W' if lo1 < 0 else 'E'}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _timeline_svg(tr: Track | None, events: list[dict[str, Any]]) -> str:
    ts = [e["start"] for e in events] + [e["end"] for e in events]
    if tr is not None and tr.n:
        ts += [int(tr.t.min()), int(tr.t.max())]
    if not ts:
        return ""
    t0, t1 = min(ts), max(ts)
    t1 = max(t1, t0 + 3_600_000)
    W, H = 700.0, 70.0

    def X(t: float) -> float:
        return 6 + (t - t0) / (t1 - t0) * (W - 12)

    parts = [f'<svg viewBox="0 0 {W:.0f} {H:.0f}" role="img" aria-label="timeline">']
    if tr is not None:
        for sl in tr.pieces():
            a, b = X(float(tr.t[sl][0])), X(float(tr.t[sl][-1]))
            parts.append(
                f'<rect x="{a:.1f}" y="8" width="{max(1.0, b - a):.1f}" height="8" fill="#5d6d7e"/>'
            )
    types = list(LABELS)
    for e in events:
        y = 22 + (types.index(e["type"]) if e["type"] in types else 0) * 6
        a, b = X(e["start"]), X(e["end"])
        parts.append(
            f'<rect x="{a:.1f}" y="{y}" width="{max(2.0, b - a):.1f}" height="5" '
            f'fill="{COLORS.get(e["type"], "#000")}"/>'
        )
    parts.append(f'<text x="6" y="{H - 2:.0f}" font-size="9">{h(_iso(t0))}</text>')
    parts.append(
        f'<text x="{W - 6:.0f}" y="{H - 2:.0f}" font-size="9" text-anchor="end">{h(_iso(t1))}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _dims(r: dict[str, Any]) -> str:
    length, beam = r.get("length_m"), r.get("beam_m")
    if not length and not beam:
        return ""
    return f"{length or '?'} m × {beam or '?'} m"


def _kv(rows: list[tuple[str, Any]]) -> str:
    return (
        '<table class="kv">'
        + "".join(f"<tr><th>{h(k)}</th><td>{h(_fmt(v))}</td></tr>" for k, v in rows)
        + "</table>"
    )


def _event_block(e: dict[str, Any]) -> str:
    rev = e.get("review") or {}
    kind = "counting" if e.get("counting", True) else "context"
    other = f", with MMSI {e['other_mmsi']}" if e.get("other_mmsi") else ""
    pos = (
        f", at {abs(e['lat']):.3f}°{'S' if e['lat'] < 0 else 'N'} "
        f"{abs(e['lon']):.3f}°{'W' if e['lon'] < 0 else 'E'}"
        if e.get("lat") is not None and e.get("lon") is not None
        else ""
    )
    out = [
        f'<div class="event {"" if kind == "counting" else "context"}" data-event-id="{h(e["event_id"])}">',
        f'<h3><span class="tag" style="background:{COLORS.get(e["type"], "#555")}">'
        f"{h(LABELS.get(e['type'], e['type']))}</span> {h(_iso(e['start']))} to {h(_iso(e['end']))}</h3>",
        f'<p class="muted">score {e["score"]:.2f}'
        f"{' (counts towards the risk)' if kind == 'counting' else ' (context only: below the threshold, not counted)'}"
        f"{h(other)}{h(pos)}; review: {h(rev.get('status', 'new'))}"
        f"{' by ' + h(rev.get('reviewer')) if rev.get('reviewer') else ''}"
        f"{'' if e.get('detected', True) else '; no longer detected by the latest run'}</p>",
        "<ul>" + "".join(f"<li>{h(r)}</li>" for r in e.get("reasons", [])) + "</ul>",
    ]
    if rev.get("note"):
        out.append(f"<p><b>Note:</b> {h(rev['note'])}</p>")
    rows = evidence_rows(e.get("evidence") or {})
    if rows:
        out.append(
            '<table class="evidence"><thead><tr><th>evidence</th><th>value</th></tr></thead><tbody>'
            + "".join(f"<tr><td>{h(k)}</td><td>{h(v)}</td></tr>" for k, v in rows)
            + "</tbody></table>"
        )
    out.append("</div>")
    return "".join(out)


def dossier_html(
    v: dict[str, Any], tr: Track | None, vessel_audit: list[dict[str, Any]], source: str
) -> str:
    """The dossier of vessel ``v`` (:func:`vessels.serve.queries.vessel_detail` output)."""
    events = sorted(v["events"], key=lambda e: (not e.get("counting", True), e["start"]))
    name = v.get("name") or "(no name)"
    rev = v.get("review") or {}
    ident = _kv(
        [
            ("MMSI", v["mmsi"]),
            ("name", v.get("name")),
            ("callsign", v.get("callsign")),
            ("IMO", v.get("imo")),
            ("flag (from the MMSI)", v.get("flag")),
            ("ship type", v.get("ship_type")),
            ("risk score", f"{v['risk_score']:.2f}"),
            ("positions", v.get("positions")),
            ("first seen", _iso(v.get("first_seen"))),
            ("last seen", _iso(v.get("last_seen"))),
            (
                "review",
                f"{rev.get('status', 'new')}"
                + (f" by {rev['reviewer']}" if rev.get("reviewer") else ""),
            ),
        ]
    )
    hist = (
        "".join(
            f"<tr><td>{h(_iso(r['t']))}</td><td>{h(r['name'])}</td><td>{h(r['callsign'])}</td>"
            f"<td>{h(r['imo'])}</td><td>{h(r['ship_type'])}</td><td>{h(_dims(r))}</td>"
            f"<td>{h(r['destination'])}</td></tr>"
            for r in v.get("history", [])
        )
        or '<tr><td colspan="7">no static reports</td></tr>'
    )
    same = (
        "".join(
            f"<tr><td>{h(o['mmsi'])}</td><td>{h(o.get('flag'))}</td><td>{h(o.get('name'))}</td>"
            f"<td>{h(_iso(o.get('first_seen')))}</td><td>{h(_iso(o.get('last_seen')))}</td></tr>"
            for o in v.get("same_imo", [])
        )
        or '<tr><td colspan="5">none seen</td></tr>'
    )
    ports = (
        "".join(
            f"<tr><td>{h(c.get('port') or '?')}{' (' + h(c['port_code']) + ')' if c.get('port_code') else ''}"
            f"</td><td>{h(_iso(c['start']))}</td><td>{h(_iso(c['end']))}</td>"
            f"<td>{h(_fmt(c.get('duration_h')))}</td></tr>"
            for c in v.get("port_calls", [])
        )
        or '<tr><td colspan="4">none detected</td></tr>'
    )
    reasons = v.get("top_reasons") or "No event passed the score threshold."
    aud = (
        "".join(
            f"<tr><td>{h(a['at'])}</td><td>{h(a['reviewer'])}</td><td>{h(a['prev_status'] or '')} → "
            f"{h(a['status'])}</td><td>{h(a['note'])}</td></tr>"
            for a in vessel_audit
        )
        or '<tr><td colspan="4">no review yet</td></tr>'
    )
    counting = [e for e in events if e.get("counting", True)]
    context = [e for e in events if not e.get("counting", True)]
    body = f"""
<h1>{h(name)} · MMSI {h(v["mmsi"])}</h1>
<p class="muted">Vessel dossier from {h(source)}, made {h(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))}.
A flag is a lead for investigation, not proof.</p>
<section id="identity"><h2>Identity</h2>{ident}</section>
<section id="why"><h2>Why it is flagged</h2><p>{h(reasons)}</p></section>
<section id="map"><h2>Map</h2>{_map_svg(tr, events)}
<p class="muted">Track simplified for display and broken at every AIS silence over 2 h.</p></section>
<section id="timeline"><h2>Timeline</h2>{_timeline_svg(tr, events)}</section>
<section id="events"><h2>Events that count ({len(counting)})</h2>{"".join(_event_block(e) for e in counting) or "<p>none</p>"}
<h2>Context events, not counted ({len(context)})</h2>{"".join(_event_block(e) for e in context) or "<p>none</p>"}</section>
<section id="history"><h2>Static data history</h2><table><thead><tr><th>first seen</th><th>name</th>
<th>callsign</th><th>IMO</th><th>ship type</th><th>length × beam</th><th>destination</th></tr></thead><tbody>{hist}</tbody></table></section>
<section id="port-calls"><h2>Port calls</h2><table><thead><tr><th>port</th><th>arrived</th>
<th>left</th><th>hours</th></tr></thead><tbody>{ports}</tbody></table></section>
<section id="same-imo"><h2>Same IMO under other MMSIs</h2><table><thead><tr><th>MMSI</th><th>flag</th>
<th>name</th><th>first report</th><th>last report</th></tr></thead><tbody>{same}</tbody></table></section>
<section id="reviews"><h2>Vessel review history</h2><table><thead><tr><th>when</th><th>who</th>
<th>status</th><th>note</th></tr></thead><tbody>{aud}</tbody></table></section>
"""
    style_hash = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()
    csp = f"default-src 'none'; style-src 'sha256-{style_hash}' 'unsafe-hashes'; img-src data:"
    # inline style attributes (tag colours) need 'unsafe-hashes' per colour: allow them by hash
    attr_hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(f'background:{c}'.encode()).digest()).decode()}'"
        for c in ({*COLORS.values(), "#555"})
    )
    csp = csp.replace("'unsafe-hashes'", f"'unsafe-hashes' {attr_hashes}")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{h(csp)}">'
        f"<title>Dossier {h(name)} {h(v['mmsi'])}</title><style>{_CSS}</style></head><body>"
        f"{body}</body></html>\n"
    )
