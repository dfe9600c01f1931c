/* vessels report: map, flagged-vessel table, vessel detail. No network, no eval, no HTML parsing:
   every piece of text from the data (AIS names are attacker-controlled) goes through textContent. */
"use strict";
(function () {
  // One UI for two hosts: report.html embeds its data in a JSON block; `vessels serve` has no
  // block and the same map, time strip, table and detail panel load it from /api/overview.
  // serve.js adds the live parts (search, reviews, alerts) through window.VesselsHooks.
  function hook(name) {
    var h = window.VesselsHooks;
    return h && typeof h[name] === "function" ? h[name] : null;
  }
  function start(DATA) {
  var COLORS = {
    gap: "#d35400", encounter: "#8e44ad", loitering: "#2980b9", identity: "#16a085",
    dark_detection: "#d4a000", dark_rendezvous: "#c0392b"
  };
  var TYPES = ["gap", "encounter", "loitering", "identity", "dark_rendezvous", "dark_detection"];
  var LABELS = {
    gap: "AIS gap", encounter: "encounter", loitering: "loitering", identity: "identity",
    dark_detection: "unmatched SAR detection", dark_rendezvous: "dark rendezvous"
  };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function iso(ms) {
    if (ms === null || ms === undefined) return "";
    return new Date(ms).toISOString().replace("T", " ").slice(0, 16);
  }
  function b64(s, Type) {
    if (!s) return new Type(0);
    var bin = atob(s), n = bin.length, bytes = new Uint8Array(n);
    for (var i = 0; i < n; i++) bytes[i] = bin.charCodeAt(i);
    return new Type(bytes.buffer);
  }

  // ---- data ---------------------------------------------------------------------------------
  var T = DATA.tracks;
  var PLAT = b64(T.lat, Int32Array), PLON = b64(T.lon, Int32Array);
  var PT = b64(T.t, Int32Array), PPIECE = b64(T.piece, Uint8Array);
  var vessels = DATA.vessels;
  var THRESHOLD = DATA.meta && typeof DATA.meta.threshold === "number" ? DATA.meta.threshold : 0.5;
  var byMmsi = {}, eventById = {};
  vessels.forEach(function (v) { byMmsi[v.mmsi] = v; });
  var eventsOf = {};
  DATA.events.forEach(function (e, i) {
    e.idx = i;
    // below the run's minimum event score an event is context: shown apart, never counted
    e.ctx = e.score < THRESHOLD;
    eventById[e.id] = e;
    [e.mmsi, e.other].forEach(function (m) {
      if (m === null || m === undefined) return;
      (eventsOf[m] = eventsOf[m] || []).push(e);
    });
  });
  // vessels whose events all scored below the threshold are listed as context (flagged: false)
  // and shown with their events only when the "show context" switch is on (on by default when
  // nothing is flagged, so nothing detected is invisible)
  function isCtxVessel(v) { return !!v && v.flagged === false; }
  var nFlagged = vessels.filter(function (v) { return !isCtxVessel(v); }).length;
  var showCtx = nFlagged === 0;
  DATA.events.forEach(function (e) {
    var inv = [e.mmsi, e.other].filter(function (m) { return m !== null && m !== undefined && byMmsi[m]; });
    e.ctxOnly = inv.length > 0 && inv.every(function (m) { return isCtxVessel(byMmsi[m]); });
  });
  var selected = null, activeEvent = null;
  // the time window chosen on the strip: [start, end] in ms UTC, or null for all times
  var win = null;
  var extFilter = null; // serve.js: type, score, review status filters (null: every event)
  var area = null; // [lat_min, lat_max, lon_min, lon_max] drawn on the map (map longitudes)
  function evIn(e) {
    if (e.ctxOnly && !showCtx) return false;
    if (extFilter && !extFilter(e)) return false;
    if (area && (e.lat === null || e.lat < area[0] || e.lat > area[1] || e.lon < area[2] || e.lon > area[3])) return false;
    return !win || (e.start <= win[1] && e.end >= win[0]);
  }
  function vesselIn(v) {
    if (!win && !extFilter && !area) return true;
    var evs = eventsOf[v.mmsi] || [];
    for (var i = 0; i < evs.length; i++) if (evIn(evs[i])) return true;
    return false;
  }

  // ---- header and legend --------------------------------------------------------------------
  var meta = DATA.meta || {};
  document.getElementById("title").textContent = meta.title || "vessels report";
  var c = meta.counts || {};
  document.getElementById("summary").textContent =
    (c.positions || 0).toLocaleString("en") + " positions of " + (c.vessels || 0).toLocaleString("en") +
    " vessels, " + (c.events || 0).toLocaleString("en") + " events, " + nFlagged.toLocaleString("en") +
    (c.flagged > nFlagged ? " of " + c.flagged.toLocaleString("en") : "") + " flagged vessels listed" +
    (vessels.length > nFlagged ? " (and " + (vessels.length - nFlagged).toLocaleString("en") + " with context events only)" : "") +
    (meta.period ? "; " + meta.period : "") + (meta.version ? " · vessels " + meta.version : "");
  var cov = meta.coverage, covEl = document.getElementById("coverage-note");
  if (cov && covEl && cov.first) { // the inputs' span and the holes when no input delivered anything
    var covText = "Data from " + iso(Date.parse(cov.first)) + " to " + iso(Date.parse(cov.last)) + " UTC";
    if (cov.n_holes) {
      var h0 = cov.holes[0], cg = cov.coverage_gaps || {};
      covText += ", with " + cov.n_holes + " hole" + (cov.n_holes > 1 ? "s" : "") + " longer than " + cov.hole_min_h +
        " h in which no input delivered anything (longest " + h0.hours.toLocaleString("en") + " h, " +
        iso(Date.parse(h0.start)) + " to " + iso(Date.parse(h0.end)) + "). " + (cg.data_hole || 0) +
        " AIS gaps lying mostly in such holes are treated as coverage, not as dark periods";
    }
    if ((cov.coverage_gaps || {}).nobody_heard) {
      covText += ". " + cov.coverage_gaps.nobody_heard + " AIS gaps with no other vessel heard near them are treated as coverage";
    }
    if ((cov.coverage_gaps || {}).mostly_unheard) {
      covText += ". " + cov.coverage_gaps.mostly_unheard + " AIS gaps lying mostly in a reception outage over their area are treated as coverage";
    }
    if (cov.n_holes && cov.inputs && cov.inputs.length > 1) { // which input covers which time
      covText += ". Inputs: " + cov.inputs.map(function (x) {
        return x.input + " " + iso(Date.parse(x.first)) + " to " + iso(Date.parse(x.last));
      }).join("; ") + (cov.n_inputs > cov.inputs.length ? "; ..." : "");
    }
    covEl.textContent = covText + ".";
  }
  var legend = document.getElementById("legend");
  TYPES.forEach(function (t) {
    var li = el("li"), sw = el("span", null, "sw" + (t === "dark_detection" ? " square" : ""));
    sw.style.background = COLORS[t];
    li.dataset.type = t;
    li.appendChild(sw); li.appendChild(document.createTextNode(LABELS[t]));
    legend.appendChild(li);
  });
  var cli = el("li"), csw = el("span", null, "sw hollow");
  cli.appendChild(csw); cli.appendChild(document.createTextNode("context event (below the score threshold, not counted)"));
  legend.appendChild(cli);
  if ((DATA.scenes || []).length) {
    var sli = el("li"), ssw = el("span", null, "sw scene");
    sli.appendChild(ssw); sli.appendChild(document.createTextNode("SAR scene footprint"));
    legend.appendChild(sli);
  }
  var pli = el("li"), psw = el("span", null, "sw square");
  psw.style.background = "#34495e";
  pli.appendChild(psw); pli.appendChild(document.createTextNode("port (UN/LOCODE)"));
  legend.appendChild(pli);
  var dli = el("li"), dsw = el("span", null, "sw");
  dsw.style.background = "rgba(30,90,160,0.45)"; dsw.style.borderRadius = "0";
  dli.appendChild(dsw); dli.appendChild(document.createTextNode("traffic of all vessels"));
  legend.appendChild(dli);
  document.getElementById("map-note").textContent =
    "Land: " + DATA.land.source + ". Shading: positions of all vessels (log scale). Tracks decimated for display to " + (T.n || 0).toLocaleString("en") +
    " of " + (meta.raw_points || 0).toLocaleString("en") + " points and broken at silences over " +
    meta.max_gap_h + " h (never joined across AIS gaps).";
  document.getElementById("method-text").textContent = meta.method || "";

  // ---- map ----------------------------------------------------------------------------------
  var canvas = document.getElementById("map"), ctx = canvas.getContext("2d");
  var bbox = DATA.bbox; // [lat_min, lat_max, lon_min, lon_max]
  var kx = Math.cos(((bbox[0] + bbox[1]) / 2) * Math.PI / 180); // equirectangular scale
  var view = { cx: 0, cy: 0, scale: 1 }; // map units (x = lon * kx, y = -lat) to CSS px
  var land = buildLand(DATA.land);
  var density = buildDensity(DATA.density);
  var dpr = window.devicePixelRatio || 1;

  function buildLand(L) {
    var off = document.createElement("canvas");
    off.width = L.w; off.height = L.h;
    var g = off.getContext("2d"), img = g.createImageData(L.w, L.h), px = img.data;
    var bits = b64(L.bits, Uint8Array);
    for (var r = 0; r < L.h; r++) {
      for (var col = 0; col < L.w; col++) {
        if (bits[r * L.row_bytes + (col >> 3)] & (128 >> (col & 7))) {
          var o = (r * L.w + col) * 4;
          px[o] = 201; px[o + 1] = 194; px[o + 2] = 176; px[o + 3] = 255;
        }
      }
    }
    g.putImageData(img, 0, 0);
    return off;
  }
  function buildDensity(D) {
    if (!D || !D.counts) return null;
    var off = document.createElement("canvas");
    off.width = D.w; off.height = D.h;
    var g = off.getContext("2d"), img = g.createImageData(D.w, D.h), px = img.data;
    var c = b64(D.counts, Uint8Array);
    for (var i = 0; i < c.length; i++) {
      if (!c[i]) continue;
      px[4 * i] = 30; px[4 * i + 1] = 90; px[4 * i + 2] = 160; px[4 * i + 3] = Math.round(c[i] * 0.55);
    }
    g.putImageData(img, 0, 0);
    return off;
  }
  function resize() {
    var r = canvas.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(r.width * dpr));
    canvas.height = Math.max(1, Math.round(r.height * dpr));
  }
  function fit(lat0, lat1, lon0, lon1) {
    var r = canvas.getBoundingClientRect();
    var w = Math.max((lon1 - lon0) * kx, 1e-3), h = Math.max(lat1 - lat0, 1e-3);
    view.scale = Math.min(r.width / w, r.height / h) * 0.92;
    view.cx = (lon0 + lon1) / 2 * kx;
    view.cy = -(lat0 + lat1) / 2;
  }
  function px(lon, lat) {
    var r = canvas.width / dpr, h = canvas.height / dpr;
    return [(lon * kx - view.cx) * view.scale + r / 2, (-lat - view.cy) * view.scale + h / 2];
  }
  // Draws points off..off+n-1 as lines, broken at track pieces; with a time window, only the
  // part of each line inside it (a decimated line is cut where it crosses the window's edge,
  // by linear interpolation in time). Returns [sub-paths started, points inside the window].
  function drawTrack(off, n, style, width) {
    if (!n) return [0, 0];
    ctx.strokeStyle = style; ctx.lineWidth = width;
    ctx.beginPath();
    var w = canvas.width / dpr, h = canvas.height / dpr, s = view.scale;
    // the window in the payload's time unit (seconds after T.t0)
    var ws0 = win ? win[0] / 1000 - T.t0 : 0, ws1 = win ? win[1] / 1000 - T.t0 : 0;
    var paths = 0, inside = 0, open = false, xp = 0, yp = 0;
    for (var i = off; i < off + n; i++) {
      var x = (PLON[i] * 1e-5 * kx - view.cx) * s + w / 2, y = (-PLAT[i] * 1e-5 - view.cy) * s + h / 2;
      // a new piece after an AIS gap, or a step across the antimeridian: never draw a line
      var brk = PPIECE[i] || i === off || Math.abs(PLON[i] - PLON[i - 1]) > 18000000;
      if (!win) {
        if (brk) { ctx.moveTo(x, y); paths++; } else ctx.lineTo(x, y);
        inside++;
      } else {
        var ti = PT[i], ta = PT[i - 1];
        if (ti >= ws0 && ti <= ws1) inside++;
        if (brk) {
          open = ti >= ws0 && ti <= ws1;
          if (open) { ctx.moveTo(x, y); paths++; }
        } else {
          var lo = ta > ws0 ? ta : ws0, hi = ti < ws1 ? ti : ws1, dt = ti - ta;
          if (lo > hi) open = false; // this stretch lies outside the window
          else {
            if (!open) { // enter the window inside this stretch
              var f0 = dt > 0 ? (lo - ta) / dt : 0;
              ctx.moveTo(xp + (x - xp) * f0, yp + (y - yp) * f0); paths++;
            }
            if (hi < ti) { // leave it inside this stretch
              var f1 = (hi - ta) / dt;
              ctx.lineTo(xp + (x - xp) * f1, yp + (y - yp) * f1); open = false;
            } else { ctx.lineTo(x, y); open = true; }
          }
        }
      }
      xp = x; yp = y;
    }
    ctx.stroke();
    return [paths, inside];
  }
  function drawEvent(e, big) {
    if (e.lat === null || e.lon === null || !evIn(e)) return;
    var p = px(e.lon, e.lat), r = big ? 6 : 3.5;
    ctx.beginPath();
    if (e.type === "dark_detection") ctx.rect(p[0] - r, p[1] - r, 2 * r, 2 * r);
    else ctx.arc(p[0], p[1], r, 0, 2 * Math.PI);
    if (e.ctx) { // context: a hollow ring in the type's colour
      ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fill();
      ctx.strokeStyle = COLORS[e.type] || "#000"; ctx.lineWidth = 1.5; ctx.stroke();
    } else {
      ctx.fillStyle = COLORS[e.type] || "#000"; ctx.fill();
      ctx.strokeStyle = e.type === "dark_detection" ? "#5a4500" : "#fff"; ctx.lineWidth = 1; ctx.stroke();
    }
  }
  // Map longitudes run on past 180 across the antimeridian (179.9, 180.1, ...: see
  // dashboards/lonframe.py); a person is always shown the real one, in [-180, 180).
  function realLon(lon) { return ((lon + 180) % 360 + 360) % 360 - 180; }
  function lonLabel(lon, dec) {
    var r = realLon(lon), t = Math.abs(r).toFixed(dec);
    if (+t === 0 || +t === 180) return t + "°"; // the prime meridian and the antimeridian
    return t + (r < 0 ? "°W" : "°E");
  }
  function posText(lat, lon) { // "17.812°S 179.900°W": a real position, about 100 m precision
    var r = realLon(lon);
    return Math.abs(lat).toFixed(3) + (lat < 0 ? "°S " : "°N ") + Math.abs(r).toFixed(3) + (r < 0 ? "°W" : "°E");
  }
  // SAR scene footprints: where the satellite looked (a dark vessel can only be seen inside),
  // dashed; with a time window only the scenes taken in it
  function drawScenes() {
    var S = DATA.scenes || [], n = 0;
    ctx.save();
    ctx.setLineDash([5, 4]); ctx.strokeStyle = "#9a7d0a"; ctx.lineWidth = 1.2;

    S.forEach(function (sc) {
      if (win && sc.t !== null && (sc.t < win[0] || sc.t > win[1])) return;
      n++;
      sc.rings.forEach(function (ring) {
        ctx.beginPath();
        ring.forEach(function (c, k) { var p = px(c[0], c[1]); if (k) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); });
        ctx.closePath(); ctx.stroke(); // outline only: overlapping scenes stay readable
      });
    });
    ctx.restore();
    canvas.dataset.scenes = String(n);
  }
  // ports (UN/LOCODE): a small square each; names where they do not crowd each other
  function drawPorts(w, h) {
    var P = DATA.ports || [], taken = {}, shown = 0;
    ctx.font = "10px sans-serif";
    for (var i = 0; i < P.length; i++) {
      var p = px(P[i][1], P[i][0]);
      if (p[0] < -20 || p[1] < -20 || p[0] > w + 20 || p[1] > h + 20) continue;
      ctx.fillStyle = "#34495e"; ctx.fillRect(p[0] - 2.5, p[1] - 2.5, 5, 5);
      var cell = Math.floor(p[0] / 90) + ":" + Math.floor(p[1] / 18);
      if (!taken[cell] && P[i][2]) {
        taken[cell] = 1; shown++;
        ctx.fillStyle = "rgba(52,73,94,0.9)"; ctx.fillText(P[i][2], p[0] + 5, p[1] + 3);
      }
    }
    canvas.dataset.ports = String(shown);
  }
  function drawScaleBar(w, h) { // a round distance about 100 px long, at the map's centre latitude
    var lat = -view.cy, kmPerPx = 111.32 * Math.cos(lat * Math.PI / 180) / (view.scale * kx);
    if (!(kmPerPx > 0) || !isFinite(kmPerPx)) return;
    var target = kmPerPx * 100, p10 = Math.pow(10, Math.floor(Math.log10(target))), km = p10;
    [1, 2, 5, 10].forEach(function (m) { if (m * p10 <= target) km = m * p10; });
    var len = km / kmPerPx, x0 = 12, y0 = h - 22;
    ctx.fillStyle = "rgba(255,255,255,0.8)"; ctx.fillRect(x0 - 4, y0 - 14, len + 8, 20);
    ctx.strokeStyle = "#1d2733"; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(x0, y0 - 4); ctx.lineTo(x0, y0); ctx.lineTo(x0 + len, y0); ctx.lineTo(x0 + len, y0 - 4); ctx.stroke();
    ctx.fillStyle = "#1d2733"; ctx.font = "10px sans-serif";
    var nm = km / 1.852;
    ctx.fillText((km >= 1 ? km : km.toFixed(1)) + " km (" + (nm >= 10 ? Math.round(nm) : nm.toFixed(1)) + " nm)", x0 + 2, y0 - 5);
    canvas.dataset.scaleKm = String(km);
  }
  // direction arrows and time labels along the selected track: which way and when
  function drawTicks(off, n) {
    if (n < 2) return;
    var lastX = null, lastY = null, lastLabel = null, i;
    ctx.fillStyle = "#1f5fa8"; ctx.font = "10px sans-serif"; // apart from the near-black track
    for (i = off + 1; i < off + n; i++) {
      if (PPIECE[i]) continue;
      var a = px(PLON[i - 1] * 1e-5, PLAT[i - 1] * 1e-5), b = px(PLON[i] * 1e-5, PLAT[i] * 1e-5);
      var t = (T.t0 + PT[i]) * 1000;
      if (win && (t < win[0] || t > win[1])) continue;
      if (lastX === null || Math.hypot(b[0] - lastX, b[1] - lastY) > 70) {
        var ang = Math.atan2(b[1] - a[1], b[0] - a[0]);
        ctx.save(); ctx.translate(b[0], b[1]); ctx.rotate(ang);
        ctx.beginPath(); ctx.moveTo(0, 0); ctx.lineTo(-7, -4); ctx.lineTo(-7, 4); ctx.closePath(); ctx.fill();
        ctx.restore();
        if (lastLabel === null || Math.hypot(b[0] - lastLabel[0], b[1] - lastLabel[1]) > 180) {
          ctx.fillText(iso(t).slice(5, 16), b[0] + 6, b[1] - 6); lastLabel = b;
        }
        lastX = b[0]; lastY = b[1];
      }
    }
  }
  function drawGraticule(w, h) {
    // lat/lon lines every "nice" step so about 4-10 show, labelled at the left and bottom edges
    var spanDeg = h / view.scale, steps = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30];
    var step = steps[steps.length - 1];
    for (var k = 0; k < steps.length; k++) { if (spanDeg / steps[k] <= 8) { step = steps[k]; break; } }
    var latTop = -(view.cy - h / 2 / view.scale), latBot = -(view.cy + h / 2 / view.scale);
    var lonL = (view.cx - w / 2 / view.scale) / kx, lonR = (view.cx + w / 2 / view.scale) / kx;
    ctx.strokeStyle = "rgba(29,39,51,0.12)"; ctx.lineWidth = 1;
    ctx.fillStyle = "rgba(29,39,51,0.6)"; ctx.font = "10px sans-serif";
    var dec = step < 0.01 ? 3 : step < 0.1 ? 2 : step < 1 ? 1 : 0, la, lo, p;
    for (la = Math.max(-90, Math.ceil(latBot / step) * step); la <= Math.min(90, latTop); la += step) {
      p = px(0, la); ctx.beginPath(); ctx.moveTo(0, p[1]); ctx.lineTo(w, p[1]); ctx.stroke();
      ctx.fillText(Math.abs(la).toFixed(dec) + (la < 0 ? "°S" : "°N"), 3, p[1] - 2);
    }
    for (lo = Math.ceil(lonL / step) * step; lo <= lonR; lo += step) {
      p = px(lo, 0); ctx.beginPath(); ctx.moveTo(p[0], 0); ctx.lineTo(p[0], h); ctx.stroke();
      ctx.fillText(lonLabel(lo, dec), p[0] + 2, h - 3);
    }
  }
  function draw() {
    var started = performance.now();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    var w = canvas.width / dpr, h = canvas.height / dpr;
    ctx.fillStyle = "#dfeaf2"; ctx.fillRect(0, 0, w, h);
    var L = DATA.land, a = px(L.lon_min, L.lat_max);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(land, a[0], a[1], L.w * L.step * kx * view.scale, L.h * L.step * view.scale);
    if (density) {
      var D = DATA.density, b = px(D.lon_min, D.lat_max);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(density, b[0], b[1], D.w * D.step * kx * view.scale, D.h * D.step * view.scale);
      ctx.imageSmoothingEnabled = true;
    }
    drawGraticule(w, h);
    drawScenes();
    drawPorts(w, h);
    // all listed tracks in one faint layer, the selected one on top
    ctx.globalAlpha = 0.55;
    var drawn = drawTrack(0, T.n || 0, "#5d6d7e", 0.8);
    ctx.globalAlpha = 1;
    var shown = 0;
    DATA.events.forEach(function (e) { if (e.ctx) { if (evIn(e)) shown++; drawEvent(e, false); } });
    DATA.events.forEach(function (e) { if (!e.ctx) { if (evIn(e)) shown++; drawEvent(e, false); } });
    drawScaleBar(w, h);
    drawArea();
    // what the map shows, for people and tests: track sub-paths, points and events in the window
    canvas.dataset.paths = String(drawn[0]);
    canvas.dataset.points = String(drawn[1]);
    canvas.dataset.events = String(shown);
    if (selected) {
      var partners = {};
      (eventsOf[selected.mmsi] || []).forEach(function (e) {
        var o = e.mmsi === selected.mmsi ? e.other : e.mmsi;
        if (o !== null && o !== undefined) partners[o] = 1;
      });
      Object.keys(partners).forEach(function (m) {
        var tr = byMmsi[m] ? byMmsi[m].track : DATA.partners[m];
        if (tr) drawTrack(tr[0], tr[1], "#8e44ad", 1.6);
      });
      drawTicks(selected.track[0], selected.track[1]); // under the line, which stays unbroken
      drawTrack(selected.track[0], selected.track[1], "#111", 2.2);
      // serve.js: the selected vessel's track from the server at this zoom, over the overview's
      if (hook("drawOverlay")) hook("drawOverlay")(ctx, px, view);
      (eventsOf[selected.mmsi] || []).forEach(function (e) { drawEvent(e, true); });
    }
    if (activeEvent && activeEvent.lat !== null && evIn(activeEvent)) {
      var q = px(activeEvent.lon, activeEvent.lat);
      ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(q[0], q[1], 11, 0, 2 * Math.PI); ctx.stroke();
    }
    canvas.dataset.drawn = String((+canvas.dataset.drawn || 0) + 1);
    canvas.dataset.drawMs = (performance.now() - started).toFixed(1);
    writeUrl();
  }
  var pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); });
  }
  function zoom(f, mx, my) {
    var w = canvas.width / dpr, h = canvas.height / dpr;
    if (mx === undefined) { mx = w / 2; my = h / 2; }
    var ux = (mx - w / 2) / view.scale + view.cx, uy = (my - h / 2) / view.scale + view.cy;
    view.scale *= f;
    view.cx = ux - (mx - w / 2) / view.scale;
    view.cy = uy - (my - h / 2) / view.scale;
    redraw();
  }
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var r = canvas.getBoundingClientRect();
    zoom(ev.deltaY < 0 ? 1.25 : 0.8, ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  var drag = null;
  // an area of interest: shift-drag draws a box; events outside it leave the map, the strip and
  // the lists (the same filter as the time window), "×" clears it; it is part of the URL
  function unproject(x, y) {
    var w = canvas.width / dpr, h = canvas.height / dpr;
    return [((x - w / 2) / view.scale + view.cx) / kx, -((y - h / 2) / view.scale + view.cy)];
  }
  var areaDrag = null;
  function setArea(a) {
    area = a;
    document.getElementById("area-clear").hidden = !area;
    canvas.dataset.area = area ? area.map(function (x) { return x.toFixed(4); }).join(",") : "";
    renderTable(); drawStripBase(); drawStrip(); windowText();
    if (selected) { renderEvents(selected); drawTimeline(selected); }
    redraw();
  }
  document.getElementById("area-clear").addEventListener("click", function () { setArea(null); });
  function drawArea() {
    var a = areaDrag ? areaDrag.box : area;
    if (!a) return;
    var p0 = px(a[2], a[1]), p1 = px(a[3], a[0]);
    ctx.save(); ctx.setLineDash([6, 3]); ctx.strokeStyle = "#1f5fa8"; ctx.lineWidth = 2;
    ctx.strokeRect(p0[0], p0[1], p1[0] - p0[0], p1[1] - p0[1]);
    ctx.restore();
  }
  canvas.addEventListener("mousedown", function (ev) {
    if (ev.shiftKey) {
      var r = canvas.getBoundingClientRect();
      areaDrag = { x0: ev.clientX - r.left, y0: ev.clientY - r.top, box: null };
      ev.preventDefault();
      return;
    }
    drag = { x: ev.clientX, y: ev.clientY, moved: false };
  });
  window.addEventListener("mouseup", function (ev) {
    if (areaDrag) {
      var box = areaDrag.box;
      areaDrag = null;
      if (box && box[1] - box[0] > 1e-6 && box[3] - box[2] > 1e-6) setArea(box); else redraw();
      return;
    }
    if (drag && !drag.moved) pick(ev);
    drag = null;
  });
  window.addEventListener("mousemove", function (ev) {
    if (areaDrag) {
      var r = canvas.getBoundingClientRect(), a = unproject(areaDrag.x0, areaDrag.y0);
      var b = unproject(ev.clientX - r.left, ev.clientY - r.top);
      areaDrag.box = [Math.min(a[1], b[1]), Math.max(a[1], b[1]), Math.min(a[0], b[0]), Math.max(a[0], b[0])];
      redraw();
      return;
    }
    if (!drag) return;
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    view.cx -= dx / view.scale; view.cy -= dy / view.scale;
    drag.x = ev.clientX; drag.y = ev.clientY;
    redraw();
  });
  function pick(ev) { // click on an event marker selects its vessel and the event
    var r = canvas.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
    var best = null, bd = 64;
    DATA.events.forEach(function (e) {
      if (e.lat === null || !evIn(e)) return;
      var p = px(e.lon, e.lat), d = (p[0] - mx) * (p[0] - mx) + (p[1] - my) * (p[1] - my);
      if (d < bd) { bd = d; best = e; }
    });
    if (!best) return;
    var v = byMmsi[best.mmsi] || byMmsi[best.other];
    if (v) { select(v, false); focusEvent(best); }
    else showTip(best, mx, my);
  }
  function showTip(e, x, y) {
    var tip = document.getElementById("map-tip");
    tip.textContent = LABELS[e.type] + " " + iso(e.start) + " at " + posText(e.lat, e.lon) + "\n" + (e.reasons[0] || "");
    tip.style.left = x + 8 + "px"; tip.style.top = y + 8 + "px";
    tip.hidden = false;
    setTimeout(function () { tip.hidden = true; }, 4000);
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(1.5); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(1 / 1.5); });
  document.getElementById("zoom-reset").addEventListener("click", function () {
    fit(bbox[0], bbox[1], bbox[2], bbox[3]); redraw();
  });
  window.addEventListener("resize", function () { resize(); redraw(); });

  // ---- table --------------------------------------------------------------------------------
  var COLS = [
    { key: "rank", label: "#", num: true },
    { key: "mmsi", label: "MMSI", num: true },
    { key: "name", label: "name" },
    { key: "flag", label: "flag" },
    { key: "ship_type", label: "type" },
    { key: "score", label: "risk", num: true }
  ].concat(TYPES.filter(function (t) { return t !== "dark_detection"; }).map(function (t) {
    return { key: "n_" + t, label: LABELS[t], num: true };
  })).concat([{ key: "why", label: "main reason" }]);
  vessels.forEach(function (v, i) {
    v.rank = i + 1;
    TYPES.forEach(function (t) { v["n_" + t] = (v.counts && v.counts[t]) || 0; });
    v.why = v.reasons.length ? v.reasons[0][0] : "";
    if (isCtxVessel(v)) { // no reason counts: the first sentence of its strongest event, as context
      var top = (eventsOf[v.mmsi] || []).slice().sort(function (a, b) { return b.score - a.score; })[0];
      v.why = top && top.reasons.length ? "context: " + top.reasons[0] : "";
    }
  });
  var sortKey = "rank", sortDir = 1, filterText = "";
  var headRow = document.querySelector("#vessel-table thead tr");
  COLS.forEach(function (col) {
    var th = el("th"), b = el("button", col.label);
    b.type = "button"; b.dataset.key = col.key;
    b.addEventListener("click", function () {
      if (sortKey === col.key) sortDir = -sortDir;
      else { sortKey = col.key; sortDir = col.num && col.key !== "rank" && col.key !== "mmsi" ? -1 : 1; }
      renderTable();
    });
    th.appendChild(b); headRow.appendChild(th);
  });
  var tbody = document.querySelector("#vessel-table tbody");
  function cmp(a, b) {
    var x = a[sortKey], y = b[sortKey];
    if (x === null || x === undefined) x = "";
    if (y === null || y === undefined) y = "";
    if (x < y) return -sortDir;
    if (x > y) return sortDir;
    return a.rank - b.rank;
  }
  function haystack(v) { // what the filter box searches: identity and the vessel's event types
    if (v.hay === undefined) {
      var types = {};
      (eventsOf[v.mmsi] || []).forEach(function (e) { types[e.type] = 1; });
      v.hay = [v.mmsi, v.id, v.imo, v.name, v.flag, v.callsign, v.ship_type].concat(
        Object.keys(types).map(function (t) { return t + " " + LABELS[t]; })).join(" ").toLowerCase();
    }
    return v.hay;
  }
  function renderTable() {
    var outside = 0;
    var rows = vessels.filter(function (v) {
      if (isCtxVessel(v) && !showCtx) return false;
      if (filterText && haystack(v).indexOf(filterText) < 0) return false;
      if (vesselFilter && !vesselFilter(v)) return false;
      if (!vesselIn(v)) { outside++; return false; }
      return true;
    }).sort(cmp);
    var key = rows.map(function (v) { return v.mmsi; }).join(",");
    if (key !== shownKey) { // the same rows in the same order: leave the laid-out table alone
      shownKey = key;
      var frag = document.createDocumentFragment();
      rows.forEach(function (v) {
        var tr = rowOf[v.mmsi] || makeRow(v);
        tr.className = selected === v ? "selected" : "";
        frag.appendChild(tr);
      });
      tbody.textContent = "";
      tbody.appendChild(frag);
    }
    var rc = document.getElementById("row-count");
    rc.textContent = rows.length + " of " + vessels.length + " vessels" +
      (outside ? " (" + outside + " more with no event in the time window)" : "");
    rc.dataset.shown = String(rows.length); rc.dataset.outside = String(outside);
    if (hook("tableRendered")) hook("tableRendered")(evIn);
  }
  var vesselFilter = null; // serve.js: the vessel review status
  // a vessel's row is made once and moved in and out of the table by filters, sorting and the
  // time window (rebuilding 1,000 rows on every change cost most of a brush release)
  var rowOf = {}, shownKey = null;
  function makeRow(v) {
    var tr = el("tr");
    tr.dataset.mmsi = v.mmsi;
    COLS.forEach(function (col) {
      var td;
      if (col.key === "score" && isCtxVessel(v)) {
        td = el("td", "context", "num ctx"); // every event below the threshold: no risk
        td.title = "every event of this vessel scored below the threshold (" + THRESHOLD + "): context, not counted";
      } else if (col.key === "score") {
        td = el("td", null, "num");
        var bar = el("span", null, "bar");
        bar.style.width = Math.round(v.score * 40) + "px";
        td.appendChild(bar); td.appendChild(document.createTextNode(v.score.toFixed(2)));
      } else {
        td = el("td", v[col.key] === 0 && col.key.indexOf("n_") === 0 ? "" : v[col.key],
                col.num ? "num" : (col.key === "why" ? "why" : null));
      }
      tr.appendChild(td);
    });
    tr.tabIndex = 0;
    tr.addEventListener("click", function () { select(v, true); showDetail(); });
    tr.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(v, true); showDetail(); }
    });
    rowOf[v.mmsi] = tr;
    return tr;
  }
  document.getElementById("filter").addEventListener("input", function (ev) {
    filterText = ev.target.value.trim().toLowerCase(); renderTable(); writeUrl();
  });

  // ---- detail -------------------------------------------------------------------------------
  function showDetail() {
    var d = document.getElementById("detail"), r = d.getBoundingClientRect();
    // bring the detail into view only when its top is off screen (no jump when it is in view)
    if (d.scrollIntoView && (r.top < 0 || r.top > window.innerHeight - 80)) d.scrollIntoView({ block: "start" });
  }
  function select(v, zoomTo) {
    selected = v; activeEvent = null;
    Array.prototype.forEach.call(tbody.rows, function (tr) {
      tr.className = String(tr.dataset.mmsi) === String(v.mmsi) ? "selected" : "";
    });
    var d = document.getElementById("detail");
    d.hidden = false;
    d.dataset.mmsi = v.mmsi;
    document.getElementById("detail-title").textContent = (v.name || "(no name)") +
      (v.id !== null && v.id !== undefined ? " · input id " + v.id + " (pseudo-MMSI " + v.mmsi + ")" : " · MMSI " + v.mmsi);
    var dl = document.getElementById("detail-identity");
    dl.textContent = "";
    [["risk score", v.score.toFixed(2)], ["flag", v.flag], ["ship type", v.ship_type], ["callsign", v.callsign],
     ["IMO", v.imo]].forEach(function (kv) {
      dl.appendChild(el("dt", kv[0])); dl.appendChild(el("dd", kv[1] === null || kv[1] === undefined ? "-" : kv[1]));
    });
    var ol = document.getElementById("detail-reasons");
    ol.textContent = "";
    v.reasons.forEach(function (r) { ol.appendChild(el("li", r[0] + " (" + r[1].toFixed(2) + " of " + v.score.toFixed(2) + ")")); });
    if (isCtxVessel(v)) ol.appendChild(el("li", "Not flagged: every event of this vessel scored below the threshold (" + THRESHOLD + "); its events below are context, not leads."));
    renderEvents(v); renderPortCalls(v); renderHistory(v); renderSameImo(v); drawTimeline(v);
    if (zoomTo) zoomToVessel(v);
    redraw();
    if (hook("selected")) hook("selected")(v);
  }
  function zoomToVessel(v) {
    var la0 = 90, la1 = -90, lo0 = 180, lo1 = -180, any = false;
    for (var i = v.track[0]; i < v.track[0] + v.track[1]; i++) {
      var la = PLAT[i] * 1e-5, lo = PLON[i] * 1e-5;
      if (la < la0) la0 = la; if (la > la1) la1 = la; if (lo < lo0) lo0 = lo; if (lo > lo1) lo1 = lo; any = true;
    }
    (eventsOf[v.mmsi] || []).forEach(function (e) {
      if (e.lat === null) return;
      la0 = Math.min(la0, e.lat); la1 = Math.max(la1, e.lat); lo0 = Math.min(lo0, e.lon); lo1 = Math.max(lo1, e.lon); any = true;
    });
    if (!any) return;
    var pad = Math.max(la1 - la0, lo1 - lo0, 0.05) * 0.2;
    fit(la0 - pad, la1 + pad, lo0 - pad, lo1 + pad);
  }
  // Evidence as a table of plain names and values (nested objects as dotted names), never JSON
  function evidenceRows(ev, prefix, out) {
    if (ev !== null && typeof ev === "object" && !Array.isArray(ev)) {
      Object.keys(ev).sort().forEach(function (k) {
        var name = k.replace(/_/g, " ");
        evidenceRows(ev[k], prefix ? prefix + " › " + name : name, out);
      });
    } else if (Array.isArray(ev) && ev.some(function (x) { return x !== null && typeof x === "object"; })) {
      ev.forEach(function (x, i) { evidenceRows(x, prefix + " " + (i + 1), out); });
    } else if (Array.isArray(ev)) {
      out.push([prefix, ev.map(fmtValue).join(", ")]);
    } else out.push([prefix, fmtValue(ev)]);
    return out;
  }
  function fmtValue(x) {
    if (x === null || x === undefined) return "";
    if (typeof x === "boolean") return x ? "yes" : "no";
    if (typeof x === "number") return Math.abs(x) >= 1000 ? x.toLocaleString("en", { maximumFractionDigits: 0 }) : String(+x.toFixed(3));
    return String(x);
  }
  function evidenceTable(ev) {
    var rows = evidenceRows(ev || {}, "", []);
    var t = el("table", null, "evidence"), tb = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("th", r[0])); tr.appendChild(el("td", r[1]));
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    return t;
  }
  function renderEvents(v) {
    var ol = document.getElementById("event-list");
    ol.textContent = "";
    var ctxShown = false;
    (eventsOf[v.mmsi] || []).slice().sort(function (a, b) { return (a.ctx - b.ctx) || (a.start - b.start); }).forEach(function (e) {
      if (e.ctx && !ctxShown) {
        ctxShown = true;
        ol.appendChild(el("li", "Context events: below the score threshold (" + THRESHOLD + "), not counted in the risk", "context-head"));
      }
      var li = el("li");
      li.dataset.eventId = e.id;
      li.className = (activeEvent === e ? "active" : "") + (evIn(e) ? "" : " outside") + (e.ctx ? " context" : "");
      if (!evIn(e)) li.title = "outside the chosen time window";
      var tag = el("span", LABELS[e.type] || e.type, "tag");
      tag.style.background = COLORS[e.type] || "#555";
      li.appendChild(tag);
      var other = e.mmsi === v.mmsi ? e.other : e.mmsi;
      li.appendChild(document.createTextNode(
        " " + iso(e.start) + " → " + iso(e.end) + " UTC, " + ((e.end - e.start) / 3600000).toFixed(1) + " h, score " +
        e.score.toFixed(2) + (e.lat !== null && e.lon !== null ? ", at " + posText(e.lat, e.lon) : "")));
      if (other !== null && other !== undefined) {
        li.appendChild(document.createTextNode(", with "));
        if (byMmsi[other]) {
          var link = el("button", "MMSI " + other, "link");
          link.type = "button";
          link.addEventListener("click", function (ev) { ev.stopPropagation(); select(byMmsi[other], true); });
          li.appendChild(link);
        } else {
          li.appendChild(document.createTextNode("MMSI " + other));
        }
      }
      var ul = el("ul");
      e.reasons.forEach(function (r) { ul.appendChild(el("li", r)); });
      li.appendChild(ul);
      li.appendChild(evidenceTable(e.evidence));
      if (hook("eventItem")) hook("eventItem")(li, e);
      li.addEventListener("click", function (ev) {
        if (ev.target.closest && ev.target.closest("input, select, textarea, button, a")) return;
        focusEvent(e);
      });
      ol.appendChild(li);
    });
    if (!ol.childNodes.length) ol.appendChild(el("li", "no events"));
  }
  function focusEvent(e) {
    activeEvent = e;
    Array.prototype.forEach.call(document.querySelectorAll("#event-list > li"), function (li) {
      var ev = eventById[li.dataset.eventId];
      if (!ev) return;
      li.className = (li.dataset.eventId === e.id ? "active" : "") + (!evIn(ev) ? " outside" : "") + (ev.ctx ? " context" : "");
    });
    if (e.lat !== null) {
      var p = px(e.lon, e.lat), w = canvas.width / dpr, h = canvas.height / dpr;
      if (p[0] < 0 || p[1] < 0 || p[0] > w || p[1] > h) { view.cx = e.lon * kx; view.cy = -e.lat; }
    }
    if (selected) drawTimeline(selected);
    redraw();
  }
  function renderPortCalls(v) {
    var tb = document.querySelector("#port-calls tbody");
    if (!tb) return;
    tb.textContent = "";
    if (v.port_calls === null || v.port_calls === undefined) {
      var tr0 = el("tr"), td0 = el("td", "port calls not loaded in this view (see port_visits.csv)"); td0.colSpan = 5; tr0.appendChild(td0); tb.appendChild(tr0);
      return;
    }
    var prevEnd = null;
    v.port_calls.forEach(function (c) {
      var tr = el("tr");
      tr.appendChild(el("td", c.port || "(unnamed anchorage)"));
      tr.appendChild(el("td", iso(c.start)));
      tr.appendChild(el("td", iso(c.end)));
      tr.appendChild(el("td", ((c.end - c.start) / 3600000).toFixed(1)));
      tr.appendChild(el("td", prevEnd === null ? "unknown (first call in the data)" : ((c.start - prevEnd) / 86400000).toFixed(1)));
      tb.appendChild(tr); prevEnd = c.end;
    });
    if (!tb.childNodes.length) { var tr = el("tr"), td = el("td", "no port call in the data: the whole track is one voyage, its start and end unknown"); td.colSpan = 5; tr.appendChild(td); tb.appendChild(tr); }
  }
  function renderHistory(v) {
    var tb = document.querySelector("#history tbody");
    tb.textContent = "";
    var prev = null;
    (v.history || []).forEach(function (h) {
      var tr = el("tr");
      tr.appendChild(el("td", iso(h.t)));
      ["name", "callsign", "imo", "ship_type", "destination"].forEach(function (k) {
        var td = el("td", h[k] === null || h[k] === undefined ? "" : h[k]);
        if (prev && prev[k] !== h[k] && k !== "destination") td.className = "changed";
        tr.appendChild(td);
      });
      tb.appendChild(tr); prev = h;
    });
    if (!tb.childNodes.length) { var tr = el("tr"), td = el("td", "no static reports"); td.colSpan = 6; tr.appendChild(td); tb.appendChild(tr); }
  }
  function renderSameImo(v) {
    var tb = document.querySelector("#same-imo tbody");
    tb.textContent = "";
    (v.same_imo || []).forEach(function (o) {
      var tr = el("tr");
      if (byMmsi[o.mmsi]) {
        var td = el("td"), b = el("button", String(o.mmsi), "link");
        b.type = "button";
        b.addEventListener("click", function () { select(byMmsi[o.mmsi], true); });
        td.appendChild(b); tr.appendChild(td);
      } else {
        tr.appendChild(el("td", o.mmsi));
      }
      var f = el("td", o.flag || "-");
      if (o.flag !== v.flag) f.className = "changed";
      tr.appendChild(f);
      tr.appendChild(el("td", o.name || ""));
      tr.appendChild(el("td", iso(o.first_seen)));
      tr.appendChild(el("td", iso(o.last_seen)));
      tb.appendChild(tr);
    });
    if (!tb.childNodes.length) { var tr = el("tr"), td = el("td", "none seen"); td.colSpan = 5; tr.appendChild(td); tb.appendChild(tr); }
  }
  function drawTimeline(v) {
    var cv = document.getElementById("timeline"), g = cv.getContext("2d");
    var r = cv.getBoundingClientRect();
    cv.width = Math.max(1, Math.round(r.width * dpr)); cv.height = Math.max(1, Math.round(r.height * dpr));
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    var w = r.width, h = r.height, evs = eventsOf[v.mmsi] || [];
    var t0 = Infinity, t1 = -Infinity, i;
    for (i = v.track[0]; i < v.track[0] + v.track[1]; i++) {
      var tt = (T.t0 + PT[i]) * 1000; if (tt < t0) t0 = tt; if (tt > t1) t1 = tt;
    }
    evs.forEach(function (e) { t0 = Math.min(t0, e.start); t1 = Math.max(t1, e.end); });
    g.clearRect(0, 0, w, h);
    if (!isFinite(t0)) return;
    if (t1 <= t0) t1 = t0 + 3600000;
    var X = function (t) { return 6 + (t - t0) / (t1 - t0) * (w - 12); };
    if (win && win[1] >= t0 && win[0] <= t1) { // the chosen time window, as a band
      var wa = X(Math.max(win[0], t0)), wb = X(Math.min(win[1], t1));
      g.fillStyle = "rgba(255,210,80,0.35)"; g.fillRect(wa, 0, Math.max(1, wb - wa), h - 14);
    }
    // AIS coverage: one bar per track piece (silences stay blank)
    g.fillStyle = "#5d6d7e";
    var a = null, last = null;
    for (i = v.track[0]; i < v.track[0] + v.track[1]; i++) {
      var ti = (T.t0 + PT[i]) * 1000;
      if (PPIECE[i] || a === null) { if (a !== null) g.fillRect(X(a), 14, Math.max(1, X(last) - X(a)), 10); a = ti; }
      last = ti;
    }
    if (a !== null) g.fillRect(X(a), 14, Math.max(1, X(last) - X(a)), 10);
    // port calls: green bars over the AIS row (time between them is a voyage)
    g.fillStyle = "#1e8449";
    (v.port_calls || []).forEach(function (c) {
      if (c.end < t0 || c.start > t1) return;
      g.fillRect(X(Math.max(c.start, t0)), 12, Math.max(2, X(Math.min(c.end, t1)) - X(Math.max(c.start, t0))), 14);
    });
    tlHits = [];
    evs.forEach(function (e) {
      g.fillStyle = COLORS[e.type] || "#000";
      var y = 32 + (TYPES.indexOf(e.type) % 6) * 8;
      g.fillRect(X(e.start), y, Math.max(2, X(e.end) - X(e.start)), 6);
      tlHits.push({ e: e, x0: X(e.start), x1: X(e.start) + Math.max(2, X(e.end) - X(e.start)), y0: y, y1: y + 6 });
      if (activeEvent === e) { g.strokeStyle = "#000"; g.strokeRect(X(e.start) - 1, y - 1, Math.max(2, X(e.end) - X(e.start)) + 2, 8); }
    });
    g.fillStyle = "#1d2733"; g.font = "11px sans-serif";
    g.fillText((v.port_calls || []).length ? "AIS (green: in port)" : "AIS", 6, 11);
    g.fillText(iso(t0), 6, h - 3);
    var lbl = iso(t1); g.fillText(lbl, w - 6 - g.measureText(lbl).width, h - 3);
  }

  var tlHits = [];
  document.getElementById("timeline").addEventListener("click", function (ev) {
    var r = ev.target.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
    var hit = null;
    tlHits.forEach(function (h) { if (x >= h.x0 - 3 && x <= h.x1 + 3 && y >= h.y0 - 2 && y <= h.y1 + 2) hit = h.e; });
    if (hit) focusEvent(hit);
  });

  // ---- time strip and window ----------------------------------------------------------------
  // When the listed vessels' events happened, over the data's whole time span: a stacked
  // histogram of events active in each bin, by type, over the drawn tracks' AIS positions per
  // bin (grey). Dragging on it picks a time window (whole minutes, UTC) that the map, the table
  // and the vessel detail follow.
  var strip = document.getElementById("timestrip"), sg = strip.getContext("2d");
  var stripBase = document.createElement("canvas");
  var span = (function () {
    var a = Infinity, b = -Infinity, i;
    for (i = 0; i < (T.n || 0); i++) { if (PT[i] < a) a = PT[i]; if (PT[i] > b) b = PT[i]; }
    if (isFinite(a)) { a = (T.t0 + a) * 1000; b = (T.t0 + b) * 1000; }
    DATA.events.forEach(function (e) { if (e.start < a) a = e.start; if (e.end > b) b = e.end; });
    if (!isFinite(a) && meta.data_span) { a = meta.data_span[0]; b = meta.data_span[1]; }
    if (!isFinite(a)) return null;
    if (b - a < 3600000) { a -= 1800000; b += 1800000; } // a single instant: an hour around it
    return [a, b];
  })();
  var SP = 6, AXIS = 15; // side padding and the height of the date axis, CSS px
  function stripW() { return strip.width / dpr; }
  function tToX(t) { return SP + (t - span[0]) / (span[1] - span[0]) * (stripW() - 2 * SP); }
  function xToT(x) {
    var f = (x - SP) / Math.max(1, stripW() - 2 * SP);
    return span[0] + Math.min(1, Math.max(0, f)) * (span[1] - span[0]);
  }
  var TICKS = [600000, 1800000, 3600000, 3 * 3600000, 6 * 3600000, 12 * 3600000, 86400000, 2 * 86400000,
               7 * 86400000, 14 * 86400000, 30 * 86400000, 91 * 86400000, 365 * 86400000];
  function drawStripBase() {
    var r = strip.getBoundingClientRect();
    strip.width = Math.max(1, Math.round(r.width * dpr)); strip.height = Math.max(1, Math.round(r.height * dpr));
    stripBase.width = strip.width; stripBase.height = strip.height;
    var g = stripBase.getContext("2d"), w = r.width, h = r.height, top = 4, bottom = h - AXIS;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = "#fff"; g.fillRect(0, 0, w, h);
    if (!span) return;
    var nb = Math.max(1, Math.floor((w - 2 * SP) / 3)), bw = (w - 2 * SP) / nb, dur = span[1] - span[0];
    var bin = function (t) { return Math.min(nb - 1, Math.max(0, Math.floor((t - span[0]) / dur * nb))); };
    var pts = new Float64Array(nb), byType = {}, tot = new Float64Array(nb), i, k;
    // grey: how many drawn vessels were transmitting (a track piece spans the bin), not the
    // decimated point count, which says more about the line's curvature than about AIS
    var vid = new Int32Array(T.n || 0), seen = new Int32Array(nb).fill(-1), nv = 0;
    vessels.forEach(function (v) { vid.fill(nv++, v.track[0], v.track[0] + v.track[1]); });
    Object.keys(DATA.partners).forEach(function (m) { var tr = DATA.partners[m]; vid.fill(nv++, tr[0], tr[0] + tr[1]); });
    for (i = 0; i < (T.n || 0); i++) {
      var b1 = bin((T.t0 + PT[i]) * 1000), b0 = PPIECE[i] || i === 0 || vid[i] !== vid[i - 1] ? b1 : bin((T.t0 + PT[i - 1]) * 1000);
      for (k = b0; k <= b1; k++) if (seen[k] !== vid[i]) { seen[k] = vid[i]; pts[k]++; }
    }
    TYPES.forEach(function (t) { byType[t] = new Float64Array(nb); });
    DATA.events.forEach(function (e) { // an event counts in every bin it is active in
      var arr = byType[e.type]; if (!arr || (e.ctxOnly && !showCtx)) return;
      for (k = bin(e.start); k <= bin(e.end); k++) { arr[k]++; tot[k]++; }
    });
    var pmax = 0, emax = 0;
    for (k = 0; k < nb; k++) { pmax = Math.max(pmax, pts[k]); emax = Math.max(emax, tot[k]); }
    var hh = bottom - top;
    g.fillStyle = "rgba(93,109,126,0.18)";
    for (k = 0; k < nb && pmax > 0; k++) { var ph = pts[k] / pmax * hh; g.fillRect(SP + k * bw, bottom - ph, bw, ph); }
    for (k = 0; k < nb && emax > 0; k++) {
      var y = bottom;
      TYPES.forEach(function (t) {
        var c = byType[t][k]; if (!c) return;
        var eh = Math.max(1.5, c / emax * hh);
        g.fillStyle = COLORS[t]; g.fillRect(SP + k * bw, y - eh, bw + 0.3, eh); y -= eh; // overlap: no seams
      });
    }
    // the date axis: UTC ticks at a round step giving a label every 90 px or more
    g.strokeStyle = "#9aa6b1"; g.lineWidth = 1;
    g.beginPath(); g.moveTo(SP, bottom + 0.5); g.lineTo(w - SP, bottom + 0.5); g.stroke();
    var step = TICKS[TICKS.length - 1];
    for (k = 0; k < TICKS.length; k++) { if (dur / TICKS[k] <= (w - 2 * SP) / 90) { step = TICKS[k]; break; } }
    g.fillStyle = "#1d2733"; g.font = "10px sans-serif";
    for (var t = Math.ceil(span[0] / step) * step; t <= span[1]; t += step) {
      var x = tToX(t), s = new Date(t).toISOString();
      var label = step >= 86400000 ? s.slice(0, 10) : (s.slice(11, 16) === "00:00" ? s.slice(5, 10) : s.slice(11, 16));
      g.beginPath(); g.moveTo(x + 0.5, bottom); g.lineTo(x + 0.5, bottom + 4); g.stroke();
      if (x + g.measureText(label).width < w - 24) g.fillText(label, x + 2, h - 3);
    }
    g.fillStyle = "#5b6875"; g.fillText("UTC", w - 22, h - 3);
  }
  function drawStrip() {
    var w = stripW(), h = strip.height / dpr;
    sg.setTransform(1, 0, 0, 1, 0, 0);
    sg.drawImage(stripBase, 0, 0);
    sg.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (!span || !win) return;
    var a = tToX(win[0]), b = tToX(win[1]);
    sg.fillStyle = "rgba(29,39,51,0.28)"; // dim what is outside the window
    sg.fillRect(0, 0, a, h - AXIS); sg.fillRect(b, 0, w - b, h - AXIS);
    sg.strokeStyle = "#1f5fa8"; sg.lineWidth = 1.5;
    sg.strokeRect(a, 1, Math.max(1, b - a), h - AXIS - 2);
  }
  function windowText() {
    var wt = document.getElementById("time-window"), all = document.getElementById("time-all");
    var n = 0;
    DATA.events.forEach(function (e) { if (evIn(e)) n++; });
    var nv = 0;
    vessels.forEach(function (v) { if (vesselIn(v)) nv++; });
    if (!span) { wt.textContent = "No times in the data."; all.disabled = true; return; }
    if (win) {
      wt.textContent = "Time window " + iso(win[0]) + " → " + iso(win[1]) + " UTC (" +
        ((win[1] - win[0]) / 3600000).toFixed(1) + " h): " + n + " of " + DATA.events.length + " events, " +
        nv + " of " + vessels.length + " flagged vessels with an event in it.";
    } else {
      wt.textContent = "All times: " + iso(span[0]) + " → " + iso(span[1]) + " UTC, " + DATA.events.length +
        " events.";
    }
    all.disabled = !win;
    // the state for people and tests: window bounds in ms (empty for all times) and what is in it
    strip.dataset.start = win ? String(win[0]) : "";
    strip.dataset.end = win ? String(win[1]) : "";
    strip.dataset.spanStart = String(span[0]); strip.dataset.spanEnd = String(span[1]);
    strip.dataset.events = String(n); strip.dataset.vessels = String(nv);
  }
  var winPending = false, listsStale = false;
  // ms; snapped outwards to whole minutes, so the text is exact. While dragging (live) only the
  // strip, the texts and the map follow every frame; the table and the vessel detail (a
  // thousand rows to lay out) follow when the mouse is released.
  function setWindow(a, b, live) {
    if (a === null) win = null;
    else {
      var lo = Math.min(a, b), hi = Math.max(a, b);
      win = [Math.floor(lo / 60000) * 60000, Math.ceil(hi / 60000) * 60000];
      if (win[1] === win[0]) win[1] += 60000;
    }
    drawStrip();
    listsStale = listsStale || !!live;
    if (!live) listsStale = false;
    if (winPending) return;
    winPending = true; // once a frame however many mouse moves came in
    requestAnimationFrame(function () {
      winPending = false;
      var started = performance.now();
      windowText();
      if (!listsStale) {
        renderTable();
        if (selected) { renderEvents(selected); drawTimeline(selected); }
      }
      draw();
      strip.dataset.applyMs = (performance.now() - started).toFixed(1);
      strip.dataset.applied = String((+strip.dataset.applied || 0) + 1);
    });
  }
  var brush = null, EDGE = 5; // px around a window edge that grab the edge
  function stripX(ev) { return ev.clientX - strip.getBoundingClientRect().left; }
  // what a press at x does: drag out a new window, move the window, or move one of its edges
  function brushMode(x) {
    if (!win) return "new";
    var a = tToX(win[0]), b = tToX(win[1]);
    if (Math.abs(x - a) <= EDGE && x <= b) return "start";
    if (Math.abs(x - b) <= EDGE) return "end";
    return x > a && x < b ? "move" : "new";
  }
  var CURSORS = { "new": "crosshair", move: "grab", start: "ew-resize", end: "ew-resize" };
  // pointer events, captured by the strip: mouse, pen and touch alike, even when the pointer
  // leaves the strip while dragging
  strip.addEventListener("pointerdown", function (ev) {
    if (!span || ev.button !== 0) return;
    ev.preventDefault(); strip.focus();
    if (strip.setPointerCapture && ev.pointerId !== undefined) {
      try { strip.setPointerCapture(ev.pointerId); } catch (err) { /* a synthetic pointer */ }
    }
    var x = stripX(ev);
    brush = { x0: x, mode: brushMode(x), from: win ? win.slice() : null, moved: false, last: null };
  });
  strip.addEventListener("pointermove", function (ev) {
    var x = stripX(ev);
    if (!brush) { strip.style.cursor = CURSORS[brushMode(x)]; return; }
    if (Math.abs(x - brush.x0) < 3 && !brush.moved) return; // a click, not a drag (yet)
    brush.moved = true;
    var t = xToT(x), f = brush.from;
    if (brush.mode === "start") brush.last = [f[1], t];
    else if (brush.mode === "end") brush.last = [f[0], t];
    else if (brush.mode === "move") { // whole minutes, kept inside the data's span
      var d = Math.round((t - xToT(brush.x0)) / 60000) * 60000;
      d = Math.min(Math.max(d, Math.min(0, span[0] - f[0])), Math.max(0, span[1] - f[1]));
      brush.last = [f[0] + d, f[1] + d];
    } else brush.last = [xToT(brush.x0), t];
    setWindow(brush.last[0], brush.last[1], true);
  });
  function endBrush() {
    if (brush && brush.moved) setWindow(brush.last[0], brush.last[1], false);
    brush = null;
  }
  strip.addEventListener("pointerup", endBrush);
  strip.addEventListener("pointercancel", endBrush);
  strip.addEventListener("dblclick", function () { setWindow(null); });
  document.getElementById("time-all").addEventListener("click", function () { setWindow(null); });
  // playback: the window steps forward a quarter of its width every 0.6 s until the data ends
  // (a tenth of the span when no window is chosen); press again to stop
  var playTimer = null, playBtn = document.getElementById("time-play");
  function stopPlay() {
    clearInterval(playTimer); playTimer = null;
    playBtn.textContent = "\u25b6 play"; playBtn.setAttribute("aria-pressed", "false");
  }
  playBtn.addEventListener("click", function () {
    if (!span) return;
    if (playTimer) { stopPlay(); return; }
    var dur = span[1] - span[0];
    if (!win || win[1] >= span[1]) setWindow(span[0], span[0] + dur / 10);
    playBtn.textContent = "\u25a0 stop"; playBtn.setAttribute("aria-pressed", "true");
    playTimer = setInterval(function () {
      var wd = win[1] - win[0], step = Math.max(60000, Math.round(wd / 4 / 60000) * 60000);
      if (win[1] + step > span[1]) { setWindow(span[1] - wd, span[1]); stopPlay(); return; }
      setWindow(win[0] + step, win[1] + step);
    }, 600);
  });
  strip.addEventListener("keydown", function (ev) {
    if (!span) return;
    if (ev.key === "Escape") { ev.preventDefault(); setWindow(null); return; }
    if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
    ev.preventDefault();
    var dur = span[1] - span[0], cur = win || [span[0], span[0] + dur / 10], wd = cur[1] - cur[0];
    var step = Math.max(60000, Math.round(wd / 4 / 60000) * 60000); // whole minutes: no creep
    var shift = (ev.key === "ArrowLeft" ? -1 : 1) * (win ? step : 0);
    var a = Math.min(Math.max(span[0], cur[0] + shift), span[1] - wd);
    setWindow(a, a + wd);
  });
  window.addEventListener("resize", function () { drawStripBase(); drawStrip(); });

  // ---- the whole view in the URL: a copied link reopens the same vessel, event, time window,
  // filter and map view (the hash, so it works for report.html opened from a file too) ------------
  var urlExtra = {}, urlTimer = null, urlReady = false;
  function isoMin(ms) { return new Date(ms).toISOString().slice(0, 16) + "Z"; }
  function writeUrl() {
    if (!urlReady || !history.replaceState) return;
    clearTimeout(urlTimer);
    urlTimer = setTimeout(function () {
      var p = new URLSearchParams(), h = canvas.height / dpr;
      if (selected) p.set("vessel", String(selected.mmsi));
      if (activeEvent) p.set("event", activeEvent.id);
      if (win) p.set("window", isoMin(win[0]) + "," + isoMin(win[1]));
      if (filterText) p.set("filter", filterText);
      if (area) p.set("area", area.map(function (x) { return x.toFixed(4); }).join(","));
      Object.keys(urlExtra).forEach(function (k) { if (urlExtra[k] !== null && urlExtra[k] !== "") p.set(k, urlExtra[k]); });
      p.set("map", [realLon(view.cx / kx).toFixed(4), (-view.cy).toFixed(4), (h / view.scale).toPrecision(4)].join(","));
      var hash = "#" + p.toString();
      if (location.hash !== hash) history.replaceState(null, "", hash);
      document.body.dataset.url = hash;
    }, 120);
  }
  function readUrl() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ""));
    var f = p.get("filter");
    if (f) { filterText = f.toLowerCase(); document.getElementById("filter").value = f; }
    p.forEach(function (v, k) { if (["vessel", "event", "window", "filter", "map", "area"].indexOf(k) < 0) urlExtra[k] = v; });
    var ar = (p.get("area") || "").split(",").map(Number);
    if (ar.length === 4 && ar.every(isFinite) && ar[1] > ar[0] && ar[3] > ar[2]) {
      area = ar; document.getElementById("area-clear").hidden = false; canvas.dataset.area = p.get("area");
    }
    if (hook("urlState")) hook("urlState")(urlExtra);
    var w = (p.get("window") || "").split(",");
    if (w.length === 2) {
      var a = Date.parse(w[0]), b = Date.parse(w[1]);
      if (isFinite(a) && isFinite(b) && b > a) win = [a, b];
    }
    var v = byMmsi[p.get("vessel")];
    if (v) select(v, false);
    var e = eventById[p.get("event")];
    if (e) focusEvent(e);
    var m = (p.get("map") || "").split(",").map(Number);
    if (m.length === 3 && m.every(isFinite) && m[2] > 0) {
      var lon = m[0];
      while (lon < bbox[2] - 180) lon += 360; // back into the map's longitude frame
      while (lon > bbox[3] + 180) lon -= 360;
      view.cx = lon * kx; view.cy = -m[1]; view.scale = (canvas.height / dpr) / m[2];
    }
    return !!(v || e || win);
  }

  // ---- start --------------------------------------------------------------------------------
  resize();
  fit(bbox[0], bbox[1], bbox[2], bbox[3]);
  readUrl();
  urlReady = true;
  renderTable();
  draw();
  drawStripBase(); drawStrip(); windowText();
  var ctxBox = document.getElementById("show-context");
  if (ctxBox) {
    ctxBox.checked = showCtx;
    ctxBox.disabled = vessels.length === nFlagged;
    ctxBox.addEventListener("change", function () {
      showCtx = ctxBox.checked; shownKey = null;
      renderTable(); drawStripBase(); drawStrip(); windowText(); redraw();
    });
  }
  if (!nFlagged) {
    var p = el("p", vessels.length ?
      "No vessel was flagged: no event reached the score threshold (" + THRESHOLD + "). The " +
      vessels.length + " vessels with events below it are listed as context (untick \u201cshow context\u201d to hide them)." :
      "No vessel was flagged and the detectors found no event in these inputs.", "no-flag");
    document.getElementById("table-panel").appendChild(p);
  }
  var api = {
    data: DATA, byMmsi: byMmsi, eventById: eventById, eventsOf: eventsOf, labels: LABELS, colors: COLORS,
    select: function (mmsi, zoomTo) { var v = byMmsi[mmsi]; if (v) select(v, zoomTo !== false); return !!v; },
    selected: function () { return selected; },
    active: function () { return activeEvent ? activeEvent.id : null; },
    focusEvent: function (id) { var e = eventById[id]; if (e) focusEvent(e); return !!e; },
    rerender: function () { renderTable(); drawStripBase(); drawStrip(); windowText(); if (selected) { renderEvents(selected); drawTimeline(selected); } redraw(); },
    redraw: redraw,
    setEventFilter: function (fn) { extFilter = fn; api.rerender(); },
    setVesselFilter: function (fn) { vesselFilter = fn; shownKey = null; api.rerender(); },
    evIn: evIn,
    urlGet: function (k) { return urlExtra[k]; },
    urlSet: function (k, v) { if (v === null || v === undefined || v === "") delete urlExtra[k]; else urlExtra[k] = String(v); writeUrl(); },
    window: function () { return win ? win.slice() : null; },
    view: function () { return { cx: view.cx / kx, cy: -view.cy, scale: view.scale, kx: kx, w: canvas.width / dpr, h: canvas.height / dpr }; },
    // a vessel that is not among the listed ones (found by search): its row, and its events
    addVessel: function (v, evs) {
      if (byMmsi[v.mmsi]) return byMmsi[v.mmsi];
      v.track = [0, 0]; v.reasons = v.reasons || []; v.counts = v.counts || {}; v.rank = vessels.length + 1;
      TYPES.forEach(function (t) { v["n_" + t] = (v.counts && v.counts[t]) || 0; });
      v.why = v.reasons.length ? v.reasons[0][0] : "";
      vessels.push(v); byMmsi[v.mmsi] = v;
      (evs || []).forEach(function (e) {
        if (eventById[e.id]) return;
        e.ctx = e.score < THRESHOLD; e.idx = DATA.events.length;
        DATA.events.push(e); eventById[e.id] = e;
        [e.mmsi, e.other].forEach(function (m) { if (m !== null && m !== undefined) (eventsOf[m] = eventsOf[m] || []).push(e); });
      });
      shownKey = null; renderTable();
      return v;
    },
    el: el, iso: iso, posText: posText, evidenceTable: evidenceTable
  };
  window.VesselsUI = api;
  if (hook("ready")) hook("ready")(api);
  document.body.dataset.ready = "1";
  }
  var block = document.getElementById("vessels-data");
  if (block) start(JSON.parse(block.textContent));
  else {
    fetch("api/overview", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("overview: HTTP " + r.status); return r.json(); })
      .then(start)
      .catch(function (err) {
        var p = document.createElement("p");
        p.className = "load-error";
        p.textContent = "Could not load the map data: " + err.message;
        document.body.insertBefore(p, document.body.firstChild);
      });
  }
})();
