// app.js brings the explorer's page to life. Plain JavaScript: no library, no
// build step, and no request beyond the page's own origin.
//
//  1. Live training: when the page shows a run, the loss canvas names an event
//     stream (data-events). Its step events feed the loss curves, its epoch
//     events the table of epochs and the plots, its state events the state
//     badge and the control buttons. The server replays its history to every
//     new viewer, so old and duplicate events are expected and harmless.
//  2. Neighbours: a click on the latent map, or on a neighbour, loads the
//     neighbours panel as an HTML fragment into the neighbours section.
//  3. Replay: the latent map card draws a snapshot's map on a canvas, moved
//     by the step slider, by clicks on the curves and by new snapshot events;
//     clicks on it pick a point (neighbour comparison, interpolation) or
//     decode empty space. Its view lives in the page's URL and export links.
//  4. Once the listeners are attached, body gets data-ready="1"; the canvas
//     counts the points it holds in data-points.
"use strict";

(function () {
  // The two panels of the loss chart: the objective the optimiser sees, whose
  // terms are of order one, and the per-image ELBO terms in nats, which are
  // about a hundred times larger.
  const PANELS = [
    {
      title: "Objective per batch",
      terms: [
        { key: "total", label: "total", color: "#1d4ed8" },
        { key: "triplet", label: "triplet", color: "#c2410c" },
        { key: "norm", label: "norm", color: "#6b7280" },
      ],
    },
    {
      title: "ELBO terms (nats per image)",
      terms: [
        { key: "bce", label: "BCE", color: "#047857" },
        { key: "kl", label: "KL", color: "#7c3aed" },
      ],
    },
  ];

  // The latent quality measured at each snapshot, all shares in [0, 1].
  const QUALITY_PANELS = [
    {
      title: "Latent quality at each snapshot",
      terms: [
        { key: "triplet_accuracy", label: "triplet acc.", color: "#1d4ed8" },
        { key: "knn_accuracy", label: "5-NN acc.", color: "#047857" },
        { key: "margin_violations", label: "margin violated", color: "#c2410c" },
      ],
    },
  ];

  const AXIS = "#9ca3af";
  const GRID = "#e5e7eb";
  const TEXT = "#374151";
  const FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";

  function byTestId(id, root) {
    return (root || document).querySelector('[data-testid="' + id + '"]');
  }

  // sameOrigin resolves url against the page and returns it as a URL object,
  // or null when it points elsewhere: the page only talks to its own server.
  function sameOrigin(url) {
    let u;
    try {
      u = new URL(url, window.location.href);
    } catch (_) {
      return null;
    }
    return u.origin === window.location.origin ? u : null;
  }

  function parse(ev) {
    try {
      const v = JSON.parse(ev.data);
      return v && typeof v === "object" ? v : null;
    } catch (_) {
      return null;
    }
  }

  function isNum(x) {
    return typeof x === "number" && Number.isFinite(x);
  }

  // The formats of the server's tables: percentages and nats with two decimals, losses with four.
  function percent(x) {
    return isNum(x) ? (100 * x).toFixed(2) + "%" : "–";
  }

  function fixed2(x) {
    return isNum(x) ? x.toFixed(2) : "–";
  }

  function fixed4(x) {
    return isNum(x) ? x.toFixed(4) : "–";
  }

  function progressText(epoch, epochs) {
    return epoch + "/" + epochs + " epochs";
  }

  // niceStep is a round tick spacing (1, 2 or 5 times a power of ten) giving
  // about count intervals over span.
  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  }

  function formatTick(v, step) {
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1e5 || a < 1e-4) return v.toExponential(1);
    const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
    return v.toFixed(decimals);
  }

  function formatValue(v) {
    if (!isNum(v)) return "–";
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
    return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toFixed(4);
  }

  // LossChart draws the step events of one run: two stacked panels sharing the
  // epoch axis, each autoscaled, with a legend of the latest values. Redraws
  // are batched into animation frames; while the run trains, a pulsing dot
  // marks the newest point of each panel.
  class LossChart {
    // panels lists the chart's panels (PANELS for the loss); onPick, if
    // given, receives the epoch position of a click on the chart.
    constructor(canvas, panels, waiting, onPick) {
      this.canvas = canvas;
      this.panels = panels;
      this.waiting = waiting;
      this.xScale = null; // how the last frame mapped epochs to pixels
      if (onPick) {
        canvas.addEventListener("click", (e) => {
          const m = this.xScale;
          if (!m || e.offsetX < m.x || e.offsetX > m.x + m.w) return;
          onPick(m.xMin + ((e.offsetX - m.x) / m.w) * (m.xMax - m.xMin));
        });
      }
      this.ctx = canvas.getContext("2d");
      this.points = []; // {x, terms}, sorted by x
      this.seen = new Set(); // "epoch:step" of the points already held
      this.epochs = 0;
      this.frame = 0; // pending requestAnimationFrame, if any
      this.live = false;
      this.timer = 0; // pending tick of the animation, if any
      this.pulse = 0; // phase of the live dot
      if (window.ResizeObserver) {
        new ResizeObserver(() => this.schedule()).observe(canvas);
      } else {
        window.addEventListener("resize", () => this.schedule());
      }
      this.schedule();
    }

    // add keeps one step event; it tells whether the point was new.
    add(ev) {
      if (!isNum(ev.x) || !ev.terms) return false;
      const key = ev.epoch + ":" + ev.step;
      if (this.seen.has(key)) return false;
      this.seen.add(key);
      if (isNum(ev.epochs) && ev.epochs > 0) this.epochs = ev.epochs;
      const p = { x: ev.x, terms: ev.terms };
      const pts = this.points;
      if (pts.length === 0 || pts[pts.length - 1].x <= p.x) {
        pts.push(p);
      } else {
        // An old event after newer ones: keep the curve in order of x.
        let lo = 0;
        let hi = pts.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (pts[mid].x <= p.x) lo = mid + 1;
          else hi = mid;
        }
        pts.splice(lo, 0, p);
      }
      this.canvas.dataset.points = String(pts.length);
      this.schedule();
      return true;
    }

    // setLive starts or stops the animation of the newest point.
    setLive(live) {
      if (this.live === live) return;
      this.live = live;
      this.canvas.dataset.live = live ? "1" : "0";
      if (live) this.tick();
      else {
        clearTimeout(this.timer);
        this.timer = 0;
      }
      this.schedule();
    }

    // schedule asks for one redraw at the next animation frame; any number of
    // events before that frame cost a single redraw.
    schedule() {
      if (this.frame) return;
      this.frame = window.requestAnimationFrame(() => {
        this.frame = 0;
        this.draw();
      });
    }

    // tick pulses the newest point about ten times a second while the run
    // trains.
    tick() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = 0;
        if (!this.live) return;
        this.pulse = (performance.now() / 400) % Math.PI;
        this.schedule();
        this.tick();
      }, 100);
    }

    // size matches the canvas's backing store to its displayed size, for
    // sharp lines on high-density screens, and returns the size in CSS pixels.
    size() {
      const c = this.canvas;
      const dpr = window.devicePixelRatio || 1;
      const w = c.clientWidth || c.width;
      const h = c.clientHeight || c.height;
      const bw = Math.round(w * dpr);
      const bh = Math.round(h * dpr);
      if (c.width !== bw || c.height !== bh) {
        c.width = bw;
        c.height = bh;
      }
      this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      return { w: w, h: h };
    }

    draw() {
      const ctx = this.ctx;
      if (!ctx) return;
      const { w, h } = this.size();
      ctx.clearRect(0, 0, w, h);
      ctx.font = FONT;
      const pts = this.points;
      const lastX = pts.length ? pts[pts.length - 1].x : 0;
      // The x axis reaches the end of the current epoch, and never past the
      // run's last epoch.
      let xMax = Math.max(1, Math.ceil(lastX - 1e-9));
      if (this.epochs > 0) xMax = Math.min(xMax, this.epochs);
      if (lastX > xMax) xMax = lastX;
      const xMin = 0;

      const left = 64;
      const right = 16;
      const gap = 36;
      const top = 8;
      const bottom = 40;
      const n = this.panels.length;
      const panelH = (h - top - bottom - gap * (n - 1)) / n;
      this.panels.forEach((panel, i) => {
        const area = {
          x: left,
          y: top + i * (panelH + gap) + 22,
          w: Math.max(10, w - left - right),
          h: Math.max(10, panelH - 22),
        };
        this.xScale = { x: area.x, w: area.w, xMin: xMin, xMax: xMax };
        this.drawPanel(panel, area, xMin, xMax, i === n - 1);
      });

      if (pts.length === 0) {
        ctx.fillStyle = TEXT;
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(this.waiting, w / 2, h / 2);
      }
    }

    drawPanel(panel, area, xMin, xMax, xLabels) {
      const ctx = this.ctx;
      const pts = this.points;
      let lo = Infinity;
      let hi = -Infinity;
      for (const p of pts) {
        for (const t of panel.terms) {
          const v = p.terms[t.key];
          if (isNum(v)) {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
        }
      }
      if (lo === Infinity) {
        lo = 0;
        hi = 1;
      }
      if (hi - lo < 1e-12) {
        const pad = Math.abs(hi) * 0.1 || 1;
        lo -= pad;
        hi += pad;
      }
      const yStep = niceStep(hi - lo, 4);
      lo = Math.floor(lo / yStep) * yStep;
      hi = Math.ceil(hi / yStep) * yStep;
      const sx = (x) => area.x + ((x - xMin) / (xMax - xMin)) * area.w;
      const sy = (y) => area.y + area.h - ((y - lo) / (hi - lo)) * area.h;

      // Grid, ticks and their labels.
      ctx.lineWidth = 1;
      ctx.strokeStyle = GRID;
      ctx.fillStyle = TEXT;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      for (let v = lo; v <= hi + yStep / 2; v += yStep) {
        const y = Math.round(sy(v)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(area.x, y);
        ctx.lineTo(area.x + area.w, y);
        ctx.stroke();
        ctx.fillText(formatTick(v, yStep), area.x - 6, y);
      }
      const xStep = niceStep(xMax - xMin, Math.max(2, Math.floor(area.w / 80)));
      const xTickStep = Math.max(xStep, xMax - xMin <= 1 ? xStep : 1);
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      for (let v = xMin; v <= xMax + xTickStep / 1e6; v += xTickStep) {
        const x = Math.round(sx(v)) + 0.5;
        ctx.strokeStyle = GRID;
        ctx.beginPath();
        ctx.moveTo(x, area.y);
        ctx.lineTo(x, area.y + area.h);
        ctx.stroke();
        ctx.strokeStyle = AXIS;
        ctx.beginPath();
        ctx.moveTo(x, area.y + area.h);
        ctx.lineTo(x, area.y + area.h + 4);
        ctx.stroke();
        if (xLabels) ctx.fillText(formatTick(v, xTickStep), x, area.y + area.h + 6);
      }
      if (xLabels) ctx.fillText("epoch", area.x + area.w / 2, area.y + area.h + 22);

      // Axes.
      ctx.strokeStyle = AXIS;
      ctx.beginPath();
      ctx.moveTo(area.x + 0.5, area.y);
      ctx.lineTo(area.x + 0.5, area.y + area.h + 0.5);
      ctx.lineTo(area.x + area.w, area.y + area.h + 0.5);
      ctx.stroke();

      // One line per term, clipped to the plot area.
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.x, area.y - 2, area.w + 2, area.h + 4);
      ctx.clip();
      ctx.lineWidth = 1.5;
      ctx.lineJoin = "round";
      for (const t of panel.terms) {
        ctx.strokeStyle = t.color;
        ctx.beginPath();
        let started = false;
        for (const p of pts) {
          const v = p.terms[t.key];
          if (!isNum(v)) {
            started = false;
            continue;
          }
          if (started) ctx.lineTo(sx(p.x), sy(v));
          else ctx.moveTo(sx(p.x), sy(v));
          started = true;
        }
        ctx.stroke();
      }
      if (this.live && pts.length) {
        const p = pts[pts.length - 1];
        const v = p.terms[panel.terms[0].key];
        if (isNum(v)) {
          ctx.fillStyle = panel.terms[0].color;
          ctx.globalAlpha = 0.35;
          ctx.beginPath();
          ctx.arc(sx(p.x), sy(v), 4 + 3 * Math.abs(Math.sin(this.pulse)), 0, 2 * Math.PI);
          ctx.fill();
          ctx.globalAlpha = 1;
        }
      }
      ctx.restore();

      // Title on the left, legend with the latest values on the right.
      const last = pts.length ? pts[pts.length - 1].terms : {};
      ctx.textBaseline = "alphabetic";
      ctx.textAlign = "left";
      ctx.fillStyle = TEXT;
      ctx.font = "600 " + FONT;
      ctx.fillText(panel.title, area.x, area.y - 8);
      ctx.font = FONT;
      let x = area.x + area.w;
      ctx.textAlign = "right";
      for (let i = panel.terms.length - 1; i >= 0; i--) {
        const t = panel.terms[i];
        const text = t.label + " " + formatValue(last[t.key]);
        const tw = ctx.measureText(text).width;
        ctx.fillStyle = TEXT;
        ctx.fillText(text, x, area.y - 8);
        x -= tw + 6;
        ctx.fillStyle = t.color;
        ctx.fillRect(x - 14, area.y - 14, 14, 3);
        x -= 14 + 14;
      }
    }
  }

  // The class colours of the server's plots (plots/palette.go).
  const CLASS_COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

  // PICK_RADIUS is how near, in CSS pixels, a click must be to pick a point;
  // farther clicks decode the empty space instead.
  const PICK_RADIUS = 5;

  // ReplayMap draws the run's latent map at one snapshot on a canvas and
  // keeps the view (step, basis, points, selection, k) in the card's
  // controls, its export links and the page's URL. Maps come from map.bin
  // (see web/replay.go) and are kept per view, so replaying is instant the
  // second time. Once a frame is drawn, the canvas carries data-drawn (the
  // view drawn) and data-frame-ms (the time the drawing took).
  class ReplayMap {
    constructor(section) {
      this.section = section;
      this.base = section.dataset.base;
      const d = section.dataset;
      this.state = { step: Number(d.step), basis: Number(d.basis), points: d.points || "test", select: Number(d.select), k: Number(d.k) || 10 };
      this.canvas = byTestId("map-canvas", section);
      this.ctx = this.canvas.getContext("2d");
      this.slider = byTestId("step-slider", section);
      this.label = byTestId("step-label", section);
      this.basisSelect = byTestId("basis-select", section);
      this.pointsSelect = byTestId("points-select", section);
      this.sigma = byTestId("sigma-toggle", section);
      this.play = byTestId("play", section);
      this.steps = []; // {step, epoch, x}, in order of step
      this.maps = new Map(); // view key -> Promise of a decoded map
      this.current = null; // the map drawn
      this.previousPick = -1; // the point picked before the selection, for interpolation
      this.revealed = false; // the card's body shows (the run has a snapshot)
      this.frame = 0;
      this.timer = 0;
      this.slider.addEventListener("input", () => this.goTo(this.steps[Number(this.slider.value)], false));
      this.basisSelect.addEventListener("change", () => this.set({ basis: Number(this.basisSelect.value) }));
      // Test points come first in "all", so a selection survives that change.
      this.pointsSelect.addEventListener("change", () => {
        const all = this.pointsSelect.value === "all";
        this.set({ points: this.pointsSelect.value, select: all ? this.state.select : -1 });
      });
      this.sigma.addEventListener("change", () => this.schedule());
      this.play.addEventListener("click", () => this.togglePlay());
      this.canvas.addEventListener("click", (e) => this.onClick(e));
      section.addEventListener("click", (e) => {
        const a = e.target instanceof Element && e.target.closest("a.map-point");
        if (!a || !plainClick(e)) return;
        e.preventDefault();
        this.pick(Number(a.dataset.point));
      });
      if (window.ResizeObserver) new ResizeObserver(() => this.schedule()).observe(this.canvas);
    }

    // load reads the run's snapshots (shaped as the stream's snapshot
    // events), shows the view and returns them, for the quality curves.
    async load() {
      let snaps = [];
      try {
        const res = await fetch(this.base + "/replay", { credentials: "same-origin" });
        if (res.ok) snaps = (await res.json()).snapshots || [];
      } catch (_) {
        snaps = [];
      }
      snaps.forEach((ev) => this.addStep(ev, true));
      this.show();
      if (this.state.select >= 0) this.loadComparison();
      return snaps;
    }

    // addStep adds a snapshot to the slider; a viewer at the newest step
    // follows training to the new one.
    addStep(ev, loading) {
      if (this.steps.some((s) => s.step === ev.step)) return;
      if (!this.revealed) this.reveal(ev.step);
      const following = !loading && this.steps.length > 0 && this.state.step === this.steps[this.steps.length - 1].step;
      this.steps.push({ step: ev.step, epoch: ev.epoch, x: ev.x });
      this.steps.sort((a, b) => a.step - b.step);
      this.slider.max = String(this.steps.length - 1);
      if (!Array.from(this.basisSelect.options).some((o) => Number(o.value) === ev.step)) {
        const o = document.createElement("option");
        o.value = String(ev.step);
        o.textContent = stepText(ev);
        this.basisSelect.appendChild(o);
      }
      if (following) this.set({ step: ev.step });
      else this.syncControls();
    }

    // reveal shows the map card's body at the run's first snapshot, when the
    // page was rendered before there was one.
    reveal(step) {
      this.revealed = true;
      const empty = byTestId("replay-empty", this.section);
      if (!empty) return;
      empty.remove();
      for (const el of this.section.querySelectorAll("[data-replay-body]")) el.hidden = false;
      this.state.step = this.state.basis = step;
      this.schedule();
      Promise.resolve().then(() => this.show());
    }

    // showEpochPosition shows the snapshot nearest to an epoch position, as
    // clicked on a curve.
    showEpochPosition(x) {
      let best = null;
      for (const s of this.steps) {
        if (!best || Math.abs(s.x - x) < Math.abs(best.x - x)) best = s;
      }
      if (best) this.goTo(best, true);
    }

    goTo(s, scroll) {
      if (!s) return;
      this.set({ step: s.step });
      if (scroll && this.section.scrollIntoView) this.section.scrollIntoView({ block: "nearest" });
    }

    togglePlay() {
      if (this.timer) {
        clearInterval(this.timer);
        this.timer = 0;
        this.play.textContent = "Play";
        return;
      }
      this.play.textContent = "Pause";
      let i = this.steps.findIndex((s) => s.step === this.state.step);
      if (i < 0 || i >= this.steps.length - 1) i = -1;
      this.timer = setInterval(() => {
        i++;
        if (i >= this.steps.length) return this.togglePlay();
        this.set({ step: this.steps[i].step });
      }, 700);
    }

    set(change) {
      Object.assign(this.state, change);
      this.syncControls();
      this.show();
      if ("select" in change || "points" in change || "basis" in change || "step" in change) this.loadComparison();
    }

    // query is the view as the server reads it, keys in the server's order.
    query() {
      const q = new URLSearchParams();
      q.set("basis", String(this.state.basis));
      q.set("k", String(this.state.k));
      q.set("points", this.state.points);
      q.set("run", this.section.closest("[data-run]").dataset.run);
      q.set("select", String(this.state.select));
      q.set("step", String(this.state.step));
      return q.toString();
    }

    syncControls() {
      const i = this.steps.findIndex((s) => s.step === this.state.step);
      if (i >= 0) {
        this.slider.value = String(i);
        this.label.textContent = stepText(this.steps[i]);
      }
      this.basisSelect.value = String(this.state.basis);
      this.pointsSelect.value = this.state.points;
      const q = this.query();
      const links = { "export-png": "/export.png", "export-csv": "/export.csv", "export-json": "/view.json" };
      for (const id in links) {
        const a = byTestId(id, this.section);
        if (a) a.href = this.base + links[id] + "?" + q;
      }
      const link = byTestId("view-link", this.section);
      if (link) link.href = "/?" + q;
      if (window.history && window.history.replaceState) window.history.replaceState(null, "", "/?" + q);
    }

    // fetchMap returns the decoded map of a view, fetched once.
    fetchMap(step, basis, points) {
      const key = step + ":" + basis + ":" + points;
      if (!this.maps.has(key)) {
        const url = this.base + "/map.bin?step=" + step + "&basis=" + basis + "&points=" + points;
        const p = fetch(url, { credentials: "same-origin" }).then(async (res) => {
          if (!res.ok) throw new Error(errorText(res, await res.text()));
          return decodeMap(await res.arrayBuffer(), key);
        });
        p.catch(() => this.maps.delete(key)); // try again next time
        this.maps.set(key, p);
      }
      return this.maps.get(key);
    }

    async show() {
      const s = this.state;
      try {
        const m = await this.fetchMap(s.step, s.basis, s.points);
        if (s.step !== this.state.step || s.basis !== this.state.basis || s.points !== this.state.points) return; // superseded
        this.current = m;
        this.schedule();
      } catch (err) {
        this.canvas.dataset.error = err.message;
        this.showMessage(err.message);
      }
    }

    showMessage(text) {
      const out = byTestId("map-neighbours", this.section);
      if (out) showError(out, text);
    }

    schedule() {
      if (this.frame) return;
      this.frame = window.requestAnimationFrame(() => {
        this.frame = 0;
        this.draw();
      });
    }

    // layout fits the map's bounds in the canvas with one scale for both
    // axes, so that distances on the screen are distances on the map.
    layout(w, h) {
      const m = this.current;
      const pad = 12;
      const sx = (w - 2 * pad) / Math.max(1e-9, m.maxX - m.minX);
      const sy = (h - 2 * pad) / Math.max(1e-9, m.maxY - m.minY);
      const scale = Math.min(sx, sy);
      const ox = (w - scale * (m.maxX - m.minX)) / 2;
      const oy = (h - scale * (m.maxY - m.minY)) / 2;
      return {
        toScreen: (x, y) => [ox + (x - m.minX) * scale, h - oy - (y - m.minY) * scale],
        toMap: (px, py) => [m.minX + (px - ox) / scale, m.minY + (h - oy - py) / scale],
        scale: scale,
      };
    }

    draw() {
      const m = this.current;
      if (!m) return;
      const t0 = performance.now();
      const dpr = window.devicePixelRatio || 1;
      const c = this.canvas;
      const w = c.clientWidth || c.width;
      const h = c.clientHeight || c.height;
      if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
        c.width = Math.round(w * dpr);
        c.height = Math.round(h * dpr);
      }
      const ctx = this.ctx;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      const L = this.layout(w, h);
      this.screen = new Float32Array(2 * m.n);
      for (let i = 0; i < m.n; i++) {
        const [x, y] = L.toScreen(m.xys[3 * i], m.xys[3 * i + 1]);
        this.screen[2 * i] = x;
        this.screen[2 * i + 1] = y;
      }
      // One path per class: a few fills instead of one per point.
      const bySigma = this.sigma.checked;
      ctx.globalAlpha = bySigma ? 0.25 : 0.8;
      for (let label = 0; label < CLASS_COLOURS.length; label++) {
        ctx.fillStyle = CLASS_COLOURS[label];
        ctx.beginPath();
        for (let i = 0; i < m.n; i++) {
          if (m.labels[i] !== label) continue;
          const x = this.screen[2 * i];
          const y = this.screen[2 * i + 1];
          if (bySigma) {
            const r = Math.max(1, Math.min(40, m.xys[3 * i + 2] * L.scale));
            ctx.moveTo(x + r, y);
            ctx.arc(x, y, r, 0, 2 * Math.PI);
          } else {
            ctx.rect(x - 1, y - 1, 2, 2);
          }
        }
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      // The mixture prior's means: black crosses over the points.
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#000000";
      ctx.beginPath();
      for (let j = 0; j < m.prior.length; j += 2) {
        const [x, y] = L.toScreen(m.prior[j], m.prior[j + 1]);
        ctx.moveTo(x - 6, y - 6);
        ctx.lineTo(x + 6, y + 6);
        ctx.moveTo(x - 6, y + 6);
        ctx.lineTo(x + 6, y - 6);
      }
      ctx.stroke();
      c.dataset.priorMeans = String(m.prior.length / 2);
      const sel = this.state.select;
      if (sel >= 0 && sel < m.n) {
        const x = this.screen[2 * sel];
        const y = this.screen[2 * sel + 1];
        ctx.lineWidth = 2;
        ctx.strokeStyle = "#111827";
        ctx.beginPath();
        ctx.arc(x, y, 7, 0, 2 * Math.PI);
        ctx.stroke();
      }
      c.dataset.frameMs = (performance.now() - t0).toFixed(1);
      c.dataset.points = String(m.n);
      c.dataset.drawn = this.state.step + ":" + this.state.basis + ":" + this.state.points + ":" + (bySigma ? "sigma" : "points");
    }

    // nearest is the point drawn nearest to a screen position, within PICK_RADIUS.
    nearest(px, py) {
      let best = -1;
      let bestD = PICK_RADIUS * PICK_RADIUS;
      const s = this.screen;
      for (let i = 0; s && i < s.length / 2; i++) {
        const dx = s[2 * i] - px;
        const dy = s[2 * i + 1] - py;
        const d = dx * dx + dy * dy;
        if (d <= bestD) {
          bestD = d;
          best = i;
        }
      }
      return best;
    }

    onClick(e) {
      if (!this.current || !plainClick(e)) return;
      const i = this.nearest(e.offsetX, e.offsetY);
      if (i >= 0) {
        this.pick(i);
        return;
      }
      const w = this.canvas.clientWidth || this.canvas.width;
      const h = this.canvas.clientHeight || this.canvas.height;
      const [x, y] = this.layout(w, h).toMap(e.offsetX, e.offsetY);
      this.decode(x, y);
    }

    pick(i) {
      if (i !== this.state.select && this.state.select >= 0) this.previousPick = this.state.select;
      this.set({ select: i });
      this.schedule();
      if (this.previousPick >= 0 && this.previousPick !== i) this.interpolate(this.previousPick, i);
    }

    decode(x, y) {
      this.showFigure("decoded", "/decode.png", "&x=" + x.toFixed(4) + "&y=" + y.toFixed(4),
        "decoded at (" + x.toFixed(2) + ", " + y.toFixed(2) + "), the other principal components at their mean",
        { x: x.toFixed(4), y: y.toFixed(4) });
    }

    interpolate(a, b) {
      this.showFigure("interpolation", "/interpolate.png", "&a=" + a + "&b=" + b,
        "from the mean of point " + a + " to the mean of point " + b, { a: String(a), b: String(b) });
    }

    // showFigure loads a picture of the view (path, with extra query
    // parameters) into the card's figure id, which shows once it has loaded
    // and then carries data.
    showFigure(id, path, extra, caption, data) {
      const fig = byTestId(id, this.section);
      const img = fig.querySelector("img");
      img.onload = () => {
        Object.assign(fig.dataset, data);
        fig.hidden = false;
      };
      img.src = this.base + path + "?" + this.query() + extra;
      fig.querySelector("figcaption").textContent = caption;
    }

    loadComparison() {
      const out = byTestId("map-neighbours", this.section);
      if (!out) return;
      if (this.state.select < 0) {
        out.replaceChildren();
        return;
      }
      loadNeighbours(out, this.base + "/compare?" + this.query());
    }
  }

  function stepText(s) {
    return "step " + s.step + ", epoch " + s.epoch;
  }

  // decodeMap reads map.bin: a header of the point count and the bounds,
  // then x, y, σ per point (float32), then a label per point (uint8), then
  // the count of the mixture prior's means (uint32) and x, y of each.
  function decodeMap(buf, key) {
    const dv = new DataView(buf);
    const n = dv.getUint32(0, true);
    const m = { key: key, n: n, minX: dv.getFloat32(4, true), maxX: dv.getFloat32(8, true), minY: dv.getFloat32(12, true), maxY: dv.getFloat32(16, true) };
    m.xys = new Float32Array(buf.slice(20, 20 + 12 * n));
    m.labels = new Uint8Array(buf, 20 + 12 * n, n);
    const k = dv.getUint32(20 + 13 * n, true);
    m.prior = new Float32Array(buf.slice(24 + 13 * n, 24 + 13 * n + 8 * k));
    return m;
  }

  // RunPage keeps the selected run's panel and the list of runs up to date.
  class RunPage {
    constructor(canvas) {
      this.canvas = canvas;
      this.run = canvas.dataset.run;
      const replay = byTestId("replay");
      this.map = replay && byTestId("map-canvas", replay) ? new ReplayMap(replay) : null;
      const jump = this.map ? (x) => this.map.showEpochPosition(x) : null;
      this.chart = new LossChart(canvas, PANELS, "Waiting for the first training steps…", jump);
      const q = byTestId("quality-chart");
      this.quality = q ? new LossChart(q, QUALITY_PANELS, "Waiting for the first snapshot…", jump) : null;
      if (this.map) this.map.load().then((snaps) => snaps.forEach((s) => this.onSnapshot(s)));
      this.loadCurve();
      this.refreshEpoch = 0;
      this.refreshTimer = 0;
      const badge = byTestId("run-state");
      if (badge) this.chart.setLive(badge.dataset.state === "running");
    }

    listen() {
      const u = sameOrigin(this.canvas.dataset.events);
      if (!u || !window.EventSource) return;
      // The browser reconnects by itself after an error, and the server then
      // replays its history, which add() ignores.
      const es = new EventSource(u.href);
      es.addEventListener("step", (ev) => this.onStep(parse(ev)));
      es.addEventListener("epoch", (ev) => this.onEpoch(parse(ev)));
      es.addEventListener("state", (ev) => this.onState(parse(ev)));
      es.addEventListener("snapshot", (ev) => this.onSnapshot(parse(ev)));
      es.addEventListener("open", () => (this.canvas.dataset.stream = "open"));
      es.addEventListener("error", () => (this.canvas.dataset.stream = "reconnecting"));
    }

    onStep(ev) {
      if (!ev || ev.run !== this.run) return;
      this.chart.add(ev);
    }

    // loadCurve adds the training curve the run's folder keeps, which the
    // stream lacks for a run trained before the server started; the stream's
    // own points go between them.
    loadCurve() {
      const u = sameOrigin(this.canvas.dataset.curve);
      if (!u || !window.fetch) return;
      fetch(u.href)
        .then((r) => (r.ok ? r.json() : []))
        .then((steps) => (Array.isArray(steps) ? steps : []).forEach((ev) => this.onStep(ev)))
        .catch(() => {});
    }

    // onSnapshot adds a snapshot's latent quality to its curves and its step
    // to the replay.
    onSnapshot(ev) {
      if (!ev || ev.run !== this.run || !isNum(ev.step) || !ev.quality) return;
      if (this.quality) this.quality.add({ x: ev.x, epoch: "snapshot", step: ev.step, epochs: ev.epochs, terms: ev.quality });
      if (this.map) this.map.addStep(ev);
    }

    onEpoch(ev) {
      if (!ev || !isNum(ev.epoch)) return;
      const row = runRow(ev.run);
      if (row) {
        setCell(row, "progress", progressText(ev.epoch, ev.epochs));
        setCell(row, "triplet-accuracy", percent(ev.triplet_accuracy));
        setCell(row, "test-nelbo", fixed2(ev.test_nelbo));
      }
      if (ev.run !== this.run) return;
      this.setProgress(ev.epoch, ev.epochs);
      this.historyRow(ev);
      this.refreshImages(ev.epoch);
    }

    onState(ev) {
      if (!ev || typeof ev.state !== "string") return;
      const row = runRow(ev.run);
      if (row) {
        const b = row.querySelector('[data-cell="state"] .badge');
        if (b) {
          b.textContent = ev.state;
          b.dataset.state = ev.state;
        }
        if (isNum(ev.epoch) && isNum(ev.epochs)) setCell(row, "progress", progressText(ev.epoch, ev.epochs));
      }
      if (ev.run !== this.run) return;
      const badge = byTestId("run-state");
      if (badge) {
        badge.textContent = ev.state;
        badge.dataset.state = ev.state;
      }
      if (isNum(ev.epoch) && isNum(ev.epochs)) this.setProgress(ev.epoch, ev.epochs);
      setEnabled("pause", ev.state === "running");
      setEnabled("resume", ev.state === "paused");
      setEnabled("stop", ev.state === "running" || ev.state === "paused");
      setEnabled("continue", ev.state === "stopped" || ev.state === "interrupted");
      const err = byTestId("run-error");
      if (err) {
        err.textContent = ev.error || "";
        err.hidden = !ev.error;
      }
      // The stream is shared by every run, so it stays open; only the
      // animation of this run's newest point stops.
      this.chart.setLive(ev.state === "running");
      if (ev.state === "finished") loadFinalFigures();
    }

    setProgress(epoch, epochs) {
      const text = byTestId("run-progress");
      if (text) text.textContent = progressText(epoch, epochs);
      const bar = byTestId("run-progressbar");
      if (bar && epochs > 0) {
        bar.max = epochs;
        bar.value = epoch;
      }
    }

    // historyRow adds or updates the epoch's line of the table of epochs,
    // keeping the lines in order of epoch.
    historyRow(ev) {
      const table = byTestId("history");
      if (!table) return;
      const body = table.tBodies[0] || table.createTBody();
      const cells = [String(ev.epoch), percent(ev.triplet_accuracy), fixed2(ev.test_nelbo), fixed4(ev.train && ev.train.total)];
      let tr = body.querySelector('tr[data-epoch="' + ev.epoch + '"]');
      if (!tr) {
        tr = document.createElement("tr");
        tr.dataset.epoch = String(ev.epoch);
        for (let i = 0; i < cells.length; i++) {
          const td = document.createElement("td");
          td.className = "num";
          tr.appendChild(td);
        }
        let before = null;
        for (const r of body.rows) {
          if (Number(r.dataset.epoch) > ev.epoch) {
            before = r;
            break;
          }
        }
        body.insertBefore(tr, before);
      }
      cells.forEach((text, i) => {
        // Keep a value the server rendered when the event lacks it.
        if (text === "–" && tr.cells[i].textContent !== "") return;
        tr.cells[i].textContent = text;
      });
      const empty = table.closest("section") && table.closest("section").querySelector("[data-history-empty]");
      if (empty) empty.remove();
    }

    // refreshImages points every image marked data-refresh at the epoch's
    // version. The replayed history brings many epochs at once, so the
    // images are only reloaded once things settle, for the newest epoch.
    refreshImages(epoch) {
      if (epoch < this.refreshEpoch) return;
      this.refreshEpoch = epoch;
      clearTimeout(this.refreshTimer);
      this.refreshTimer = setTimeout(() => {
        const n = String(this.refreshEpoch);
        for (const img of document.querySelectorAll("img[data-refresh]")) {
          const u = sameOrigin(img.getAttribute("src"));
          if (!u || u.searchParams.get("epoch") === n) continue;
          u.searchParams.set("epoch", n);
          img.src = u.pathname + u.search + u.hash;
        }
      }, 100);
    }
  }

  function runRow(run) {
    if (typeof run !== "string") return null;
    for (const row of document.querySelectorAll('[data-testid="run-row"]')) {
      if (row.dataset.run === run) return row;
    }
    return null;
  }

  function setCell(row, name, text) {
    const cell = row.querySelector('[data-cell="' + name + '"]');
    if (cell) cell.textContent = text;
  }

  function setEnabled(control, enabled) {
    const b = byTestId("control-" + control);
    if (b) b.disabled = !enabled;
  }

  // Neighbours: the section's content is replaced by the fragment the server
  // returns, or by its error message.
  let loadSeq = 0;

  async function loadNeighbours(section, url) {
    const u = sameOrigin(url);
    if (!u) return;
    const seq = ++loadSeq;
    section.setAttribute("aria-busy", "true");
    try {
      const res = await fetch(u.href, { credentials: "same-origin" });
      const text = await res.text();
      if (seq !== loadSeq) return; // a later click won
      if (res.ok) {
        section.innerHTML = text;
      } else {
        showError(section, errorText(res, text));
      }
    } catch (err) {
      if (seq === loadSeq) showError(section, "Could not load the neighbours: " + err.message);
    } finally {
      if (seq === loadSeq) section.removeAttribute("aria-busy");
    }
  }

  // loadFinalFigures fills the final figures panel once a run has finished.
  async function loadFinalFigures() {
    const section = byTestId("final-figures");
    const u = section && sameOrigin(section.dataset.url);
    if (!u) return;
    try {
      const res = await fetch(u.href, { credentials: "same-origin" });
      const text = await res.text();
      if (res.ok) {
        section.innerHTML = text;
      } else {
        showError(section, errorText(res, text));
      }
    } catch (err) {
      showError(section, "Could not load the final figures: " + err.message);
    }
  }

  // errorText is the message of a failed response: its text, or the message
  // of an HTML error page.
  function errorText(res, text) {
    let msg = text;
    if ((res.headers.get("Content-Type") || "").includes("text/html")) {
      const doc = new DOMParser().parseFromString(text, "text/html");
      const el = doc.querySelector('[data-testid="error"] p') || doc.body;
      msg = el ? el.textContent : "";
    }
    msg = (msg || "").trim();
    return msg || res.status + " " + res.statusText;
  }

  function showError(section, message) {
    const p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.dataset.testid = "neighbours-error";
    p.textContent = message;
    section.replaceChildren(p);
  }

  function plainClick(e) {
    return e.button === 0 && !e.defaultPrevented && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
  }

  function clamp01(v) {
    return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
  }

  function onClick(e) {
    if (!plainClick(e) || !(e.target instanceof Element)) return;
    const section = byTestId("neighbours");
    if (!section) return;

    const img = e.target.closest("img[data-pick]");
    if (img) {
      if (!img.clientWidth || !img.clientHeight) return;
      const u = sameOrigin(img.dataset.pick);
      if (!u) return;
      u.searchParams.set("fx", clamp01(e.offsetX / img.clientWidth).toFixed(4));
      u.searchParams.set("fy", clamp01(e.offsetY / img.clientHeight).toFixed(4));
      e.preventDefault();
      loadNeighbours(section, u.href);
      return;
    }

    // A neighbour in the panel, or a digit of the gallery, loads its own neighbours.
    const link = e.target.closest('a[data-testid="neighbour"], a[data-testid="gallery-digit"]');
    if (link && (section.contains(link) || link.dataset.testid === "gallery-digit")) {
      e.preventDefault();
      loadNeighbours(section, link.href);
    }
  }

  function init() {
    const canvas = byTestId("loss-chart");
    if (canvas && canvas.dataset.run) new RunPage(canvas).listen();
    document.addEventListener("click", onClick);
    document.body.dataset.ready = "1";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
