/* httplog report: the charts.
 *
 * The figures are in the JSON block #httplog-charts. plotly.js is in the page
 * once, deflate-compressed and base-122-encoded (#httplog-plotly): it is
 * expanded with the browser's DecompressionStream and run (runPlotly), which
 * the page's Content-Security-Policy admits by the SHA-256 hash of exactly
 * that text (nothing else can run). With plotly_js="cdn" the bundle comes
 * from the CDN instead and Plotly is already defined.
 *
 * This script comes right after the charts in the page, before the tables.
 * It starts expanding plotly.js in the DOMContentLoaded event: the bytes are
 * decoded and written to the DecompressionStream in the event's listener, so
 * the whole bundle is inflated in the microtasks that follow it; the browser
 * then compiles plotly.js on a background thread. The tables' script waits
 * until the first chart is drawn ("httplog-charts-settled").
 *
 * The first chart is in the page as a static SVG (charts.sketch_svg), shown while
 * plotly.js loads and replaced when it draws. The first chart on the screen is
 * drawn as soon as plotly.js has run, from its own data alone (a figure's
 * shared x arrays are put back when it is drawn); the others when they come
 * near the viewport (IntersectionObserver) and, from the first idle period
 * after the first chart's frame on (no fixed wait), one an idle period; before
 * printing every chart is drawn, light and at the page's width.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("httplog-charts").textContent);
  if (!data.figures.length) {
    window.httplogChartsSettled = true;
    return;
  }

  /* Until the first chart is painted, the sections below the charts (parsed
   * after this script) are laid out only when near the viewport (report.css:
   * html.lazy-layout, content-visibility: auto): the page's first layouts skip
   * the long tables. The class goes in the task after the frame that paints
   * the first chart (or before printing), and the whole page is laid out as
   * usual, so innerText and everything else reads it whole from then on. */
  var root = document.documentElement;
  root.classList.add("lazy-layout");
  function layoutAll() {
    root.classList.remove("lazy-layout");
    window.httplogLaidOut = true;
  }
  setTimeout(layoutAll, 5000);  // whatever the charts do (as tables.js)

  /* Each step towards the first interactive chart as a performance measure
   * ("httplog:decode", ...), which benchmarks/bench_report.py prints; and each
   * figure's preparation and drawing ("httplog:prepare chart-timeline", ...). */
  var perf = window.performance && performance.measure ? performance : null;
  function measure(name, start) {
    if (perf) { try { perf.measure("httplog:" + name, {start: start, end: perf.now()}); } catch (e) { /* old browser */ } }
  }
  function now() { return perf ? perf.now() : 0; }

  function notice(id) {
    var note = document.getElementById(id);
    if (note) { note.hidden = false; }
  }

  // base-122 (render.base122): 7 bits an ASCII character; a two-byte character
  // holds one of the ILLEGAL values (index in bits 8-10; 7: none) and the next 7 bits
  var ILLEGAL = [0, 13, 60];
  function decode(text, size) {
    var out = new Uint8Array(size);
    var o = 0, acc = 0, bits = 0;
    function push(x) {
      acc = ((acc << 7) | x) & 0x3fff;
      bits += 7;
      if (bits >= 8) {
        bits -= 8;
        if (o < size) { out[o++] = (acc >> bits) & 255; }
      }
    }
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c < 128) { push(c); continue; }
      var k = (c >> 8) & 7;
      if (k !== 7) { push(ILLEGAL[k]); }
      push(c & 127);
    }
    return out;
  }

  /* plotly.js, expanded and run. The expanded text is run from a blob: URL
   * with an integrity attribute (the SHA-256 the CSP admits): the browser
   * compiles it on a background thread while the page goes on parsing, and the
   * policy's hash still decides (no blob: source in the CSP). A browser that
   * does not match hashes against external scripts refuses it; the same text
   * then runs as an inline script, which the same hash admits. */
  function runPlotly(js, integrity) {
    function inline() {
      return js.text().then(function (text) {
        var s = document.createElement("script");
        s.textContent = text;  // admitted by its hash in the CSP
        document.head.appendChild(s);
      });
    }
    if (!integrity || typeof URL.createObjectURL !== "function") { return inline(); }
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(new Blob([js], {type: "text/javascript;charset=utf-8"}));
      var s = document.createElement("script");
      s.integrity = integrity;
      s.onload = function () { URL.revokeObjectURL(url); resolve(true); };
      s.onerror = function () { URL.revokeObjectURL(url); s.remove(); resolve(false); };
      s.src = url;
      document.head.appendChild(s);
    }).then(function (ran) { return ran ? null : inline(); });
  }

  /* The bundle's bytes go straight into the DecompressionStream (no Blob
   * stream in between, which would hand them over in tasks of their own that
   * the parser's tasks delay): inflating it is a chain of microtasks. */
  function inflate(bytes) {
    var ds = new DecompressionStream("deflate-raw");
    var writer = ds.writable.getWriter();
    // (a corrupt bundle fails the reads below, which say so: not these two as well)
    writer.write(bytes).catch(function () { /* reported by read() */ });
    writer.close().catch(function () { /* reported by read() */ });
    var reader = ds.readable.getReader();
    var parts = [];
    function next() {
      return reader.read().then(function (r) {
        if (r.done) { return new Blob(parts, {type: "text/javascript;charset=utf-8"}); }
        parts.push(r.value);
        return next();
      });
    }
    return next();
  }

  function loadPlotly() {
    if (typeof Plotly !== "undefined") { return Promise.resolve(); }
    var packed = document.getElementById("httplog-plotly");
    if (!packed) { return Promise.reject(new Error("no plotly.js")); }
    if (typeof DecompressionStream === "undefined") {
      notice("charts-old-browser");
      return Promise.reject(new Error("no DecompressionStream"));
    }
    var size = parseInt(packed.getAttribute("data-bytes"), 10);
    var t = now();
    var bytes = decode(packed.textContent, size);
    packed.remove();  // 1.6 MB of text the page no longer needs
    measure("decode", t);
    t = now();
    return inflate(bytes).then(function (js) {
      measure("inflate", t);
      t = now();
      return runPlotly(js, data.integrity);
    }).then(function () {
      measure("plotly-load-run", t);
      if (typeof Plotly === "undefined") { throw new Error("plotly.js did not run"); }
    });
  }

  var NEAR = 300;  // px: a chart this close to the viewport is drawn
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var printing = false;
  var drawn = {};
  var byId = {};
  data.figures.forEach(function (f) { byId[f.id] = f; });

  function template() {
    return !printing && dark && dark.matches ? data.templates.dark : data.templates.light;
  }

  /* A figure's own data, ready to draw: the x arrays it shares with other traces
   * are in the page once (context._figures_json) and put back here, when the
   * figure is first drawn, not before the first chart. */
  function prepare(f) {
    if (f.ready) { return; }
    var t = now();
    (f.figure.data || []).forEach(function (tr) {
      if (tr.httplog_x !== undefined) { tr.x = data.xs[tr.httplog_x]; delete tr.httplog_x; }
    });
    f.ready = true;
    measure("prepare " + f.id, t);
  }

  function draw(f, extra) {
    var el = document.getElementById(f.id);
    if (!el) { return; }
    var t = now();
    prepare(f);
    var layout = Object.assign({}, f.figure.layout, {template: template()}, extra || {});
    var sketch = el.querySelector("svg.sketch");  // the static first chart, until now
    if (sketch) { sketch.remove(); }
    Plotly.react(el, f.figure.data, layout, data.config);
    el.classList.add("drawn");
    drawn[f.id] = true;
    measure("draw " + f.id, t);
  }

  function redrawDrawn() {
    data.figures.forEach(function (f) { if (drawn[f.id]) { draw(f); } });
  }

  var pending = data.figures.slice();
  var started = false;

  /* Before printing, every chart (page-wide, a quarter lower: three charts a
   * page), whether or not it was drawn yet; the static first chart stays if
   * plotly.js is not ready. */
  window.addEventListener("beforeprint", function () {
    printing = true;
    layoutAll();
    if (!started) { return; }
    pending = [];
    data.figures.forEach(function (f) {
      draw(f, {width: data.print_width,
               height: Math.round((f.figure.layout.height || 400) * data.print_scale)});
    });
  });
  window.addEventListener("afterprint", function () {
    printing = false;
    if (!started) { return; }
    data.figures.forEach(function (f) {
      if (!drawn[f.id]) { return; }
      draw(f);
      var el = document.getElementById(f.id);
      if (el) { Plotly.Plots.resize(el); }
    });
  });

  function start() {
    started = true;
    if (data.locale) { Plotly.register(data.locale); }
    function drawOne(f) {
      var i = pending.indexOf(f);
      if (i < 0) { return; }
      pending.splice(i, 1);
      draw(f);
    }
    if (dark && dark.addEventListener) {
      dark.addEventListener("change", redrawDrawn);
    }
    if (printing) {  // plotly.js became ready while printing: draw them all now
      pending.slice().forEach(drawOne);
      return;
    }
    /* The charts below the fold, one an idle period (input and the tables' own
     * work come first between them), from the first idle period after the first
     * chart's frame; without requestIdleCallback, one a frame. */
    var idle = window.requestIdleCallback
      ? function (cb) { window.requestIdleCallback(cb); }
      : function (cb) { requestAnimationFrame(function () { setTimeout(cb, 0); }); };
    function drawRestWhenIdle() {
      if (!pending.length) { return; }
      idle(function () {
        if (printing || !pending.length) { return; }
        drawOne(pending[0]);
        drawRestWhenIdle();
      });
    }
    if (!("IntersectionObserver" in window)) {
      pending.slice().forEach(drawOne);
      return;
    }
    // the first chart on the screen at once (the observer would wait a frame), so
    // it is painted before the next one is drawn
    var first = data.figures.filter(function (f) {
      var el = document.getElementById(f.id);
      var box = el && el.getBoundingClientRect();
      return box && box.top < window.innerHeight && box.bottom > 0;
    })[0];
    if (first) {
      var t = now();
      drawOne(first);
      measure("first-draw", t);
    }
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { seen.unobserve(e.target); drawOne(byId[e.target.id]); }
      });
    }, {rootMargin: NEAR + "px 0px"});
    pending.forEach(function (f) {
      var el = document.getElementById(f.id);
      if (el) { seen.observe(el); }
    });
    drawRestWhenIdle();  // no fixed wait: from the next idle period on
  }

  /* The tables' script waits for the first chart (or its failure): the page's
   * main thread draws that first, then builds the tables. */
  function settled() {
    window.httplogChartsSettled = true;
    requestAnimationFrame(function () { setTimeout(layoutAll, 0); });  // before the tables
    document.dispatchEvent(new Event("httplog-charts-settled"));
  }

  /* Once the page is parsed, in the DOMContentLoaded event's listener itself
   * (a task after it, or starting at once in the parser's task, drew the first
   * interactive chart no sooner: docs/report.md): the parser is not held up by
   * the ~0.1 s of decoding and inflating. */
  function go() {
    loadPlotly().then(start).then(settled, function () {
      notice("charts-unavailable");
      layoutAll();  // no chart to paint first
      settled();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", go, {once: true});
  } else {
    go();
  }
})();
