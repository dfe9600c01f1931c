/* vessels serve: the live parts around the shared map UI (report.js) — search over every vessel,
   filters, reviews with optimistic locking, the selected vessel's track from the server at the
   map's zoom, track downloads, the dossier and live alerts. No HTML parsing anywhere: every text
   from the data (AIS names are attacker-controlled) goes through textContent. */
"use strict";
(function () {
  var STATUSES = ["new", "reviewing", "confirmed", "dismissed", "escalated"];
  var UI = null, META = null;
  var reviews = {}; // event_id -> review {status, note, reviewer, version, updated_at}
  var vreviews = {}; // mmsi -> vessel review
  var detected = {}; // event_id -> false when a re-run no longer finds it
  var filters = { types: null, score: null, context: false, status: null, flag: "", klass: "" };
  var track = null; // {mmsi, zoom, pieces} from /api/vessels/{mmsi}/track
  var trackTimer = null;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)vessels_csrf=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
        return body;
      });
    });
  }
  function putJSON(url, body) {
    return fetch(url, {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b }; }); });
  }
  function reviewer() { return document.getElementById("reviewer").value.trim(); }

  // ---- toolbar: search, filters, reviewer, exports, alerts ------------------------------------
  function toolbar() {
    var bar = el("section", null, "no-print");
    bar.id = "serve-bar";
    bar.setAttribute("aria-label", "search, filters and review");
    var s = el("div", null, "group");
    var lab = el("label", "Find a vessel ");
    var q = el("input"); q.id = "search"; q.type = "search"; q.placeholder = "MMSI, IMO, name, callsign";
    q.autocomplete = "off";
    lab.appendChild(q); s.appendChild(lab);
    var res = el("ul"); res.id = "search-results"; res.hidden = true; s.appendChild(res);
    bar.appendChild(s);

    var f = el("div", null, "group");
    f.appendChild(el("span", "Events: ", "muted"));
    (META.types || []).forEach(function (t) {
      var l = el("label", null, "chip"), c = el("input");
      c.type = "checkbox"; c.checked = true; c.id = "f-type-" + t; c.dataset.type = t;
      c.addEventListener("change", changed);
      l.appendChild(c); l.appendChild(document.createTextNode(" " + (UI ? UI.labels[t] : t)));
      f.appendChild(l);
    });
    var sl = el("label", " min score "), sc = el("input");
    sc.id = "f-score"; sc.type = "number"; sc.min = "0"; sc.max = "1"; sc.step = "0.05"; sc.placeholder = String(META.threshold);
    sc.addEventListener("change", changed); sl.appendChild(sc); f.appendChild(sl);
    var cl = el("label", null, "chip"), cc = el("input");
    cc.id = "f-context"; cc.type = "checkbox"; cc.addEventListener("change", changed);
    cl.appendChild(cc); cl.appendChild(document.createTextNode(" show events below the threshold (" + META.threshold + ")"));
    f.appendChild(cl);
    var stl = el("label", " review "), st = el("select");
    st.id = "f-status";
    [["", "any"]].concat(STATUSES.map(function (x) { return [x, x]; })).forEach(function (o) {
      var op = el("option", o[1]); op.value = o[0]; st.appendChild(op);
    });
    st.addEventListener("change", changed); stl.appendChild(st); f.appendChild(stl);
    var vsl = el("label", " vessel review "), vs = el("select");
    vs.id = "f-vstatus";
    [["", "any"]].concat(STATUSES.map(function (x) { return [x, x]; })).forEach(function (o) {
      var op = el("option", o[1]); op.value = o[0]; vs.appendChild(op);
    });
    vs.addEventListener("change", changed); vsl.appendChild(vs); f.appendChild(vsl);
    var fl = el("label", " flag "), fi = el("input");
    fi.id = "f-flag"; fi.size = 8; fi.placeholder = "e.g. ES"; fi.addEventListener("change", changed);
    fl.appendChild(fi); f.appendChild(fl);
    var kl = el("label", " class "), ki = el("input");
    ki.id = "f-class"; ki.size = 10; ki.placeholder = "e.g. Fishing"; ki.addEventListener("change", changed);
    kl.appendChild(ki); f.appendChild(kl);
    bar.appendChild(f);

    var r = el("div", null, "group");
    var rl = el("label", "Reviewer "), ri = el("input");
    ri.id = "reviewer"; ri.size = 12; ri.placeholder = "your name";
    try { ri.value = localStorage.getItem("vessels.reviewer") || ""; } catch (err) { /* storage off */ }
    ri.addEventListener("change", function () {
      try { localStorage.setItem("vessels.reviewer", ri.value.trim()); } catch (err) { /* storage off */ }
    });
    rl.appendChild(ri); r.appendChild(rl);
    r.appendChild(el("span", " Export reviewed cases: ", "muted"));
    [["csv", "CSV"], ["geojson", "GeoJSON"]].forEach(function (x) {
      var a = el("a", x[1]); a.href = "api/reviews/export?format=" + x[0]; a.download = "reviews." + x[0];
      r.appendChild(a); r.appendChild(document.createTextNode(" "));
    });
    var al = el("button", "live alerts: 0"); al.type = "button"; al.id = "alerts-button";
    al.disabled = !META.live;
    if (!META.live) al.title = "start with the watch store (vessels serve DIR alerts.db) for live alerts";
    r.appendChild(al);
    bar.appendChild(r);
    var panel = el("ol"); panel.id = "alerts"; panel.hidden = true; bar.appendChild(panel);
    al.addEventListener("click", function () { panel.hidden = !panel.hidden; });

    var header = document.querySelector("header");
    header.parentNode.insertBefore(bar, header.nextSibling);
    var timer = null;
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { search(q.value.trim()); }, 200);
    });
    q.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); clearTimeout(timer); search(q.value.trim(), true); }
    });
  }

  function search(text, pickFirst) {
    var res = document.getElementById("search-results");
    res.textContent = "";
    if (!text) { res.hidden = true; return; }
    getJSON("api/vessels?limit=20&q=" + encodeURIComponent(text)).then(function (body) {
      res.textContent = "";
      res.hidden = false;
      if (!body.vessels.length) { res.appendChild(el("li", "no vessel matches", "muted")); return; }
      body.vessels.forEach(function (v) {
        var li = el("li"), b = el("button", null, "link");
        b.type = "button"; b.dataset.mmsi = v.mmsi;
        b.textContent = (v.name || "(no name)") + " · MMSI " + v.mmsi + (v.imo ? " · IMO " + v.imo : "") +
          (v.callsign ? " · " + v.callsign : "") + " · risk " + v.risk_score.toFixed(2);
        b.addEventListener("click", function () { open(v.mmsi); res.hidden = true; });
        li.appendChild(b); res.appendChild(li);
      });
      if (pickFirst && body.vessels.length) { open(body.vessels[0].mmsi); res.hidden = true; }
    }).catch(function (err) { res.hidden = false; res.textContent = ""; res.appendChild(el("li", err.message, "error")); });
  }

  // a vessel by MMSI: selected in the shared UI; one that is not listed is fetched and added
  function open(mmsi) {
    if (UI.select(mmsi, true)) { showDetail(); return; }
    getJSON("api/vessels/" + mmsi).then(function (d) {
      var v = {
        mmsi: d.mmsi, name: d.name, callsign: d.callsign, imo: d.imo, flag: d.flag, ship_type: d.ship_type,
        score: d.risk_score, counts: d.counts, reasons: [], history: d.history, same_imo: d.same_imo, _loaded: true
      };
      UI.addVessel(v, d.events.map(fromApi));
      UI.select(mmsi, false);
      showDetail();
    });
  }
  function showDetail() {
    var d = document.getElementById("detail"), r = d.getBoundingClientRect();
    // bring the detail into view only when its top is off screen (no jump when it is in view)
    if (d.scrollIntoView && (r.top < 0 || r.top > window.innerHeight - 80)) d.scrollIntoView({ block: "start" });
  }
  function fromApi(e) {
    reviews[e.event_id] = e.review;
    detected[e.event_id] = e.detected;
    return { id: e.event_id, type: e.type, mmsi: e.mmsi, other: e.other_mmsi, start: e.start, end: e.end,
             lat: e.lat, lon: e.lon, score: e.score, reasons: e.reasons, evidence: e.evidence };
  }

  // ---- filters: one predicate for the map, the strip, the table and the detail ---------------
  function readFilters() {
    var types = [];
    Array.prototype.forEach.call(document.querySelectorAll("#serve-bar input[data-type]"), function (c) {
      if (c.checked) types.push(c.dataset.type);
    });
    filters.types = types.length === (META.types || []).length ? null : types;
    var sc = document.getElementById("f-score").value;
    filters.score = sc === "" ? null : Math.max(0, Math.min(1, +sc));
    filters.context = document.getElementById("f-context").checked;
    filters.status = document.getElementById("f-status").value || null;
    filters.vstatus = document.getElementById("f-vstatus").value || null;
    filters.flag = document.getElementById("f-flag").value.trim().toLowerCase();
    filters.klass = document.getElementById("f-class").value.trim().toLowerCase();
  }
  function predicate(e) {
    if (filters.types && filters.types.indexOf(e.type) < 0) return false;
    var min = filters.score !== null ? filters.score : (filters.context ? 0 : META.threshold);
    if (e.score < min) return false;
    if (filters.status && ((reviews[e.id] || {}).status || "new") !== filters.status) return false;
    if (filters.flag || filters.klass) {
      var v = UI.byMmsi[e.mmsi] || UI.byMmsi[e.other] || {};
      if (filters.flag && (v.flag || "").toLowerCase().indexOf(filters.flag) !== 0 &&
          (v.flag || "").toLowerCase().indexOf(" " + filters.flag) < 0) return false;
      if (filters.klass && (v.ship_type || "").toLowerCase().indexOf(filters.klass) < 0) return false;
    }
    return true;
  }
  function changed() {
    readFilters();
    UI.urlSet("types", filters.types ? filters.types.join(",") : "");
    UI.urlSet("min", filters.score === null ? "" : filters.score);
    UI.urlSet("context", filters.context ? "1" : "");
    UI.urlSet("status", filters.status || "");
    UI.urlSet("vstatus", filters.vstatus || "");
    UI.urlSet("flag", filters.flag);
    UI.urlSet("class", filters.klass);
    UI.setVesselFilter(filters.vstatus ? function (v) {
      return ((vreviews[v.mmsi] || {}).status || "new") === filters.vstatus;
    } : null);
    UI.setEventFilter(predicate);
    var n = 0;
    UI.data.events.forEach(function (e) { if (predicate(e)) n++; });
    document.getElementById("serve-bar").dataset.events = String(n);
  }
  function applyUrl(extra) {
    if (extra.types) {
      var want = extra.types.split(",");
      Array.prototype.forEach.call(document.querySelectorAll("#serve-bar input[data-type]"), function (c) {
        c.checked = want.indexOf(c.dataset.type) >= 0;
      });
    }
    if (extra.min) document.getElementById("f-score").value = extra.min;
    document.getElementById("f-context").checked = extra.context === "1";
    if (extra.status) document.getElementById("f-status").value = extra.status;
    if (extra.vstatus) document.getElementById("f-vstatus").value = extra.vstatus;
    if (extra.flag) document.getElementById("f-flag").value = extra.flag;
    if (extra["class"]) document.getElementById("f-class").value = extra["class"];
    readFilters();
  }

  // ---- reviews --------------------------------------------------------------------------------
  function reviewForm(kind, key, current, onSaved) {
    var box = el("div", null, "review no-print");
    box.dataset.kind = kind; box.dataset.key = key;
    var st = el("select"); st.className = "review-status";
    STATUSES.forEach(function (x) { var o = el("option", x); o.value = x; st.appendChild(o); });
    var note = el("textarea"); note.className = "review-note"; note.rows = 1; note.maxLength = 4000;
    note.placeholder = "note";
    var save = el("button", "save review"); save.type = "button"; save.className = "review-save";
    var info = el("span", null, "review-info"), msg = el("p", null, "review-msg");
    msg.setAttribute("role", "status");
    var state = { version: 0 };
    function show(r) {
      state.version = r.version || 0;
      st.value = r.status || "new"; note.value = r.note || "";
      box.dataset.version = String(state.version); box.dataset.status = st.value;
      info.textContent = r.version ? " " + r.status + " by " + r.reviewer + ", " + (r.updated_at || "") + " (v" + r.version + ")" : " not reviewed";
    }
    show(current || {});
    save.addEventListener("click", function (ev) {
      ev.stopPropagation();
      var who = reviewer();
      if (!who) { msg.textContent = "Enter your name as reviewer first (top of the page)."; msg.className = "review-msg error"; document.getElementById("reviewer").focus(); return; }
      save.disabled = true;
      var url = kind === "event" ? "api/events/" + encodeURIComponent(key) + "/review" : "api/vessels/" + key + "/review";
      putJSON(url, { status: st.value, note: note.value, reviewer: who, version: state.version }).then(function (r) {
        save.disabled = false;
        if (r.status === 200) {
          show(r.body); msg.textContent = "Saved (version " + r.body.version + ")."; msg.className = "review-msg ok";
          if (onSaved) onSaved(r.body);
        } else if (r.status === 409) {
          var c = r.body.current;
          msg.textContent = "Not saved: " + (c.reviewer || "someone") + " changed this review at " + c.updated_at +
            " to \u201c" + c.status + "\u201d" + (c.note ? " with the note \u201c" + c.note + "\u201d" : "") +
            ". The form now shows their version; change it and save again if you disagree.";
          msg.className = "review-msg conflict";
          show(c);
          if (onSaved) onSaved(c);
        } else {
          msg.textContent = "Not saved: " + (r.body.error || ("HTTP " + r.status)); msg.className = "review-msg error";
        }
      }).catch(function (err) { save.disabled = false; msg.textContent = "Not saved: " + err.message; msg.className = "review-msg error"; });
    });
    [st, note].forEach(function (x) { x.addEventListener("click", function (ev) { ev.stopPropagation(); }); });
    box.appendChild(st); box.appendChild(note); box.appendChild(save); box.appendChild(info); box.appendChild(msg);
    return box;
  }

  function eventItem(li, e) {
    if (detected[e.id] === false) li.insertBefore(el("span", "no longer detected", "gone"), li.firstChild.nextSibling);
    var r = reviews[e.id];
    if (r && r.version) {
      var badge = el("span", r.status, "status status-" + r.status);
      li.insertBefore(badge, li.firstChild.nextSibling);
    }
    li.appendChild(reviewForm("event", e.id, r, function (nr) { reviews[e.id] = nr; }));
  }

  // ---- the selected vessel: profile from the API, review, downloads, track at the map's zoom ---
  function selected(v) {
    var d = document.getElementById("detail");
    var old = document.getElementById("serve-vessel");
    if (old) old.parentNode.removeChild(old);
    var box = el("div"); box.id = "serve-vessel";
    var links = el("p", null, "downloads no-print");
    links.appendChild(el("span", "Track: ", "muted"));
    ["csv", "geojson", "kml"].forEach(function (fmt) {
      var a = el("a", fmt.toUpperCase()); a.href = "api/vessels/" + v.mmsi + "/track?format=" + fmt;
      a.download = "track-" + v.mmsi + "." + fmt; links.appendChild(a); links.appendChild(document.createTextNode(" "));
    });
    var dos = el("a", "dossier (one HTML file, prints on A4)"); dos.href = "api/vessels/" + v.mmsi + "/dossier";
    dos.id = "dossier-link"; dos.download = "dossier-" + v.mmsi + ".html";
    links.appendChild(document.createTextNode(" · ")); links.appendChild(dos);
    box.appendChild(links);
    box.appendChild(el("h3", "Vessel review"));
    var holder = el("div"); box.appendChild(holder);
    var ident = document.getElementById("detail-identity");
    ident.parentNode.insertBefore(box, ident.nextSibling);
    getJSON("api/vessels/" + v.mmsi).then(function (p) {
      vreviews[v.mmsi] = p.review;
      if (p.port_calls && p.port_calls.length) {
        box.appendChild(el("h3", "Port calls"));
        var pt = el("table"); pt.id = "port-calls";
        var hr = el("tr");
        ["port", "arrived (UTC)", "left (UTC)", "hours"].forEach(function (x) { hr.appendChild(el("th", x)); });
        var ph = el("thead"); ph.appendChild(hr); pt.appendChild(ph);
        var pb = el("tbody");
        p.port_calls.forEach(function (c) {
          var tr = el("tr");
          tr.appendChild(el("td", (c.port || "?") + (c.port_code ? " (" + c.port_code + ")" : "")));
          tr.appendChild(el("td", UI.iso(c.start))); tr.appendChild(el("td", UI.iso(c.end)));
          tr.appendChild(el("td", c.duration_h === null ? "" : c.duration_h.toFixed(1), "num"));
          pb.appendChild(tr);
        });
        pt.appendChild(pb); box.appendChild(pt);
      }
      var dims = p.history.filter(function (h) { return h.length_m || h.beam_m; });
      if (dims.length) { // the latest reported size, and whether it ever changed
        var last = dims[dims.length - 1], sizes = {};
        dims.forEach(function (h) { sizes[h.length_m + "x" + h.beam_m] = 1; });
        var dp = el("p", "Size (static reports): " + (last.length_m || "?") + " m × " + (last.beam_m || "?") + " m" +
          (Object.keys(sizes).length > 1 ? " — changed " + (Object.keys(sizes).length - 1) + " time(s) in its reports" : ""), "dims");
        links.parentNode.insertBefore(dp, links);
      }
      holder.appendChild(reviewForm("vessel", String(v.mmsi), p.review, function (nr) { vreviews[v.mmsi] = nr; }));
      p.events.forEach(function (e) { reviews[e.event_id] = e.review; detected[e.event_id] = e.detected; });
      if (!v._loaded) { // identity history and same-IMO vessels come from the API
        v._loaded = true; v.history = p.history; v.same_imo = p.same_imo;
        if (UI.selected() === v) { var aid = UI.active(); UI.select(v.mmsi, false); if (aid) UI.focusEvent(aid); }
      }
    }).catch(function (err) { holder.appendChild(el("p", err.message, "error")); });
    d.dataset.loaded = "1";
    loadTrack(v.mmsi);
  }

  function zoomLevel() {
    var vw = UI.view();
    return Math.max(0, Math.min(22, Math.round(Math.log2(vw.scale * vw.kx * 360 / 256))));
  }
  function loadTrack(mmsi) {
    if (!META.tracks) return;
    var z = zoomLevel();
    if (track && track.mmsi === mmsi && track.zoom === z) return;
    getJSON("api/vessels/" + mmsi + "/track?zoom=" + z).then(function (t) {
      var sel = UI.selected();
      if (!sel || sel.mmsi !== mmsi) return;
      track = { mmsi: mmsi, zoom: z, pieces: t.pieces, points: t.points };
      document.getElementById("map").dataset.serverTrack = mmsi + ":" + z + ":" + t.points;
      UI.redraw();
    });
  }
  function drawOverlay(ctx, px) {
    var sel = UI.selected();
    if (!sel) { track = null; return; }
    if (!track || track.mmsi !== sel.mmsi || track.zoom !== zoomLevel()) {
      clearTimeout(trackTimer);
      trackTimer = setTimeout(function () { loadTrack(sel.mmsi); }, 250);
    }
    if (!track || track.mmsi !== sel.mmsi) return;
    var win = UI.window(), b = UI.data.bbox, mid = (b[2] + b[3]) / 2;
    ctx.save();
    ctx.strokeStyle = "#111"; ctx.lineWidth = 2.2; // the same line as the overview's, in detail
    track.pieces.forEach(function (p) { // one line per piece: never across a silence
      ctx.beginPath();
      var started = false;
      for (var i = 0; i < p.t.length; i++) {
        if (win && (p.t[i] < win[0] || p.t[i] > win[1])) { started = false; continue; }
        var lon = p.lon[i];
        while (lon < mid - 180) lon += 360; // the map's longitude frame
        while (lon > mid + 180) lon -= 360;
        var q = px(lon, p.lat[i]);
        if (!started) { ctx.moveTo(q[0], q[1]); started = true; } else ctx.lineTo(q[0], q[1]);
      }
      ctx.stroke();
    });
    ctx.restore();
  }

  // ---- every event in view: the same time window, area and filters as the map and the table ----
  var eventsPending = false;
  function eventsPanel() {
    var sec = el("section"); sec.id = "events-panel"; sec.setAttribute("aria-label", "events in view");
    sec.appendChild(el("h2", "Events in view"));
    var count = el("p", null, "muted"); count.id = "events-count"; sec.appendChild(count);
    var t = el("table"); t.id = "events-table";
    var hr = el("tr");
    ["type", "vessel", "start (UTC)", "hours", "score", "review", ""].forEach(function (h) { hr.appendChild(el("th", h)); });
    var th = el("thead"); th.appendChild(hr); t.appendChild(th); t.appendChild(el("tbody"));
    sec.appendChild(t);
    var tp = document.getElementById("table-panel");
    tp.parentNode.insertBefore(sec, tp.nextSibling);
  }
  function renderEventsPanel(evIn) {
    if (eventsPending || !document.getElementById("events-panel")) return;
    eventsPending = true;
    requestAnimationFrame(function () {
      eventsPending = false;
      var shown = UI.data.events.filter(function (e) { return evIn(e); })
        .sort(function (a, b) { return b.score - a.score || a.start - b.start; });
      var tb = document.querySelector("#events-table tbody"), frag = document.createDocumentFragment();
      shown.slice(0, 300).forEach(function (e) {
        var tr = el("tr"); tr.dataset.eventId = e.id; tr.tabIndex = 0;
        var tag = el("span", UI.labels[e.type] || e.type, "tag"); tag.style.background = UI.colors[e.type] || "#555";
        var td0 = el("td"); td0.appendChild(tag); tr.appendChild(td0);
        var v = UI.byMmsi[e.mmsi];
        tr.appendChild(el("td", e.mmsi === null ? "(no AIS)" : ((v && v.name ? v.name + " · " : "") + e.mmsi) + (e.other ? " & " + e.other : "")));
        tr.appendChild(el("td", UI.iso(e.start)));
        tr.appendChild(el("td", ((e.end - e.start) / 3600000).toFixed(1), "num"));
        tr.appendChild(el("td", e.score.toFixed(2), "num"));
        tr.appendChild(el("td", (reviews[e.id] || {}).status || "new"));
        tr.appendChild(el("td", detected[e.id] === false ? "no longer detected" : (e.ctx ? "context" : "")));
        var go = function () {
          if (e.mmsi !== null && e.mmsi !== undefined) open(e.mmsi);
          else if (e.other !== null && e.other !== undefined) open(e.other);
          setTimeout(function () { UI.focusEvent(e.id); }, 0);
        };
        tr.addEventListener("click", go);
        tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); go(); } });
        frag.appendChild(tr);
      });
      tb.textContent = ""; tb.appendChild(frag);
      var c = document.getElementById("events-count");
      c.textContent = shown.length + " events" + (shown.length > 300 ? " (the 300 highest scores listed)" : "") +
        " in the time window, area and filters; click one to open its vessel.";
      c.dataset.shown = String(shown.length);
    });
  }

  // ---- live alerts ----------------------------------------------------------------------------
  function startAlerts() {
    if (!META.live || !window.EventSource) return;
    var n = 0, button = document.getElementById("alerts-button"), list = document.getElementById("alerts");
    var es = new EventSource("api/alerts/stream");
    es.addEventListener("alert", function (m) {
      var a = JSON.parse(m.data);
      n++;
      button.textContent = "live alerts: " + n;
      button.dataset.count = String(n);
      var li = el("li");
      li.dataset.alertId = a.alert_id;
      (a.badges || []).forEach(function (bd) { li.appendChild(el("span", bd === "watchlist" ? "watchlist" : "area", "badge badge-" + bd)); });
      var label = (UI.labels[a.type] || a.type) + " · " + a.state + " · MMSI " + a.mmsi +
        (a.lists && a.lists.length ? " · list " + a.lists.join(", ") : "") +
        (a.areas && a.areas.length ? " · area " + a.areas.join(", ") : "") +
        " · " + UI.iso(a.start) + (a.score !== null && a.score !== undefined ? " · score " + a.score.toFixed(2) : "");
      var b = el("button", label, "link"); b.type = "button";
      b.addEventListener("click", function () { if (a.mmsi) open(a.mmsi); });
      li.appendChild(b);
      if (a.reasons && a.reasons.length) li.appendChild(el("div", a.reasons[0], "muted"));
      list.insertBefore(li, list.firstChild);
      while (list.childNodes.length > 200) list.removeChild(list.lastChild);
    });
  }

  window.VesselsHooks = {
    ready: function (api) {
      UI = api;
      getJSON("api/meta").then(function (meta) {
        META = meta;
        document.getElementById("title").textContent = meta.title + " · review desk";
        toolbar();
        eventsPanel();
        applyUrl(window.VesselsHooksUrl || {});
        return Promise.all([
          getJSON("api/events?limit=10000&evidence=0&status=reviewing,confirmed,dismissed,escalated"),
          getJSON("api/vessels?limit=5000&status=reviewing,confirmed,dismissed,escalated")
        ]);
      }).then(function (both) {
        both[0].events.forEach(function (e) { reviews[e.event_id] = e.review; detected[e.event_id] = e.detected; });
        both[1].vessels.forEach(function (v) { vreviews[v.mmsi] = v.review; });
        UI.setEventFilter(predicate);
        changed();
        var sel = UI.selected();
        if (sel) { var aid = UI.active(); UI.select(sel.mmsi, false); if (aid) UI.focusEvent(aid); }
        startAlerts();
        document.body.dataset.serveReady = "1";
      }).catch(function (err) {
        var p = el("p", "Could not load: " + err.message, "load-error");
        document.body.insertBefore(p, document.body.firstChild);
      });
    },
    urlState: function (extra) { window.VesselsHooksUrl = extra; },
    eventItem: function (li, e) { if (META) eventItem(li, e); },
    selected: function (v) { if (META) selected(v); },
    drawOverlay: function (ctx, px) { if (META) drawOverlay(ctx, px); },
    tableRendered: function (evIn) { if (META) renderEventsPanel(evIn); }
  };
})();
