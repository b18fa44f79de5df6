/* The painter: draws the scenes that raft.viz.scene computes, and moves them in time.
 *
 * One plain script, no framework, no build step. The same file runs
 *   - in the HTML book (loaded from _static/raft-painter.js; it mounts every
 *     <div class="raft-painter"> on the page),
 *   - in a notebook (inlined after a player's HTML, which it mounts),
 *   - as an anywidget module (raft.viz.widgets appends `export default {render}`), and
 *   - in the live page (issue 14: a worker pushes scenes with painter.push()).
 *
 * Nothing about Raft is decided here. A scene says who leads, which messages are in flight
 * (with their send and delivery times), which timers run (start and deadline), which entries are
 * committed and whether a safety property broke. Between two scenes the painter lets time run
 * from one scene's time to the next one's: a message is drawn at the fraction
 * (now - sent) / (due - sent) of its link, a timer arc shows the time left, as in RaftScope.
 *
 * The schema of a scene is documented in raft/viz/scene.py.
 */
(function (root) {
  "use strict";
  var VERSION = 1;
  if (root.RaftPainter && root.RaftPainter.version >= VERSION) {
    root.RaftPainter.mountHere();   // already loaded (another player on the same page)
    return;
  }
  var SVGNS = "http://www.w3.org/2000/svg";
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

  // Okabe-Ito colours (raft/viz/palette.py): never the only cue (letters, shapes, dashes too).
  var ROLE_FILL = { follower: "#56B4E9", candidate: "#F0E442", leader: "#D55E00" };
  var ROLE_LETTER = { follower: "F", candidate: "C", leader: "L" };
  var TERM_COLOURS = ["#F5C767", "#9FD3F3", "#66C5AB", "#F6EF8E", "#6FA6D6", "#EE9E66",
    "#E1AECB", "#BDBDBD"];
  var ON_FILL = "#1f2328";  // text on a role or term fill, in light and dark mode alike

  // Playback speeds. A transition from one event to the next first holds still for `dwell` ms
  // (time to read the caption), then lets simulated time run: `travel` ms for each simulated ms,
  // at most `cap` ms. "One event at a time" gives every event the same time, however far apart.
  var SPEEDS = [
    { name: "event", label: "one event at a time", dwell: 1400, fixed: 1000 },
    { name: "slow", label: "slow", dwell: 900, travel: 60, cap: 3000, min: 250 },
    { name: "normal", label: "normal", dwell: 450, travel: 25, cap: 1600, min: 150 },
    { name: "fast", label: "fast", dwell: 120, travel: 8, cap: 600, min: 80 },
  ];
  // A Step pressed by hand shows the next event at once: its transition lasts at most this
  // long, whatever the speed (at "normal" a long gap would take 1.6 s, and a second press then
  // only finished the first one). A Step pressed during a hand step's transition goes on to the
  // event after.
  var HAND_STEP = 200;

  var CSS = [
    ".raft-painter{--rp-bg:#ffffff;--rp-ink:#1f2328;--rp-muted:#57606a;--rp-link:#6e7781;",
    "--rp-ring-bg:#d8dee4;--rp-ring:#57606a;--rp-slot:#f6f8fa;--rp-slot-line:#d0d7de;",
    "--rp-req:#0072B2;--rp-req-ink:#ffffff;--rp-ok:#00795a;--rp-no:#57606a;--rp-cut:#D55E00;",
    "--rp-next:#0072B2;--rp-match:#00795a;--rp-bad:#A23B83;--rp-bad-bg:#fbe3f2;--rp-button:#f6f8fa;",
    "--rp-border:#d0d7de;background:var(--rp-bg);color:var(--rp-ink);border:1px solid var(--rp-border);",
    "border-radius:6px;padding:8px;margin:0.5em 0;font-family:" + FONT + ";font-size:14px;",
    "line-height:1.35;max-width:100%;box-sizing:border-box;position:relative}",
    "html[data-theme=dark] .raft-painter,body[data-jp-theme-light=false] .raft-painter,",
    ".raft-painter.rp-dark{--rp-bg:#1a1f27;--rp-ink:#e6edf3;--rp-muted:#a8b1bb;--rp-link:#8b949e;",
    "--rp-ring-bg:#3d444d;--rp-ring:#c9d1d9;--rp-slot:#222933;--rp-slot-line:#48505a;",
    "--rp-req:#4fa3e0;--rp-req-ink:#10161d;--rp-ok:#3fcf9f;--rp-no:#a8b1bb;--rp-cut:#ff8a4c;",
    "--rp-next:#6cb6ff;--rp-match:#3fcf9f;--rp-bad:#E59BD0;--rp-bad-bg:#4a1f3d;--rp-button:#272e38;",
    "--rp-border:#48505a}",
    ".raft-painter *{box-sizing:border-box}",
    ".raft-painter.rp-broken{outline:4px solid var(--rp-bad);outline-offset:-2px}",
    ".raft-painter .rp-title{font-weight:600;font-size:15px;margin:0 0 2px}",
    ".raft-painter .rp-note{color:var(--rp-muted);font-size:13px;margin:0 0 4px;white-space:pre-line}",
    ".raft-painter .rp-marks{display:flex;flex-wrap:wrap;gap:4px 6px;margin:0 0 4px}",
    ".raft-painter .rp-status{font-size:13px;color:var(--rp-muted);display:flex;flex-wrap:wrap;",
    "gap:2px 12px;min-height:1.4em}",
    ".raft-painter .rp-status b{color:var(--rp-ink)}",
    ".raft-painter .rp-status .rp-net{color:var(--rp-cut);font-weight:600}",
    ".raft-painter .rp-banner{background:var(--rp-bad-bg);color:var(--rp-ink);border:3px solid var(--rp-bad);",
    "border-left-width:10px;border-radius:4px;padding:6px 8px;margin:4px 0;font-size:14px;font-weight:600}",
    ".raft-painter .rp-banner[hidden]{display:none}",
    // A phone: the cluster, its controls and caption, then the logs. A wide column: the cluster
    // and the logs side by side, the controls and caption under both.
    ".raft-painter .rp-main{display:flex;flex-direction:column;gap:6px}",
    ".raft-painter .rp-pictures{display:contents}",
    // Its own compositing layer: a frame repaints the moving picture, not the whole page
    // (measured in a chapter: main-thread work per frame 11 ms -> 5 ms, scripts/bench_painter.py).
    ".raft-painter .rp-cluster{order:1;align-self:center;will-change:transform}",
    ".raft-painter .rp-controls{order:2}",
    ".raft-painter .rp-caption{order:3}",
    ".raft-painter .rp-right{order:4;display:flex;flex-direction:column;gap:4px}",
    ".raft-painter.rp-wide .rp-pictures{display:flex;flex-direction:row;gap:12px;align-items:flex-start;order:1}",
    ".raft-painter.rp-wide .rp-cluster{align-self:flex-start}",
    ".raft-painter svg{display:block;overflow:visible;font-family:" + FONT + "}",
    ".raft-painter .rp-controls{display:flex;flex-wrap:wrap;align-items:center;gap:6px 8px}",
    ".raft-painter .rp-buttons{display:flex;gap:4px}",
    ".raft-painter button,.raft-painter select{font:inherit;font-size:14px;color:var(--rp-ink);",
    "background:var(--rp-button);border:1px solid var(--rp-border);border-radius:6px;min-height:40px}",
    ".raft-painter button{min-width:44px;padding:0 8px;cursor:pointer;display:inline-flex;",
    "align-items:center;justify-content:center}",
    ".raft-painter button:focus-visible,.raft-painter select:focus-visible,.raft-painter input:focus-visible",
    "{outline:3px solid var(--rp-req);outline-offset:1px}",
    ".raft-painter button svg{width:18px;height:18px;fill:currentColor}",
    ".raft-painter button:disabled{opacity:0.45;cursor:default}",
    ".raft-painter .rp-slider{flex:1 1 140px;min-width:120px;accent-color:var(--rp-req);height:32px}",
    ".raft-painter .rp-counter{font-variant-numeric:tabular-nums;font-size:14px;white-space:nowrap}",
    ".raft-painter .rp-speed{padding:0 4px}",
    ".raft-painter .rp-caption{font-size:15px;min-height:2.8em}",
    ".raft-painter .rp-rule{display:block;color:var(--rp-muted);font-size:13px}",
    ".raft-painter .rp-lights{display:flex;flex-wrap:wrap;gap:2px 10px}",
    ".raft-painter .rp-safety,.raft-painter .rp-clients-light{list-style:none;margin:0;padding:0;",
    "display:flex;flex-wrap:wrap;gap:2px 10px;font-size:13px}",
    ".raft-painter .rp-clients-light[hidden],.raft-painter .rp-light-why[hidden]{display:none}",
    ".raft-painter .rp-safety li,.raft-painter .rp-clients-light li{margin:0;color:var(--rp-muted)}",
    ".raft-painter .rp-safety li.rp-bad,.raft-painter .rp-clients-light li.rp-bad{color:var(--rp-ink);",
    "background:var(--rp-bad-bg);border:2px solid var(--rp-bad);border-radius:4px;padding:0 4px;",
    "font-weight:700}",
    ".raft-painter .rp-light-why{margin:2px 0 0;font-size:13px;overflow-wrap:anywhere}",
    ".raft-painter details{font-size:13px;margin-top:4px}",
    ".raft-painter summary{cursor:pointer;color:var(--rp-muted);min-height:24px}",
    ".raft-painter .rp-legend ul{list-style:none;margin:4px 0 0;padding:0;display:grid;",
    "grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:4px 12px}",
    ".raft-painter .rp-legend li{display:flex;align-items:center;gap:6px;margin:0}",
    ".raft-painter .rp-legend svg{flex:0 0 auto}",
    ".raft-painter table.rp-table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums;",
    "margin-top:4px;white-space:nowrap}",
    ".raft-painter .rp-table-wrap{overflow-x:auto;max-width:100%}",
    ".raft-painter table.rp-table th,.raft-painter table.rp-table td{padding:1px 6px;text-align:left;",
    "border-bottom:1px solid var(--rp-slot-line)}",
    ".raft-painter .rp-fallback{font-size:14px;color:var(--rp-muted)}",
    ".raft-painter .rp-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);",
    "white-space:nowrap}",
    ".raft-painter [data-server]{cursor:default}",
    ".raft-painter.rp-clickable [data-server]{cursor:pointer}",
    // SVG classes: colours come from the variables above, so a theme switch needs no redraw.
    ".raft-painter .rp-link{stroke:var(--rp-link);stroke-width:1.5}",
    ".raft-painter .rp-link.rp-cut{stroke:var(--rp-cut);stroke-width:2.5;stroke-dasharray:6 5}",
    ".raft-painter .rp-ring-bg{fill:none;stroke:var(--rp-ring-bg);stroke-width:4}",
    ".raft-painter .rp-ring{fill:none;stroke:var(--rp-ring);stroke-width:4}",
    ".raft-painter .rp-disc{stroke:var(--rp-ink);stroke-width:1.5}",
    ".raft-painter .rp-leader .rp-disc{stroke-width:4}",
    ".raft-painter .rp-candidate .rp-disc{stroke-width:2.5;stroke-dasharray:5 3}",
    ".raft-painter .rp-nonvoter .rp-disc{stroke-dasharray:2 3}",
    ".raft-painter .rp-crashed .rp-disc{fill:#9aa1a9;stroke:var(--rp-muted)}",
    ".raft-painter .rp-name{font-weight:700;font-size:14px;fill:" + ON_FILL + "}",
    ".raft-painter .rp-term{font-size:12px;fill:" + ON_FILL + "}",
    ".raft-painter .rp-badge{fill:var(--rp-bg);stroke:var(--rp-ink);stroke-width:1.2}",
    ".raft-painter .rp-badge-text{font-size:12px;font-weight:700;fill:var(--rp-ink)}",
    ".raft-painter .rp-sub{font-size:12px;font-weight:600;fill:var(--rp-muted)}",
    ".raft-painter .rp-cross{stroke:#1f2328;stroke-width:3;opacity:0.75}",
    ".raft-painter .rp-vote{stroke:var(--rp-ink);stroke-width:1.3;fill:var(--rp-bg)}",
    ".raft-painter .rp-vote.rp-have{fill:var(--rp-ink)}",
    ".raft-painter .rp-vote.rp-coming{fill:var(--rp-muted);stroke-dasharray:2 1.5}",
    ".raft-painter .rp-crown{fill:#E69F00;stroke:" + ON_FILL + ";stroke-width:1.2}",
    ".raft-painter .rp-msg-box{stroke-width:1.5}",
    ".raft-painter .rp-request .rp-msg-box{fill:var(--rp-req);stroke:var(--rp-req)}",
    ".raft-painter .rp-request .rp-msg-text{fill:var(--rp-req-ink)}",
    ".raft-painter .rp-request .rp-arrow{fill:var(--rp-req)}",
    ".raft-painter .rp-reply .rp-msg-box{fill:var(--rp-bg);stroke:var(--rp-ok)}",
    ".raft-painter .rp-reply .rp-msg-text{fill:var(--rp-ink)}",
    ".raft-painter .rp-reply .rp-arrow{fill:var(--rp-ok)}",
    ".raft-painter .rp-reply.rp-refused .rp-msg-box{stroke:var(--rp-no);stroke-dasharray:3 2}",
    ".raft-painter .rp-reply.rp-refused .rp-arrow{fill:var(--rp-no)}",
    ".raft-painter .rp-msg-text{font-size:12px;font-weight:600}",
    ".raft-painter .rp-heartbeat .rp-msg-box{fill:var(--rp-bg);stroke:var(--rp-req)}",
    ".raft-painter .rp-heartbeat .rp-msg-text{fill:var(--rp-ink)}",
    ".raft-painter .rp-log-label{font-size:13px;font-weight:700;fill:var(--rp-ink)}",
    ".raft-painter .rp-log-label.rp-down{fill:var(--rp-muted)}",
    ".raft-painter .rp-index{font-size:12px;fill:var(--rp-muted)}",
    ".raft-painter .rp-slot{fill:var(--rp-slot);stroke:var(--rp-slot-line)}",
    ".raft-painter .rp-entry{stroke:var(--rp-ink);stroke-width:0.8}",
    ".raft-painter .rp-entry.rp-open{stroke-width:1.4;stroke-dasharray:3 2;fill-opacity:0.35}",
    ".raft-painter .rp-entry-text{font-size:12px;fill:" + ON_FILL + "}",
    ".raft-painter .rp-entry-text.rp-open{fill:var(--rp-ink)}",
    ".raft-painter .rp-entry-text.rp-committed{font-weight:700}",
    // A cell's term is drawn on it; taps and the tooltip go to the cell itself.
    ".raft-painter .rp-entry{cursor:pointer}.raft-painter .rp-entry-text{pointer-events:none}",
    ".raft-painter .rp-entry-info{margin:0;font-size:13px;min-height:1.35em;overflow-wrap:anywhere}",
    ".raft-painter .rp-machines{margin:0;font-size:13px;color:var(--rp-muted);overflow-wrap:anywhere}",
    ".raft-painter .rp-machines b{color:var(--rp-ink)}.raft-painter .rp-machines[hidden]{display:none}",
    ".raft-painter .rp-entry-info b{font-weight:700}",
    ".raft-painter .rp-entry-info.rp-hint{color:var(--rp-muted)}",
    ".raft-painter table.rp-table tr.rp-sm td{white-space:normal;color:var(--rp-muted);",
    "padding-bottom:3px;max-width:30em;overflow-wrap:anywhere}",
    ".raft-painter table.rp-table tr.rp-sm td b{color:var(--rp-ink);font-weight:600}",
    ".raft-painter table.rp-table tr.rp-has-sm td{border-bottom:0}",
    ".raft-painter .rp-faded{opacity:0.5}",
    ".raft-painter .rp-commit{fill:var(--rp-ink)}",
    ".raft-painter .rp-next{fill:var(--rp-next)}",
    ".raft-painter .rp-match{fill:var(--rp-match)}",
    ".raft-painter .rp-truncate{stroke:var(--rp-cut);stroke-width:2.5}",
    ".raft-painter .rp-flag{fill:none;stroke:var(--rp-bad);stroke-width:3.5}",
    // Log entries compacted into a snapshot (beyond Figure 2, §7): one block, no terms.
    ".raft-painter .rp-snap{fill:var(--rp-ring-bg);stroke:var(--rp-ink);stroke-width:1.2}",
    ".raft-painter .rp-snap-text{font-size:12px;font-weight:600;fill:var(--rp-ink)}",
    // Clients (dissertation chapter 6): boxes under the servers, their requests and replies.
    ".raft-painter{--rp-client:#CC79A7;--rp-lease:#009E73}",
    ".raft-painter.rp-dark,html[data-theme=dark] .raft-painter{--rp-client:#e59bd0;--rp-lease:#3fcf9f}",
    ".raft-painter .rp-client-box{fill:var(--rp-bg);stroke:var(--rp-client);stroke-width:2}",
    ".raft-painter .rp-client.rp-busy .rp-client-box{stroke-width:3}",
    ".raft-painter .rp-client-name{font-size:13px;font-weight:700;fill:var(--rp-ink)}",
    ".raft-painter .rp-client-op{font-size:12px;fill:var(--rp-ink)}",
    ".raft-painter .rp-client-op.rp-done{fill:var(--rp-muted)}",
    ".raft-painter .rp-clink{stroke:var(--rp-client);stroke-width:1.3;stroke-dasharray:2 3}",
    ".raft-painter .rp-creq .rp-msg-box{fill:var(--rp-client);stroke:var(--rp-client)}",
    ".raft-painter .rp-creq .rp-msg-text{fill:" + ON_FILL + "}",
    ".raft-painter .rp-creq .rp-arrow{fill:var(--rp-client)}",
    ".raft-painter .rp-crep .rp-msg-box{fill:var(--rp-bg);stroke:var(--rp-client)}",
    ".raft-painter .rp-crep .rp-msg-text{fill:var(--rp-ink)}",
    ".raft-painter .rp-crep .rp-arrow{fill:var(--rp-client)}",
    ".raft-painter .rp-crep.rp-refused .rp-msg-box{stroke-dasharray:3 2}",
    ".raft-painter .rp-lease{fill:none;stroke:var(--rp-lease);stroke-width:3.5}",
    ".raft-painter .rp-reads-badge{fill:var(--rp-bg);stroke:var(--rp-lease);stroke-width:1.5}",
    ".raft-painter .rp-reads-text{font-size:12px;font-weight:700;fill:var(--rp-ink)}",
    ".raft-painter .rp-clock{font-size:12px;font-weight:700;fill:var(--rp-cut)}",
    "@media (prefers-reduced-motion: reduce){.raft-painter *{transition:none!important}}",
  ].join("");

  function addStyle(doc) {
    if (doc.getElementById("raft-painter-css")) return;
    var style = doc.createElement("style");
    style.id = "raft-painter-css";
    style.textContent = CSS;
    (doc.head || doc.documentElement).appendChild(style);
  }

  // -- small helpers ---------------------------------------------------------------------------

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }
  function n1(x) { return Math.round(x * 10) / 10; }
  function clamp(x, lo, hi) { return x < lo ? lo : x > hi ? hi : x; }
  function el(doc, tag, attrs, text) {
    var e = doc.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function termColour(term) {
    return term <= 0 ? "#ffffff" : TERM_COLOURS[(term - 1) % TERM_COLOURS.length];
  }
  var measureCtx = null;
  var widthCache = {};
  /* What entry `index` of server s's log carries, in words: "index 4, term 2: z=9, committed"
   * (the command only if the scene carries commands; first: the scene's logs.first). */
  function entryText(s, index, first) {
    var j = index - first, term = s.log.terms[j];
    var command = s.log.commands ? s.log.commands[j] : null;
    return "index " + index + ", term " + term + (command ? ": " + command : "") +
      (index <= s.commit_index ? ", committed" : ", not committed yet");
  }

  function textWidth(s, px, bold) {
    var key = (bold ? "b" : "") + px + "|" + s;
    if (widthCache[key] !== undefined) return widthCache[key];
    var w;
    try {
      if (!measureCtx) measureCtx = root.document.createElement("canvas").getContext("2d");
      measureCtx.font = (bold ? "600 " : "") + px + "px " + FONT;
      w = measureCtx.measureText(s).width;
    } catch (e) {
      w = s.length * px * 0.6;
    }
    if (!(w > 0)) w = s.length * px * 0.6;
    widthCache[key] = w;
    return w;
  }
  var ICONS = {
    back: "M6 5h2v14H6zM20 5v14L9 12z",
    play: "M7 4v16l13-8z",
    pause: "M6 4h4v16H6zM14 4h4v16h-4z",
    step: "M16 5h2v14h-2zM4 5v14l11-7z",
  };
  function icon(name) {
    return '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="' + ICONS[name] + '"/></svg>';
  }

  // -- decoding the scenes a page carries -------------------------------------------------------

  function base64Bytes(text) {
    var bin = root.atob(text.replace(/\s+/g, ""));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  /* The payload of <script type="application/json" class="raft-scenes">: {"format":
   * "raft-scenes", "version": 1, "encoding": "json" | "deflate+base64", "scenes": [...] or
   * "data": "..."} plus display options. Returns a Promise of {options, scenes}. */
  function decode(payload) {
    if (payload.encoding === "json") return Promise.resolve(payload.scenes);
    if (payload.encoding !== "deflate+base64") {
      return Promise.reject(new Error("unknown scene encoding " + payload.encoding));
    }
    var bytes = base64Bytes(payload.data);
    var stream = new Blob([bytes]).stream().pipeThrough(new root.DecompressionStream("deflate"));
    return new Response(stream).text().then(function (text) { return JSON.parse(text); });
  }

  // -- geometry ---------------------------------------------------------------------------------

  function circleLayout(ids, w, h) {
    var n = ids.length;
    var side = Math.min(w, h);
    var r = clamp(side * (n <= 5 ? 0.09 : n <= 7 ? 0.08 : 0.07), n <= 5 ? 24 : 19, 30);
    var cx = w / 2, cy = h / 2 + 6;
    var R = n > 1 ? side / 2 - r - 26 : 0;
    var pos = {};
    ids.forEach(function (id, k) {
      var a = 2 * Math.PI * k / n;
      pos[id] = { x: cx + R * Math.sin(a), y: cy - R * Math.cos(a) };
    });
    return { pos: pos, r: r, cx: cx, cy: cy, R: R, w: w, h: h };
  }

  /* Clients sit in a strip under the servers' circle: the picture grows by the strip. */
  var CLIENT_STRIP = 58;
  function clientLayout(L, names, svg) {
    L.cpos = {};
    L.ch = 0;
    var h = L.h;
    if (names.length) {
      var n = names.length, w = L.w, bw = Math.min(130, (w - 8) / n - 6);
      L.cw = bw;
      L.ch = 40;
      names.forEach(function (name, k) {
        L.cpos[name] = { x: (k + 0.5) * w / n, y: L.h + CLIENT_STRIP / 2 };
      });
      h = L.h + CLIENT_STRIP;
    }
    svg.setAttribute("height", h);
    svg.setAttribute("viewBox", "0 0 " + L.w + " " + h);
    L.fullH = h;
  }

  function arcPath(x, y, r, fraction) {
    if (fraction >= 0.999) {
      return "M" + n1(x) + " " + n1(y - r) + "A" + n1(r) + " " + n1(r) + " 0 1 1 " + n1(x - 0.01) +
        " " + n1(y - r) + "Z";
    }
    if (fraction <= 0.001) return "";
    var a = 2 * Math.PI * fraction;
    var ex = x + r * Math.sin(a), ey = y - r * Math.cos(a);
    return "M" + n1(x) + " " + n1(y - r) + "A" + n1(r) + " " + n1(r) + " 0 " + (fraction > 0.5 ? 1 : 0) +
      " 1 " + n1(ex) + " " + n1(ey);
  }

  /* Place message labels so that none overlaps another or a server: start from each message's
   * point on its link, then push overlapping boxes apart (deterministic: by message id). */
  function placeLabels(boxes, obstacles, w, h) {
    var i, j, a, b, dx, dy, ox, oy, moved;
    for (var pass = 0; pass < 200; pass++) {
      moved = false;
      for (i = 0; i < boxes.length; i++) {
        a = boxes[i];
        for (j = i + 1; j < boxes.length; j++) {
          b = boxes[j];
          dx = b.x - a.x; dy = b.y - a.y;
          ox = (a.w + b.w) / 2 + 2 - Math.abs(dx);
          oy = (a.h + b.h) / 2 + 2 - Math.abs(dy);
          if (ox > 0 && oy > 0) {
            moved = true;
            if (ox < oy * 1.6) {
              var sx = dx > 0 || (dx === 0 && a.id < b.id) ? 1 : -1;
              a.x -= sx * ox / 2 + 0.01; b.x += sx * ox / 2 + 0.01;
            } else {
              var sy = dy > 0 || (dy === 0 && a.id < b.id) ? 1 : -1;
              a.y -= sy * oy / 2 + 0.01; b.y += sy * oy / 2 + 0.01;
            }
          }
        }
        for (j = 0; j < obstacles.length; j++) {
          var o = obstacles[j];
          dx = a.x - o.x; dy = a.y - o.y;
          var d = Math.sqrt(dx * dx + dy * dy) || 0.001;
          var reach = o.r + Math.min(a.w, a.h) / 2;
          if (d < reach && pass < 120) {
            var push = Math.min(reach - d, 4);
            a.x += dx / d * push; a.y += dy / d * push;
            moved = true;
          }
        }
        a.x = clamp(a.x, a.w / 2 + 1, w - a.w / 2 - 1);
        a.y = clamp(a.y, a.h / 2 + 1, h - a.h / 2 - 1);
      }
      if (!moved) break;
    }
    return boxes;
  }

  // -- the painter --------------------------------------------------------------------------------

  function Painter(container, options) {
    options = options || {};
    this.doc = container.ownerDocument || root.document;
    this.win = this.doc.defaultView || root;
    addStyle(this.doc);
    this.box = container;
    this.options = options;
    this.scenes = [];
    this.index = 0;
    this.now = 0;
    this.playing = false;
    this.anim = null;
    this.speed = SPEEDS[2];
    this.handlers = { control: [], server: [], scene: [], more: [] };
    this.frames = 0;           // animation frames drawn (for the benchmark)
    this.width = 0;
    this._raf = null;
    this._build();
    var self = this;
    if (this.win.ResizeObserver) {
      this._resize = new this.win.ResizeObserver(function () { self._layout(); });
      this._resize.observe(container);
    }
    if (options.speed) this.setSpeed(options.speed);
    if (options.scenes) this.setScenes(options.scenes);
  }

  Painter.prototype._build = function () {
    var d = this.doc, box = this.box, o = this.options, self = this;
    box.classList.add("raft-painter");
    box.classList.add("rp-mounted");
    box.textContent = "";
    if (o.title) box.appendChild(el(d, "div", { "class": "rp-title" }, o.title));
    if (o.note) box.appendChild(el(d, "div", { "class": "rp-note" }, o.note));
    if (o.marks && o.marks.length) {
      // Buttons that show one frame (a grade's failed run: the mistake, the violation, where a
      // story failed), in a notebook; the book's pages draw their own beside the player.
      var marks = el(d, "div", { "class": "rp-marks" });
      o.marks.forEach(function (m) {
        var go = el(d, "button", { type: "button", "data-action": "mark", "data-index": String(m.index),
          title: m.title || null }, m.label);
        go.addEventListener("click", function () { self.pause(); self.show(m.index); });
        marks.appendChild(go);
      });
      box.appendChild(marks);
    }
    this.banner = el(d, "div", { "class": "rp-banner", role: "alert", hidden: "" });
    box.appendChild(this.banner);
    this.status = el(d, "div", { "class": "rp-status" });
    box.appendChild(this.status);
    var main = el(d, "div", { "class": "rp-main" });
    box.appendChild(main);
    var pictures = el(d, "div", { "class": "rp-pictures" });
    main.appendChild(pictures);
    this.clusterSvg = d.createElementNS(SVGNS, "svg");
    this.clusterSvg.setAttribute("class", "rp-cluster");
    this.clusterSvg.setAttribute("role", "img");
    // Layers, bottom to top: links, timer rings, servers, messages.
    this.clusterSvg.innerHTML = '<g class="rp-links"></g><g class="rp-rings"></g>' +
      '<g class="rp-servers"></g><g class="rp-clients"></g><g class="rp-msgs"></g>';
    var layers = this.clusterSvg.childNodes;
    this.linkLayer = layers[0];
    this.ringLayer = layers[1];
    this.serverLayer = layers[2];
    this.clientLayer = layers[3];
    this.msgLayer = layers[4];
    pictures.appendChild(this.clusterSvg);
    var right = el(d, "div", { "class": "rp-right" });
    pictures.appendChild(right);
    this.logSvg = d.createElementNS(SVGNS, "svg");
    this.logSvg.setAttribute("class", "rp-logs");
    this.logSvg.setAttribute("role", "img");
    right.appendChild(this.logSvg);
    // With clients (dissertation chapter 6): each server's copy of the key-value store, beside
    // the logs, since what a client reads comes from it (the state table has it too, folded).
    this.machines = el(d, "p", { "class": "rp-machines", hidden: "" });
    right.appendChild(this.machines);
    // What a log entry carries (its command), for the entry a reader tapped or clicked.
    this.entryInfo = el(d, "p", { "class": "rp-entry-info", "aria-live": "polite" });
    right.appendChild(this.entryInfo);
    this.picked = null;        // {server, index}: the entry whose command entryInfo shows
    this.safety = el(d, "ul", { "class": "rp-safety", "aria-label": "Safety properties of Figure 3" });
    // Beyond Figure 3, only in a picture with clients: whether the clients' history is
    // linearizable (a stale read leaves the five green), and why not, under the lights.
    this.clientsLight = el(d, "ul", { "class": "rp-clients-light", hidden: "",
      "aria-label": "Beyond Figure 3: the clients' history" });
    var lights = el(d, "div", { "class": "rp-lights" });
    lights.appendChild(this.safety);
    lights.appendChild(this.clientsLight);
    right.appendChild(lights);
    this.clientsWhy = el(d, "p", { "class": "rp-light-why", hidden: "" });
    right.appendChild(this.clientsWhy);

    this.controls = el(d, "div", { "class": "rp-controls", role: "group",
      "aria-label": "Animation controls" });
    var buttons = el(d, "div", { "class": "rp-buttons" });
    this.backButton = el(d, "button", { type: "button", "data-action": "back",
      "aria-label": "Back one event", title: "Back one event" });
    this.backButton.innerHTML = icon("back");
    this.playButton = el(d, "button", { type: "button", "data-action": "play",
      "aria-label": "Play", title: "Play" });
    this.playButton.innerHTML = icon("play");
    this.stepButton = el(d, "button", { type: "button", "data-action": "step",
      "aria-label": "Forward one event", title: "Forward one event" });
    this.stepButton.innerHTML = icon("step");
    buttons.appendChild(this.backButton);
    buttons.appendChild(this.playButton);
    buttons.appendChild(this.stepButton);
    this.controls.appendChild(buttons);
    this.slider = el(d, "input", { type: "range", "class": "rp-slider", min: "1", max: "1",
      value: "1", step: "1", "data-action": "seek", "aria-label": "Event" });
    this.controls.appendChild(this.slider);
    this.counter = el(d, "output", { "class": "rp-counter", "aria-label": "Event number" });
    this.controls.appendChild(this.counter);
    this.speedSelect = el(d, "select", { "class": "rp-speed", "data-action": "speed",
      "aria-label": "Speed", title: "Speed" });
    SPEEDS.forEach(function (s) {
      var opt = el(d, "option", { value: s.name }, s.label);
      if (s === self.speed) opt.selected = true;
      self.speedSelect.appendChild(opt);
    });
    this.controls.appendChild(this.speedSelect);
    if (o.controls === false) this.controls.hidden = true;
    main.insertBefore(this.controls, pictures.nextSibling);
    this.caption = el(d, "div", { "class": "rp-caption", "aria-live": "polite", "aria-atomic": "true" });
    main.insertBefore(this.caption, this.controls.nextSibling);
    this.pictures = pictures;

    // The legend is open in the first player of a page and folded in the others.
    this.legend = el(d, "details", { "class": "rp-legend" });
    var first = !d.querySelector(".raft-painter .rp-legend");
    if (o.legend === "open" || (o.legend !== "closed" && first)) this.legend.open = true;
    this.legend.appendChild(el(d, "summary", null, "What the marks mean"));
    this.legendList = el(d, "ul");
    this.legend.appendChild(this.legendList);
    box.appendChild(this.legend);
    if (o.table !== false) {
      this.tableBox = el(d, "details", { "class": "rp-state" });
      this.tableBox.appendChild(el(d, "summary", null, "Each server's state (Figure 2)"));
      this.tableWrap = el(d, "div", { "class": "rp-table-wrap" });
      this.tableBox.appendChild(this.tableWrap);
      box.appendChild(this.tableBox);
      this.tableBox.addEventListener("toggle", function () {
        if (self.tableBox.open && self.scenes.length) self._drawText(self.scenes[self.index]);
      });
    }
    this._fillLegend();

    this.playButton.addEventListener("click", function () {
      if (self.playing) self.pause(); else self.play();
    });
    this.stepButton.addEventListener("click", function () { self.step(); });
    this.backButton.addEventListener("click", function () { self.back(); });
    this.slider.addEventListener("input", function () {
      self.pause();
      self.show(parseInt(self.slider.value, 10) - 1);
      self._emit("control", { action: "seek", index: self.index });
    });
    this.speedSelect.addEventListener("change", function () {
      self.setSpeed(self.speedSelect.value);
      self._emit("control", { action: "speed", speed: self.speed.name });
    });
    this.logSvg.addEventListener("click", function (ev) {
      var cell = ev.target.closest ? ev.target.closest("[data-entry]") : null;
      if (!cell) return;
      var at = cell.getAttribute("data-entry").split(":");
      self.picked = { server: parseInt(at[0], 10), index: parseInt(at[1], 10) };
      self._drawEntryInfo(self.scenes[self.index]);
    });
    this.clusterSvg.addEventListener("click", function (ev) {
      var g = ev.target.closest ? ev.target.closest("[data-server]") : null;
      if (!g) return;
      self._emit("server", { server: parseInt(g.getAttribute("data-server"), 10),
        role: g.getAttribute("data-role"), index: self.index });
    });
  };

  Painter.prototype._fillLegend = function () {
    var items = [
      ['<rect x="1" y="3" width="34" height="18" rx="9" class="rp-msg-box"/><text x="18" y="16.5" text-anchor="middle" class="rp-msg-text">RV</text>',
        "request", "RequestVote: a candidate asks for a vote"],
      ['<rect x="1" y="3" width="34" height="18" rx="9" class="rp-msg-box"/><text x="18" y="16.5" text-anchor="middle" class="rp-msg-text">AE 2</text>',
        "request", "AppendEntries carrying 2 log entries"],
      ['<rect x="1" y="3" width="34" height="18" rx="9" class="rp-msg-box"/><text x="18" y="16.5" text-anchor="middle" class="rp-msg-text">hb</text>',
        "heartbeat", "heartbeat: AppendEntries with no entries"],
      ['<rect x="1" y="3" width="34" height="18" rx="9" class="rp-msg-box"/><text x="18" y="16.5" text-anchor="middle" class="rp-msg-text">ok</text>',
        "reply", "filled: a request; outlined: a reply (vote ✓ granted, ok: appended)"],
      ['<rect x="1" y="3" width="34" height="18" rx="9" class="rp-msg-box"/><text x="18" y="16.5" text-anchor="middle" class="rp-msg-text">✗</text>',
        "reply rp-refused", "dashed outline, ✗: refused (vote ✗, fail: no matching entry)"],
      ['<path d="M2 12h22" class="rp-link"/><path d="M24 6l10 6l-10 6z" class="rp-arrow" style="fill:var(--rp-req)"/>',
        "", "a message moves from sender to receiver; the arrow shows where"],
      ['<path d="M2 12h32" class="rp-link rp-cut"/>', "", "dashed line: the network between two servers is cut"],
      ['<circle cx="18" cy="12" r="9" class="rp-ring-bg"/><path d="' + arcPath(18, 12, 9, 0.6) + '" class="rp-ring"/>',
        "", "ring: election timer, the arc is the time left"],
      ['<circle cx="18" cy="12" r="9" class="rp-disc" style="fill:' + ROLE_FILL.leader + ';stroke-width:3.5"/><text x="18" y="16" text-anchor="middle" class="rp-term">L</text>',
        "", "leader (crown, thick ring); C candidate (dashed); F follower"],
      ['<circle cx="8" cy="12" r="4" class="rp-vote rp-have"/><circle cx="18" cy="12" r="4" class="rp-vote rp-coming"/><circle cx="28" cy="12" r="4" class="rp-vote"/>',
        "", "a candidate's votes: received, on the way, not (yet) granted"],
      ['<rect x="2" y="3" width="15" height="18" class="rp-entry" style="fill:' + termColour(2) + '"/><rect x="19" y="3" width="15" height="18" class="rp-entry rp-open" style="fill:' + termColour(2) + '"/>',
        "", "log entry of a term: solid committed, dashed not yet committed"],
      ['<rect x="2" y="2" width="12" height="14" class="rp-entry" style="fill:' + termColour(1) + '"/><rect x="14" y="0" width="3" height="18" class="rp-commit"/><rect x="2" y="19" width="15" height="3" class="rp-match"/><path d="M26 15l6 8h-12z" class="rp-next"/>',
        "", "bar: commit index; underline: the leader's match_index; ▲ its next_index"],
      ['<rect x="3" y="3" width="30" height="18" class="rp-flag"/>', "",
        "outlined: an entry named by a broken safety property"],
      ['<rect x="2" y="3" width="32" height="18" class="rp-snap"/>', "",
        "grey block: entries compacted into a snapshot (§7)"],
    ];
    var html = "";
    items.forEach(function (it) {
      html += '<li><svg width="36" height="24" viewBox="0 0 36 24" aria-hidden="true"><g class="' +
        (it[1] ? "rp-" + it[1].split(" ").join(" rp-") : "") + '">' + it[0] + "</g></svg><span>" +
        esc(it[2]) + "</span></li>";
    });
    this.legendList.innerHTML = html;
  };

  /* The marks of clients and reads (dissertation chapter 6), added to the legend the first time
   * a scene with clients is shown. */
  Painter.prototype._fillClientLegend = function () {
    if (this._clientLegend) return;
    this._clientLegend = true;
    var items = [
      ['<rect x="1" y="2" width="34" height="20" rx="5" class="rp-client-box"/><text x="18" y="16" text-anchor="middle" class="rp-client-name">c1</text>',
        "", "a client: the operation it waits for (wait:), or its last one (✓ returned, ✗ gave up)"],
      ['<rect x="1" y="3" width="34" height="18" rx="9" class="rp-msg-box"/><text x="18" y="16.5" text-anchor="middle" class="rp-msg-text">get</text>',
        "creq", "a client's request (put, append or get)"],
      ['<rect x="1" y="3" width="34" height="18" rx="9" class="rp-msg-box"/><text x="18" y="16.5" text-anchor="middle" class="rp-msg-text">= 2</text>',
        "crep", "a server's answer (dashed: not the leader, try another)"],
      ['<path d="M2 12h32" class="rp-clink"/>', "", "dotted: the server a client waits for"],
      ['<circle cx="18" cy="12" r="9" class="rp-ring-bg"/><path d="' + arcPath(18, 12, 9, 0.6) + '" class="rp-lease"/>',
        "", "green ring: a leader's lease for reads, the arc is the time left (§6.4.1)"],
      ['<rect x="8" y="4" width="20" height="16" rx="4" class="rp-reads-badge"/><text x="18" y="16" text-anchor="middle" class="rp-reads-text">R1</text>',
        "", "R1: one read waits at this server (for a round of heartbeats, or to be applied)"],
      ['<rect x="1" y="3" width="34" height="18" rx="9" class="rp-msg-box"/><text x="18" y="16.5" text-anchor="middle" class="rp-msg-text">HB</text>',
        "heartbeat", "HB r3: round 3 of heartbeats that confirm leadership for reads (HB ✓: acknowledged)"],
    ];
    var html = "";
    items.forEach(function (it) {
      html += '<li><svg width="36" height="24" viewBox="0 0 36 24" aria-hidden="true"><g class="' +
        (it[1] ? "rp-" + it[1] : "") + '">' + it[0] + "</g></svg><span>" + esc(it[2]) + "</span></li>";
    });
    this.legendList.insertAdjacentHTML("beforeend", html);
  };

  // -- the public interface -------------------------------------------------------------------

  /* Replace every scene; show scene `index` (default: the first). */
  Painter.prototype.setScenes = function (scenes, index) {
    this.pause();
    this.scenes = scenes.slice();
    this.show(index === undefined ? 0 : index);
  };

  /* Add one scene at the end (a live cluster took a step). If the painter was waiting for it
   * (Play or Step at the last scene), it moves on to it. */
  Painter.prototype.push = function (scene) {
    this.scenes.push(scene);
    this._updateControls();
    if (this._waiting) {
      var mode = this._waiting;
      this._waiting = null;
      if (mode === "step" && --this._wanted > 0) this._waiting = "step";   // more presses
      if (this.anim) this.show(this.anim.to);   // a hand step still moving: finish it
      this._animate(this.index, mode === "play", mode === "step");
    }
  };

  Painter.prototype.on = function (event, fn) {
    if (!this.handlers[event]) throw new Error("unknown painter event " + event);
    this.handlers[event].push(fn);
    if (event === "server") this.box.classList.add("rp-clickable");
    return this;
  };

  Painter.prototype._emit = function (event, data) {
    this.handlers[event].forEach(function (fn) { fn(data); });
  };

  Painter.prototype.setSpeed = function (name) {
    var s = SPEEDS.filter(function (x) { return x.name === name; })[0];
    if (!s) throw new Error("unknown speed " + name);
    this.speed = s;
    this.speedSelect.value = s.name;
  };

  /* Show scene k at its own time (stops any transition). */
  Painter.prototype.show = function (k) {
    if (!this.scenes.length) return;
    k = clamp(k, 0, this.scenes.length - 1);
    this.anim = null;
    this.index = k;
    this.now = this.scenes[k].time;
    this._drawScene();
    this._emit("scene", { index: k, scene: this.scenes[k] });
  };

  /* Show scene k with time run the fraction f (0..1) of the way to scene k + 1, as a frame of
   * the transition would (for tests and the benchmark; playback does this on its own). */
  Painter.prototype.seek = function (k, f) {
    this.pause();
    this.show(k);
    if (!f || k >= this.scenes.length - 1) return;
    var s0 = this.scenes[k], s1 = this.scenes[k + 1];
    this.now = s0.time + (s1.time - s0.time) * clamp(f, 0, 1);
    this._drawDynamic(s0, this.now);
  };

  Painter.prototype.play = function () {
    if (!this.scenes.length) return;
    this._emit("control", { action: "play", index: this.index });
    if (this.index >= this.scenes.length - 1 && !this.anim) {
      if (this.handlers.more.length) {
        this._setPlaying(true);
        this._waiting = "play";
        this._emit("more", { index: this.index, mode: "play" });
        return;
      }
      this.show(0);  // Play on the last scene starts again from the first
    }
    this._setPlaying(true);
    if (!this.anim) {
      this._animate(this.index, true);
    } else {                      // resume a transition paused half-way
      this.anim.start = this.win.performance.now() - (this.anim.elapsed || 0);
      this.anim.keep = true;
      this._tick();
    }
  };

  Painter.prototype.pause = function () {
    var was = this.playing;
    this._setPlaying(false);
    this._waiting = null;
    this._wanted = 0;
    if (this._raf !== null) { this.win.cancelAnimationFrame(this._raf); this._raf = null; }
    if (was) this._emit("control", { action: "pause", index: this.index });
  };

  /* Forward one event: let time run to the next scene, then stop. */
  Painter.prototype.step = function () {
    this._emit("control", { action: "step", index: this.index });
    this._setPlaying(false);
    if (this.anim) {   // finish the transition under way
      var hand = this.anim.hand;
      this.show(this.anim.to);
      if (!hand) return;   // Play's transition (or one paused half-way): it stops there
    }
    if (this.index >= this.scenes.length - 1) {
      if (this.handlers.more.length) {
        // Each press asks for one more event; presses made while one is on its way count.
        this._wanted = (this._waiting === "step" ? this._wanted : 0) + 1;
        this._waiting = "step";
        this._emit("more", { index: this.index, mode: "step" });
      }
      return;
    }
    this._animate(this.index, false, true);
  };

  Painter.prototype.back = function () {
    this.pause();
    var k = this.anim ? this.anim.from : this.index - 1;
    this.show(Math.max(0, k));
    this._emit("control", { action: "back", index: this.index });
  };

  Painter.prototype.destroy = function () {
    this.pause();
    if (this._resize) this._resize.disconnect();
  };

  // -- playback ------------------------------------------------------------------------------------

  Painter.prototype._setPlaying = function (on) {
    this.playing = on;
    this.playButton.setAttribute("data-action", on ? "pause" : "play");
    this.playButton.setAttribute("aria-label", on ? "Pause" : "Play");
    this.playButton.title = on ? "Pause" : "Play";
    this.playButton.innerHTML = icon(on ? "pause" : "play");
  };

  Painter.prototype._durations = function (from, to, withDwell, hand) {
    var s = this.speed;
    var dt = this.scenes[to].time - this.scenes[from].time;
    var travel = s.fixed !== undefined ? s.fixed : clamp(dt * s.travel, s.min, s.cap);
    if (hand) travel = Math.min(travel, HAND_STEP);
    return { dwell: withDwell ? s.dwell : 0, travel: travel };
  };

  /* Move from scene `from` to the next: Play's transitions (keepPlaying: and on to the next)
   * or a Step pressed by hand (hand: short, see HAND_STEP). */
  Painter.prototype._animate = function (from, keepPlaying, hand) {
    if (from >= this.scenes.length - 1) {
      if (keepPlaying && this.handlers.more.length) {
        this._waiting = "play";
        this._emit("more", { index: this.index, mode: "play" });
        return;
      }
      this._setPlaying(false);
      return;
    }
    var d = this._durations(from, from + 1, keepPlaying, hand);
    this.anim = { from: from, to: from + 1, start: this.win.performance.now(), dwell: d.dwell,
      travel: d.travel, keep: keepPlaying, hand: !!hand };
    this._tick();
  };

  Painter.prototype._tick = function () {
    var self = this;
    if (this._raf !== null) return;
    this._raf = this.win.requestAnimationFrame(function (t) {
      self._raf = null;
      self._frame(t);
    });
  };

  Painter.prototype._frame = function (t) {
    var a = this.anim;
    if (!a) return;
    var elapsed = t - a.start;
    a.elapsed = elapsed;
    var s0 = this.scenes[a.from], s1 = this.scenes[a.to];
    if (elapsed < a.dwell) {
      this._tick();
      return;
    }
    var f = a.travel > 0 ? clamp((elapsed - a.dwell) / a.travel, 0, 1) : 1;
    if (f >= 1) {
      this.frames++;
      this.show(a.to);
      if (a.keep && this.playing) this._animate(this.index, true);
      return;
    }
    this.now = s0.time + (s1.time - s0.time) * f;
    this._drawDynamic(s0, this.now);
    this.frames++;
    this._tick();
  };

  // -- drawing ------------------------------------------------------------------------------------

  Painter.prototype._layout = function () {
    var w = Math.floor(this.box.clientWidth - 18);
    if (w <= 0 || w === this.width) return;
    this.width = w;
    var wide = w >= 620;
    this.box.classList.toggle("rp-wide", wide);
    var cw = wide ? Math.min(Math.floor(w * 0.47), 440) : Math.min(w, 460);
    var ch = Math.round(cw * (wide ? 0.92 : 0.94));
    this.geom = { cw: cw, ch: ch, lw: wide ? w - cw - 12 : w };
    this.clusterSvg.setAttribute("width", cw);
    this.clusterSvg.setAttribute("height", ch);
    this.clusterSvg.setAttribute("viewBox", "0 0 " + cw + " " + ch);
    this._ids = null;
    if (this.scenes.length) this._drawScene();
  };

  Painter.prototype._drawScene = function () {
    if (!this.geom) { this._layout(); if (!this.geom) return; }
    var scene = this.scenes[this.index];
    if (!scene) return;
    var ids = scene.servers.map(function (s) { return s.id; });
    var names = (scene.clients || []).map(function (c) { return c.name; });
    if (!this._ids || this._ids.join() !== ids.join() || this._clientNames !== names.join()) {
      this._ids = ids;
      this._clientNames = names.join();
      this.layout = circleLayout(ids, this.geom.cw, this.geom.ch);
      clientLayout(this.layout, names, this.clusterSvg);
      if (names.length) this._fillClientLegend();
    }
    // Redraw only what changed since the last scene drawn: consecutive scenes often share their
    // servers or their logs, and a cheap scene change keeps playback smooth on a slow machine.
    var layoutKey = this.geom.cw + "x" + this.geom.ch + "/" + this.geom.lw;
    var servers = scene.servers.map(function (s) {
      return [s.id, s.role, s.crashed, s.term, s.voter, s.votes];
    });
    var staticKey = layoutKey + JSON.stringify([servers, scene.network]);
    if (staticKey !== this._staticKey) { this._drawStatic(scene); this._staticKey = staticKey; }
    this._drawClients(scene);
    this._drawDynamic(scene, this.now);
    var logs = scene.servers.map(function (s) {
      return [s.log, s.commit_index, s.next_index, s.match_index, s.crashed, s.role, s.log_length];
    });
    var logKey = layoutKey + JSON.stringify([logs, scene.logs, scene.flagged, scene.leader]);
    if (logKey !== this._logKey) { this._drawLogs(scene); this._logKey = logKey; }
    this._drawText(scene);
    this._updateControls();
  };

  Painter.prototype._drawStatic = function (scene) {
    var L = this.layout, pos = L.pos, r = L.r, out = [];
    var groups = null, cutOff = {};
    if (scene.network.partition) {
      groups = {};
      scene.network.partition.forEach(function (g, k) { g.forEach(function (i) { groups[i] = k; }); });
    }
    scene.network.disconnected.forEach(function (i) { cutOff[i] = true; });
    var cutLink = {};
    (scene.network.cut || []).forEach(function (l) { cutLink[l[0] + "-" + l[1]] = true; });
    var ids = this._ids, links = [];
    for (var a = 0; a < ids.length; a++) {
      for (var b = a + 1; b < ids.length; b++) {
        var i = ids[a], j = ids[b];
        var cut = cutOff[i] || cutOff[j] || cutLink[Math.min(i, j) + "-" + Math.max(i, j)] ||
          (groups && (groups[i] === undefined ? -i : groups[i]) !== (groups[j] === undefined ? -j : groups[j]));
        links.push('<path d="M' + n1(pos[i].x) + " " + n1(pos[i].y) + "L" + n1(pos[j].x) + " " +
          n1(pos[j].y) + '" class="rp-link' + (cut ? " rp-cut" : "") + '" data-link="' + i + "-" + j + '"/>');
      }
    }
    scene.servers.forEach(function (s) {
      var p = pos[s.id], x = p.x, y = p.y;
      var role = s.crashed ? "crashed" : s.role;
      var cls = "rp-server rp-" + role + (s.voter ? "" : " rp-nonvoter");
      var label = "S" + s.id + ", " + (s.crashed ? "crashed" : s.role) + ", term " + s.term;
      out.push('<g class="' + cls + '" data-server="' + s.id + '" data-role="' + role +
        '" aria-label="' + esc(label) + '">');
      out.push('<circle cx="' + n1(x) + '" cy="' + n1(y) + '" r="' + n1(r) + '" class="rp-disc" style="fill:' +
        (s.crashed ? "#9aa1a9" : ROLE_FILL[s.role]) + '"/>');
      out.push('<text x="' + n1(x) + '" y="' + n1(y - 2) + '" text-anchor="middle" class="rp-name">S' + s.id + "</text>");
      out.push('<text x="' + n1(x) + '" y="' + n1(y + 13) + '" text-anchor="middle" class="rp-term">' +
        (r >= 24 ? "term " : "t") + s.term + "</text>");
      if (s.crashed) {
        var dd = r * 0.7;
        out.push('<path d="M' + n1(x - dd) + " " + n1(y - dd) + "L" + n1(x + dd) + " " + n1(y + dd) + "M" +
          n1(x + dd) + " " + n1(y - dd) + "L" + n1(x - dd) + " " + n1(y + dd) + '" class="rp-cross"/>');
        out.push('<text x="' + n1(x) + '" y="' + n1(y + r + 16) + '" text-anchor="middle" class="rp-sub">crashed</text>');
      } else {
        var bx = x + r * 0.78, by = y - r * 0.78;
        out.push('<circle cx="' + n1(bx) + '" cy="' + n1(by) + '" r="9" class="rp-badge"/>');
        out.push('<text x="' + n1(bx) + '" y="' + n1(by + 4) + '" text-anchor="middle" class="rp-badge-text">' +
          ROLE_LETTER[s.role] + "</text>");
        if (s.role === "leader") {
          var cw = 22, chh = 12, l = x - cw / 2, t = y - r - 3 - chh;
          out.push('<path d="M' + n1(l) + " " + n1(y - r - 3) + "L" + n1(l) + " " + n1(t + 2) + "L" +
            n1(l + cw * 0.27) + " " + n1(t + chh * 0.55) + "L" + n1(x) + " " + n1(t) + "L" +
            n1(l + cw * 0.73) + " " + n1(t + chh * 0.55) + "L" + n1(l + cw) + " " + n1(t + 2) + "L" +
            n1(l + cw) + " " + n1(y - r - 3) + 'Z" class="rp-crown"/>');
        }
        if (s.votes) {
          var voters = s.votes.voters, gap = 11, x0 = x - (voters.length - 1) * gap / 2;
          voters.forEach(function (v, k) {
            var st = s.votes.have.indexOf(v) >= 0 ? " rp-have" : s.votes.coming.indexOf(v) >= 0 ? " rp-coming" : "";
            out.push('<circle cx="' + n1(x0 + k * gap) + '" cy="' + n1(y + r + 12) + '" r="4" class="rp-vote' + st + '"/>');
          });
        }
      }
      out.push("</g>");
    });
    this.linkLayer.innerHTML = links.join("");
    this.serverLayer.innerHTML = out.join("");
  };

  Painter.prototype._messageBoxes = function (scene, now) {
    var L = this.layout, pos = L.pos, r = L.r, boxes = [];
    var gap = r + 7, cpos = L.cpos || {};
    var all = scene.client_messages ? scene.messages.concat(scene.client_messages) : scene.messages;
    all.forEach(function (m) {
      var a = pos[m.from] || cpos[m.from], b = pos[m.to] || cpos[m.to];
      if (!a || !b) return;
      var dx = b.x - a.x, dy = b.y - a.y, d = Math.sqrt(dx * dx + dy * dy) || 1;
      var ux = dx / d, uy = dy / d;
      var span = m.due - m.sent;
      var p = span <= 0 ? 1 : clamp((now - m.sent) / span, 0, 1);
      var w = textWidth(m.label, 12, true) + 12, h = 18;
      var along = gap + (Math.abs(ux) * w + Math.abs(uy) * h) / 2;
      var travel = Math.max(0, d - 2 * along);
      var side = (typeof m.from === "string" || typeof m.to === "string") ? (m.reply ? -8 : 8) :
        m.from < m.to ? 8 : -8;   // requests and replies on one link pass side by side
      var x = a.x + ux * (along + travel * p) - uy * side;
      var y = a.y + uy * (along + travel * p) + ux * side;
      boxes.push({ id: m.id, m: m, x: x, y: y, w: w, h: h, ux: ux, uy: uy });
    });
    var obstacles = this._ids.map(function (id) { return { x: pos[id].x, y: pos[id].y, r: r + 5 }; });
    return placeLabels(boxes, obstacles, L.w, L.fullH || L.h);
  };

  /* What moves: timer arcs and messages. Called for every animation frame, so it keeps its
   * elements (by server and by message id) and only moves them: a timer's arc gets a new path,
   * a message's group a new translation. */
  Painter.prototype._drawDynamic = function (scene, now) {
    var L = this.layout, pos = L.pos, r = L.r, doc = this.doc, self = this;
    if (this._dynFor !== L) {            // a new layout: start the moving parts afresh
      this._dynFor = L;
      this._rings = {};
      this._msgs = {};
      this.ringLayer.textContent = "";
      this.msgLayer.textContent = "";
    }
    // Election timers: a faint full ring and, over it, an arc for the time left.
    var rings = this._rings, seen = {};
    scene.servers.forEach(function (s) {
      if (!s.timer) return;
      var p = pos[s.id], span = s.timer.deadline - s.timer.start;
      var left = span <= 0 ? 0 : clamp((s.timer.deadline - now) / span, 0, 1);
      var ring = rings[s.id];
      if (!ring) {
        var g = doc.createElementNS(SVGNS, "g");
        g.innerHTML = '<circle cx="' + n1(p.x) + '" cy="' + n1(p.y) + '" r="' + n1(r + 5) +
          '" class="rp-ring-bg"/><path class="rp-ring" data-timer="' + s.id + '"/>';
        self.ringLayer.appendChild(g);
        ring = rings[s.id] = { g: g, arc: g.lastChild, d: null };
      }
      var d = arcPath(p.x, p.y, r + 5, left);
      if (d !== ring.d) {
        if (d) ring.arc.setAttribute("d", d); else ring.arc.removeAttribute("d");
        ring.d = d;
      }
      seen[s.id] = true;
    });
    // Leases (dissertation §6.4.1): a green arc outside the server for the time left.
    if (scene.reads) {
      scene.reads.servers.forEach(function (q) {
        if (q.lease_until === null || q.lease_until <= now) return;
        var p = pos[q.id], key = "lease" + q.id;
        var left = clamp((q.lease_until - now) / (scene.reads.lease_ms / (q.clock_rate || 1)), 0, 1);
        var ring = rings[key];
        if (!ring) {
          var g = doc.createElementNS(SVGNS, "g");
          g.innerHTML = '<path class="rp-lease" data-lease="' + q.id + '"/>';
          self.ringLayer.appendChild(g);
          ring = rings[key] = { g: g, arc: g.lastChild, d: null };
        }
        var d = arcPath(p.x, p.y, r + 11, left);
        if (d !== ring.d) {
          if (d) ring.arc.setAttribute("d", d); else ring.arc.removeAttribute("d");
          ring.d = d;
        }
        seen[key] = true;
      });
    }
    Object.keys(rings).forEach(function (id) {
      if (!seen[id]) { self.ringLayer.removeChild(rings[id].g); delete rings[id]; }
    });
    // Messages: a capsule with its label and an arrowhead in front, pointing where it goes.
    var msgs = this._msgs;
    seen = {};
    this._messageBoxes(scene, now).forEach(function (b) {
      var m = b.m;
      var client = m.kind === "ClientRequest" || m.kind === "ClientReply";
      var cls = client ? (m.reply ? "rp-crep" + (m.ok === false ? " rp-refused" : "") : "rp-creq") :
        m.reply ? "rp-reply" + (m.ok === false ? " rp-refused" : "") :
        m.entries === 0 ? "rp-heartbeat" : "rp-request";
      var key = m.id + "|" + m.from + "|" + m.to + "|" + m.label;
      var item = msgs[m.id];
      if (item && item.key !== key) { self.msgLayer.removeChild(item.g); item = null; }
      if (!item) {
        var ext = (Math.abs(b.ux) * b.w + Math.abs(b.uy) * b.h) / 2;
        var tx = b.ux * (ext + 7), ty = b.uy * (ext + 7);
        var bx = b.ux * (ext - 1), by = b.uy * (ext - 1);
        var px = -b.uy * 5, py = b.ux * 5;
        var g = doc.createElementNS(SVGNS, "g");
        g.setAttribute("class", "rp-msg " + cls);
        g.setAttribute("data-message", m.id);
        g.setAttribute("data-kind", m.kind);
        var who = function (x) { return typeof x === "string" ? x : "S" + x; };
        g.innerHTML = "<title>" + esc(who(m.from) + " → " + who(m.to) + ": " + m.summary) + "</title>" +
          '<path d="M' + n1(tx) + " " + n1(ty) + "L" + n1(bx + px) + " " + n1(by + py) + "L" +
          n1(bx - px) + " " + n1(by - py) + 'Z" class="rp-arrow"/>' +
          '<rect x="' + n1(-b.w / 2) + '" y="' + n1(-b.h / 2) + '" width="' + n1(b.w) + '" height="' +
          b.h + '" rx="9" class="rp-msg-box"/>' +
          '<text x="0" y="4.3" text-anchor="middle" class="rp-msg-text">' + esc(m.label) + "</text>";
        self.msgLayer.appendChild(g);
        item = msgs[m.id] = { g: g, key: key };
      }
      item.g.setAttribute("transform", "translate(" + n1(b.x) + " " + n1(b.y) + ")");
      seen[m.id] = true;
    });
    Object.keys(msgs).forEach(function (id) {
      if (!seen[id]) { self.msgLayer.removeChild(msgs[id].g); delete msgs[id]; }
    });
  };

  /* Clients: a box each under the servers, what it waits for (and a dotted line to the server it
   * waits on) or what its last operation returned; a badge on servers where reads wait; a
   * server whose clock drifts says so. Redrawn with every scene (a few elements). */
  Painter.prototype._drawClients = function (scene) {
    var L = this.layout, out = [];
    if (scene.clients && scene.clients.length) {
      var bw = L.cw, bh = L.ch;
      scene.clients.forEach(function (c) {
        var p = L.cpos[c.name];
        if (!p) return;
        var w = c.waiting, line;
        if (w) {
          var s = L.pos[w.server];
          if (s) {
            out.push('<path d="M' + n1(p.x) + " " + n1(p.y - bh / 2) + "L" + n1(s.x) + " " + n1(s.y) +
              '" class="rp-clink" data-client-link="' + esc(c.name) + '"/>');
          }
          line = "wait: " + w.op + (w.attempt > 1 ? " #" + w.attempt : "");
        } else if (c.last) {
          line = c.last.ret === null ? "✗ " + c.last.op + " gave up" :
            "✓ " + c.last.op + (c.last.output === null ? "" : " = " + JSON.stringify(c.last.output));
        } else {
          line = "idle";
        }
        var maxChars = Math.max(6, Math.floor((bw - 8) / 6.2));
        if (line.length > maxChars) line = line.slice(0, maxChars - 1) + "…";
        out.push('<g class="rp-client' + (w ? " rp-busy" : "") + '" data-client="' + esc(c.name) + '">' +
          "<title>" + esc(c.name + ": " + (w ? "waits for " + w.op + " from S" + w.server : line)) + "</title>" +
          '<rect x="' + n1(p.x - bw / 2) + '" y="' + n1(p.y - bh / 2) + '" width="' + n1(bw) + '" height="' + bh +
          '" rx="6" class="rp-client-box"/>' +
          '<text x="' + n1(p.x) + '" y="' + n1(p.y - 4) + '" text-anchor="middle" class="rp-client-name">' +
          esc(c.name) + (c.queued ? " +" + c.queued : "") + "</text>" +
          '<text x="' + n1(p.x) + '" y="' + n1(p.y + 12) + '" text-anchor="middle" class="rp-client-op' +
          (w ? "" : " rp-done") + '">' + esc(line) + "</text></g>");
      });
    }
    if (scene.reads) {
      scene.reads.servers.forEach(function (q) {
        var p = L.pos[q.id];
        if (!p) return;
        if (q.waiting > 0) {
          var bx = p.x - L.r * 0.78 - 10, by = p.y + L.r * 0.78 - 8;
          out.push('<g data-reads="' + q.id + '"><rect x="' + n1(bx) + '" y="' + n1(by) +
            '" width="20" height="16" rx="4" class="rp-reads-badge"/><text x="' + n1(bx + 10) + '" y="' +
            n1(by + 12) + '" text-anchor="middle" class="rp-reads-text">R' + q.waiting + "</text></g>");
        }
        if (q.clock_rate !== 1) {
          out.push('<text x="' + n1(p.x + L.r + 4) + '" y="' + n1(p.y + L.r) + '" class="rp-clock">clock ×' +
            q.clock_rate + "</text>");
        }
      });
    }
    this.clientLayer.innerHTML = out.join("");
  };

  Painter.prototype._drawLogs = function (scene) {
    var w = this.geom.lw, rows = scene.servers, labelW = 50, top = 22;
    var first = scene.logs.first, last = Math.max(scene.logs.last, first);
    var total = last - first + 1;
    var cols = Math.max(1, Math.min(total, Math.floor((w - labelW - 4) / 19)));
    var cell = Math.min(28, Math.floor((w - labelW - 4) / Math.max(cols, 8)));
    var shownFirst = last - cols + 1;
    var pitch = cell + 12;     // under each row: the match_index bar and the next_index mark
    var h = top + pitch * rows.length + 4;
    var svg = this.logSvg, out = [];
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    function cx(i) { return labelW + (i - shownFirst) * cell; }
    out.push('<text x="2" y="13" class="rp-index">' + (shownFirst > 1 ? "◀ " + (shownFirst - 1) + " more" : "index") + "</text>");
    for (var i = shownFirst; i <= last; i++) {
      if (cell < 22 && (i - shownFirst) % 2 === 1 && i !== last) continue;
      out.push('<text x="' + n1(cx(i) + cell / 2) + '" y="' + (top - 6) + '" text-anchor="middle" class="rp-index">' + i + "</text>");
    }
    var flagged = {};
    scene.flagged.forEach(function (f) { flagged[f[0] + ":" + f[1]] = true; });
    var leader = scene.leader;
    rows.forEach(function (s, k) {
      var y = top + k * pitch + 2, size = cell - 2;
      var tag = s.crashed ? "✕" : s.role === "follower" ? "" : ROLE_LETTER[s.role];
      out.push('<g class="rp-log-row' + (s.crashed ? " rp-faded" : "") + '" data-log="' + s.id + '">');
      out.push('<text x="2" y="' + n1(y + 16) + '" class="rp-log-label' + (s.crashed ? " rp-down" : "") + '">S' + s.id + " " + tag + "</text>");
      out.push('<rect x="' + labelW + '" y="' + y + '" width="' + cols * cell + '" height="' + cell + '" class="rp-slot"/>');
      var snap = s.log.snapshot || null;   // entries up to snap.index are in a snapshot (§7)
      if (snap && snap.index >= shownFirst) {
        var sx = cx(shownFirst) + 1, ex = cx(Math.min(snap.index, last)) + cell - 1;
        out.push('<rect x="' + sx + '" y="' + (y + 1) + '" width="' + n1(ex - sx) + '" height="' + size + '" class="rp-snap"/>');
        var word = "snapshot ≤ " + snap.index, short = "≤ " + snap.index;
        var text = textWidth(word, 12, true) + 8 <= ex - sx ? word :
          textWidth(short, 12, true) + 4 <= ex - sx ? short : "";
        if (text) {
          out.push('<text x="' + n1((sx + ex) / 2) + '" y="' + n1(y + 1 + size / 2 + 4.2) + '" text-anchor="middle" class="rp-snap-text">' + esc(text) + "</text>");
        }
      }
      s.log.terms.forEach(function (term, j) {
        var index = first + j;
        if (index < shownFirst || (snap && index <= snap.index)) return;
        var x = cx(index) + 1, committed = index <= s.commit_index;
        out.push('<rect x="' + x + '" y="' + (y + 1) + '" width="' + size + '" height="' + size + '" class="rp-entry' +
          (committed ? "" : " rp-open") + '" style="fill:' + termColour(term) + '" data-entry="' + s.id + ":" + index +
          '"><title>' + esc(entryText(s, index, first)) + "</title></rect>");
        var label = String(term) + (s.log.configs.indexOf(index) >= 0 ? "*" : "");
        out.push('<text x="' + n1(x + size / 2) + '" y="' + n1(y + 1 + size / 2 + 4.2) + '" text-anchor="middle" class="rp-entry-text ' +
          (committed ? "rp-committed" : "rp-open") + '">' + label + "</text>");
        if (s.log.truncate_from !== null && index >= s.log.truncate_from) {
          out.push('<path d="M' + x + " " + (y + 1 + size) + "L" + (x + size) + " " + (y + 1) + '" class="rp-truncate"/>');
        }
        if (flagged[s.id + ":" + index]) {
          out.push('<rect x="' + (x - 1) + '" y="' + y + '" width="' + (size + 2) + '" height="' + (size + 2) + '" class="rp-flag"/>');
        }
      });
      if (s.commit_index >= shownFirst && s.commit_index <= last) {
        out.push('<rect x="' + (cx(s.commit_index) + cell - 1.5) + '" y="' + (y - 2) + '" width="3" height="' + (cell + 4) + '" class="rp-commit"/>');
      }
      if (leader !== null && s.next_index !== null) {
        if (s.match_index && s.match_index >= shownFirst) {
          var mlast = Math.min(s.match_index, last);
          out.push('<rect x="' + labelW + '" y="' + (y + cell + 1) + '" width="' + (cx(mlast) + cell - labelW) + '" height="3" class="rp-match"/>');
        }
        if (s.next_index >= shownFirst && s.next_index <= last + 1 && cx(s.next_index) + cell <= w) {
          var tx = cx(s.next_index) + cell / 2, ty = y + cell + 2;
          out.push('<path d="M' + n1(tx) + " " + ty + "l6 8h-12Z" + '" class="rp-next"/>');
        }
      }
      out.push("</g>");
    });
    svg.innerHTML = out.join("");
    var parts = rows.map(function (s) {
      return "S" + s.id + " has " + s.log_length + " entr" + (s.log_length === 1 ? "y" : "ies") +
        ", " + s.commit_index + " committed" +
        (s.log.snapshot ? ", up to " + s.log.snapshot.index + " in a snapshot" : "");
    });
    svg.setAttribute("aria-label", "Logs: " + parts.join("; ") + ".");
    this._drawEntryInfo(scene);
  };

  /* The line under the logs: what the entry the reader tapped carries, in this scene. */
  Painter.prototype._drawEntryInfo = function (scene) {
    var pick = this.picked, s = pick && scene && scene.servers.filter(function (x) {
      return x.id === pick.server;
    })[0];
    var first = scene ? scene.logs.first : 1;
    if (!s || pick.index < first || pick.index > s.log_length) {
      var commands = scene && scene.servers.some(function (x) {
        return x.log.commands && x.log.commands.length;
      });
      this.entryInfo.textContent = commands ? "Tap or point at an entry for its command." : "";
      this.entryInfo.classList.toggle("rp-hint", !!commands);
      return;
    }
    this.entryInfo.classList.remove("rp-hint");
    this.entryInfo.innerHTML = "<b>S" + s.id + "</b> " + esc(entryText(s, pick.index, first));
  };

  Painter.prototype._drawText = function (scene) {
    var d = this.doc, self = this;
    // The status line: time, leader, network.
    var leaders = scene.servers.filter(function (s) { return s.role === "leader" && !s.crashed; })
      .map(function (s) { return "<b>S" + s.id + "</b>"; });
    var bits = ["<span>" + n1(scene.time) + " ms</span>",
      "<span>" + (leaders.length ? (leaders.length > 1 ? "leaders " : "leader ") + leaders.join(", ") :
        "<b>no leader</b>") + "</span>"];
    if (scene.network.partition) {
      bits.push('<span class="rp-net">network split: ' + scene.network.partition.map(function (g) {
        return g.map(function (i) { return "S" + i; }).join(" ");
      }).join(" | ") + "</span>");
    }
    if (scene.network.disconnected.length) {
      bits.push('<span class="rp-net">cut off: ' + scene.network.disconnected.map(function (i) {
        return "S" + i;
      }).join(" ") + "</span>");
    }
    (scene.network.cut || []).forEach(function (l) {
      bits.push('<span class="rp-net">link S' + l[0] + "–S" + l[1] + " cut</span>");
    });
    if (scene.reads && scene.reads.mode !== "log") bits.push("<span>reads: " + esc(scene.reads.mode) + "</span>");
    this.status.innerHTML = bits.join("");
    this.clusterSvg.setAttribute("aria-label", scene.description);
    if (scene.clients && scene.clients.length) {
      this.machines.innerHTML = "State machines: " + scene.servers.map(function (s) {
        var sm = s.state_machine || {};
        var pairs = Object.keys(sm).sort().map(function (k) { return k + "=" + sm[k]; });
        return '<span data-state-machine="' + s.id + '"><b>S' + s.id + "</b> " +
          esc(pairs.length ? pairs.join(", ") : "empty") + "</span>";
      }).join(" · ");
      this.machines.hidden = false;
    } else if (!this.machines.hidden) {
      this.machines.hidden = true;
      this.machines.textContent = "";
    }
    // Caption, read out by screen readers as it changes.
    this.caption.innerHTML = '<span class="rp-sentence">' + esc(scene.caption) + "</span>" +
      (scene.rule ? '<span class="rp-rule">Rule: ' + esc(scene.rule) + "</span>" : "");
    // Safety.
    var broken = scene.safety.filter(function (p) { return !p.ok; });
    this.safety.innerHTML = scene.safety.map(function (p) {
      return '<li class="' + (p.ok ? "rp-ok" : "rp-bad") + '" data-property="' + esc(p.property) + '">' +
        (p.ok ? "✓ " : "✗ ") + esc(p.property) + (p.ok ? "" : " broken") + "</li>";
    }).join("");
    this.box.classList.toggle("rp-broken", broken.length > 0);
    var lin = scene.linearizable;   // only with clients (see raft/viz/scene.py)
    this.clientsLight.hidden = !lin;
    this.clientsWhy.hidden = !lin || lin.ok !== false;
    if (lin) {
      var mark = lin.ok === true ? "✓ Linearizable" : lin.ok === false ? "✗ Not linearizable"
        : "? Linearizable";
      this.clientsLight.innerHTML = '<li class="' + (lin.ok === false ? "rp-bad" : "rp-ok") +
        '" data-property="' + esc(lin.property) + '"' +
        (lin.details ? ' title="' + esc(lin.details) + '"' : "") + ">" + mark +
        " (clients)</li>";
      this.clientsWhy.textContent = lin.ok === false ?
        "✗ Not linearizable (step " + lin.step + "): " + lin.details : "";
    } else {
      this.clientsLight.innerHTML = "";
      this.clientsWhy.textContent = "";
    }
    if (broken.length) {
      var p = broken[0];
      this.banner.textContent = "✗ Safety broken: " + p.property + " (step " + p.step + "): " + p.details +
        (broken.length > 1 ? " (and " + (broken.length - 1) + " more)" : "");
      this.banner.hidden = false;
    } else {
      this.banner.hidden = true;
      this.banner.textContent = "";
    }
    if (this.tableWrap && this.tableBox.open) {   // drawn when opened (see the toggle handler)
      var head = ["", "role", "term", "voted for", "log", "commit", "applied", "next", "match"];
      var rows = scene.servers.map(function (s) {
        var sm = s.state_machine;
        var cells = ["S" + s.id, s.crashed ? "crashed" : s.role, s.term,
          s.voted_for === null ? "–" : "S" + s.voted_for,
          s.log_length + (s.log_length ? " (t" + s.last_log_term + ")" : ""), s.commit_index,
          s.last_applied, s.next_index === null ? "" : s.next_index,
          s.match_index === null ? "" : s.match_index];
        var row = "<tr" + (sm ? ' class="rp-has-sm"' : "") + ">" + cells.map(function (c) {
          return "<td>" + esc(c) + "</td>";
        }).join("") + "</tr>";
        if (!sm) return row;
        // Its copy of the state machine: the commands it applied, as key=value.
        var pairs = Object.keys(sm).sort().map(function (k) { return k + "=" + sm[k]; });
        return row + '<tr class="rp-sm" data-state-machine="' + s.id + '"><td></td><td colspan="' +
          (head.length - 1) + '">state machine: <b>' + esc(pairs.length ? pairs.join(", ") : "empty") +
          "</b></td></tr>";
      });
      this.tableWrap.innerHTML = '<table class="rp-table"><thead><tr>' + head.map(function (h) {
        return "<th>" + esc(h) + "</th>";
      }).join("") + "</tr></thead><tbody>" + rows.join("") + "</tbody></table>";
    }
    void d; void self;
  };

  Painter.prototype._updateControls = function () {
    var n = this.scenes.length, k = this.index;
    this.slider.max = String(Math.max(1, n));
    this.slider.value = String(k + 1);
    var scene = this.scenes[k];
    this.slider.setAttribute("aria-valuetext", "Event " + (k + 1) + " of " + n +
      (scene ? ": " + scene.caption : ""));
    this.counter.textContent = (k + 1) + " / " + n;
    var live = this.handlers.more.length > 0;
    this.backButton.disabled = k <= 0;
    this.stepButton.disabled = !live && k >= n - 1;
    this.slider.disabled = n <= 1;
  };

  // -- mounting -----------------------------------------------------------------------------------

  function mount(container) {
    if (container.raftPainter || container.classList.contains("rp-mounted")) return container.raftPainter;
    var data = container.querySelector("script.raft-scenes");
    if (!data) return null;
    var payload;
    try {
      payload = JSON.parse(data.textContent);
    } catch (e) {
      container.textContent = "This picture could not be read: " + e.message;
      return null;
    }
    var options = payload.options || {};
    var painter = new Painter(container, options);
    container.raftPainter = painter;
    painter.ready = decode(payload).then(function (scenes) {
      painter.setScenes(scenes, options.index || 0);
      return painter;
    }).catch(function (e) {
      container.appendChild(el(container.ownerDocument, "p", { "class": "rp-fallback" },
        "This animation could not be shown: " + e.message));
      throw e;
    });
    return painter;
  }

  function mountAll(scope) {
    var doc = scope || root.document;
    if (!doc || !doc.querySelectorAll) return [];
    var out = [];
    var boxes = doc.querySelectorAll(".raft-painter:not(.rp-mounted)");
    for (var i = 0; i < boxes.length; i++) {
      var p = mount(boxes[i]);
      if (p) out.push(p);
    }
    return out;
  }

  /* anywidget: render({model, el}). The Python side (raft.viz.widgets.PainterWidget) sends
   * {"type": "set", "scenes": [...], "index": k} and {"type": "push", "scene": {...}}; the painter
   * answers with {"type": "control" | "server" | "more" | "ready", ...}. */
  function render(ctx) {
    var model = ctx.model, box = ctx.el;
    var options = model.get("options") || {};
    var inner = box.ownerDocument.createElement("div");
    box.appendChild(inner);
    var painter = new Painter(inner, options);
    inner.raftPainter = painter;
    painter.on("control", function (d) { model.send({ type: "control", action: d.action, index: d.index, speed: d.speed }); });
    painter.on("server", function (d) { model.send({ type: "server", server: d.server, role: d.role, index: d.index }); });
    painter.on("scene", function (d) { model.send({ type: "control", action: "show", index: d.index }); });
    if (options.live) painter.on("more", function (d) { model.send({ type: "more", index: d.index, mode: d.mode }); });
    function onMessage(msg) {
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "set") {
        var p = msg.encoding ? decode(msg) : Promise.resolve(msg.scenes);
        p.then(function (scenes) { painter.setScenes(scenes, msg.index === undefined ? scenes.length - 1 : msg.index); });
      } else if (msg.type === "push") {
        painter.push(msg.scene);
      } else if (msg.type === "show") {
        painter.show(msg.index);
      }
    }
    model.on("msg:custom", onMessage);
    model.send({ type: "ready" });
    return function () {
      model.off("msg:custom", onMessage);
      painter.destroy();
    };
  }

  /* Mount the player this script follows (a notebook output, which may not be in the page
   * yet), then every player on the page. */
  function mountHere() {
    if (!root.document) return;
    var current = root.document.currentScript;
    var before = current && current.previousElementSibling;
    if (before && before.classList && before.classList.contains("raft-painter")) mount(before);
    if (root.document.readyState === "loading") {
      root.document.addEventListener("DOMContentLoaded", function () { mountAll(); });
    } else {
      mountAll();
      root.setTimeout(function () { mountAll(); }, 0);
    }
  }

  root.RaftPainter = {
    version: VERSION, Painter: Painter, mount: mount, mountAll: mountAll, mountHere: mountHere,
    decode: decode,
    render: render, speeds: SPEEDS.map(function (s) { return s.name; }),
    // for tests and the benchmark
    _placeLabels: placeLabels,
  };

  mountHere();
})(typeof window !== "undefined" ? window : globalThis);
