/* Predict, then see: the questions that raft.viz.question() puts under an animation.
 *
 * One plain script, no framework. It finds every <div class="raft-questions"> (a JSON script with
 * the questions, computed from the run when the page was built), binds it to the player above it
 * (the nearest <div class="raft-painter"> before it whose frames are exactly the run's steps the
 * questions were computed on), and then:
 *   - when the reader plays the animation, it pauses at the moment of each unanswered question
 *     and says so in the player;
 *   - a choice (or a ticked set, or a typed number) gets instant feedback: right or not, and why;
 *   - the player then plays from the question's moment to the frame that shows the answer, and
 *     stops there (with reduced motion it jumps there);
 *   - answers are kept in localStorage, one record per page, and every block shows how many of
 *     the page's questions are answered. Where storage is refused (some file:// setups) the
 *     questions still work, they are just forgotten on reload.
 * It talks to the painter only through its public interface: RaftPainter.mount, painter.ready,
 * painter.scenes, painter.index, painter.playing, painter.show/play/pause, painter.on("scene" |
 * "control"), painter.box. Nothing about Raft is decided here: the answers are in the data.
 */
(function (root) {
  "use strict";
  var VERSION = 1;
  if (root.RaftQuestions && root.RaftQuestions.version >= VERSION) {
    root.RaftQuestions.mountHere();
    return;
  }
  var STORE_PREFIX = "raft-book:questions:v1:";

  var CSS = [
    ".raft-questions{--rq-bg:#f6f8fa;--rq-ink:#1f2328;--rq-muted:#57606a;--rq-border:#d0d7de;",
    "--rq-accent:#0072B2;--rq-button:#ffffff;--rq-ok:#00795a;--rq-ok-bg:#e6f4ee;--rq-no:#9a3412;",
    "--rq-no-bg:#fdf0e8;background:var(--rq-bg);color:var(--rq-ink);border:1px solid var(--rq-border);",
    "border-left:6px solid var(--rq-accent);border-radius:6px;padding:8px 12px;margin:0.5em 0 1em;",
    "font-size:15px;line-height:1.45;max-width:100%;box-sizing:border-box}",
    "html[data-theme=dark] .raft-questions,body[data-jp-theme-light=false] .raft-questions{",
    "--rq-bg:#1a1f27;--rq-ink:#e6edf3;--rq-muted:#a8b1bb;--rq-border:#48505a;--rq-accent:#4fa3e0;",
    "--rq-button:#272e38;--rq-ok:#3fcf9f;--rq-ok-bg:#12352b;--rq-no:#ffa46e;--rq-no-bg:#3d2417}",
    ".raft-questions *{box-sizing:border-box}",
    ".raft-questions .rq-progress{font-size:13px;color:var(--rq-muted);margin:0 0 4px;display:flex;",
    "flex-wrap:wrap;align-items:center;gap:4px 10px}",
    ".raft-questions .rq-q{border-top:1px solid var(--rq-border);padding:8px 0 4px;margin:0}",
    ".raft-questions .rq-q:first-of-type{border-top:none}",
    ".raft-questions fieldset{border:none;margin:0;padding:0;min-width:0}",
    ".raft-questions legend{padding:0;font-weight:600;font-size:15px;display:block;width:100%}",
    ".raft-questions .rq-num{display:block;font-size:12px;font-weight:600;text-transform:uppercase;",
    "letter-spacing:0.04em;color:var(--rq-accent)}",
    ".raft-questions .rq-where{font-size:13px;color:var(--rq-muted);margin:2px 0 6px}",
    ".raft-questions button{font:inherit;font-size:14px;color:var(--rq-ink);background:var(--rq-button);",
    "border:1px solid var(--rq-border);border-radius:6px;min-height:40px;min-width:44px;padding:2px 12px;",
    "cursor:pointer}",
    ".raft-questions button.rq-link{min-height:32px;padding:0 8px;font-size:13px}",
    ".raft-questions button:focus-visible,.raft-questions input:focus-visible{outline:3px solid ",
    "var(--rq-accent);outline-offset:1px}",
    ".raft-questions .rq-choices{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0}",
    ".raft-questions .rq-choice[aria-pressed=true]{border:2px solid var(--rq-accent);font-weight:600}",
    ".raft-questions .rq-choice.rq-right{border:2px solid var(--rq-ok)}",
    ".raft-questions .rq-choice.rq-right::after{content:\" ✓\";color:var(--rq-ok)}",
    ".raft-questions .rq-tick{display:inline-flex;align-items:center;gap:6px;min-height:40px;",
    "padding:0 10px;border:1px solid var(--rq-border);border-radius:6px;background:var(--rq-button);cursor:pointer}",
    ".raft-questions .rq-tick input{width:18px;height:18px;margin:0}",
    ".raft-questions .rq-row{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin:4px 0}",
    ".raft-questions input[type=number]{font:inherit;font-size:15px;width:6em;min-height:40px;padding:0 8px;",
    "color:var(--rq-ink);background:var(--rq-button);border:1px solid var(--rq-border);border-radius:6px}",
    ".raft-questions .rq-feedback{margin:4px 0 0}",
    ".raft-questions .rq-feedback:empty{display:none}",
    ".raft-questions .rq-feedback>div{border-radius:6px;padding:6px 10px;border:2px solid var(--rq-border)}",
    ".raft-questions .rq-feedback .rq-yes{background:var(--rq-ok-bg);border-color:var(--rq-ok)}",
    ".raft-questions .rq-feedback .rq-no{background:var(--rq-no-bg);border-color:var(--rq-no)}",
    ".raft-questions .rq-feedback .rq-verdict{font-weight:700;margin:0 0 2px}",
    ".raft-questions .rq-feedback p{margin:2px 0}",
    ".raft-questions .rq-feedback .rq-then{font-size:13px;color:var(--rq-muted)}",
    ".raft-questions code{font-size:0.92em}",
    ".raft-questions .rq-error{color:var(--rq-no);font-weight:600}",
    ".raft-painter .rq-stop{order:3;border:2px solid var(--rp-req,#0072B2);border-radius:6px;padding:4px 8px;",
    "margin:4px 0;font-size:14px;display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px}",
    ".raft-painter .rq-stop[hidden]{display:none}",
    ".raft-painter .rq-stop a{color:inherit;font-weight:600}",
  ].join("");

  function addStyle(doc) {
    if (doc.getElementById("raft-questions-css")) return;
    var style = doc.createElement("style");
    style.id = "raft-questions-css";
    style.textContent = CSS;
    (doc.head || doc.documentElement).appendChild(style);
  }

  function el(doc, tag, attrs, text) {
    var e = doc.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }
  /* Plain text with `code` in backquotes, as HTML (the same rule as raft/viz/questions.py). */
  function inline(s) {
    return esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");
  }
  function reducedMotion(win) {
    try { return win.matchMedia("(prefers-reduced-motion: reduce)").matches; } catch (e) { return false; }
  }

  // -- progress, kept in the browser --------------------------------------------------------------

  function pageKey() {
    var path = (root.location && root.location.pathname) || "";
    var name = path.split("/").pop().replace(/\.html?$/, "");
    return STORE_PREFIX + (name || "index");
  }
  var memory = {};   // used when localStorage is refused: answers last until the page closes
  function loadAll() {
    try {
      var text = root.localStorage.getItem(pageKey());
      var data = text ? JSON.parse(text) : {};
      return data && typeof data === "object" ? data : {};
    } catch (e) {
      return memory;
    }
  }
  function saveAll(data) {
    memory = data;
    try { root.localStorage.setItem(pageKey(), JSON.stringify(data)); } catch (e) { /* quietly */ }
  }

  // -- the page's questions -------------------------------------------------------------------------

  var blocks = [];     // every mounted block, in document order
  var usedIds = {};

  function allQuestions() {
    var out = [];
    blocks.forEach(function (b) { b.items.forEach(function (it) { out.push(it); }); });
    return out;
  }

  function updateProgress() {
    var items = allQuestions(), saved = loadAll();
    var answered = 0, first = 0;
    items.forEach(function (it) {
      var r = saved[it.q.id];
      if (r) { answered++; if (r.first) first++; }
    });
    var text = answered + " of " + items.length + " question" + (items.length === 1 ? "" : "s") +
      " in this chapter answered" + (answered ? " (" + first + " right on the first try)" : "") + ".";
    blocks.forEach(function (b) {
      b.progressText.textContent = "Predict, then see: " + text;
      b.clearButton.hidden = answered === 0;
    });
  }

  function clearAll() {
    saveAll({});
    allQuestions().forEach(function (it) { it.reset(); });
    updateProgress();
  }

  // -- binding a block to its player -----------------------------------------------------------------

  function sameSteps(scenes, steps) {
    if (!scenes || scenes.length !== steps.length) return false;
    for (var i = 0; i < steps.length; i++) if (scenes[i].step !== steps[i]) return false;
    return true;
  }

  /* The nearest player before `block` that shows exactly `steps`: a Promise of its painter. */
  function findPlayer(block, steps) {
    var doc = block.ownerDocument, RP = root.RaftPainter;
    if (!RP) return Promise.reject(new Error("the painter script is not on this page"));
    var boxes = Array.prototype.slice.call(doc.querySelectorAll(".raft-painter")).filter(function (b) {
      return b.compareDocumentPosition(block) & 4;   // block follows b
    }).reverse();
    function attempt(k) {
      if (k >= boxes.length) {
        return Promise.reject(new Error("no animation above this question shows its run (steps " +
          steps[0] + " to " + steps[steps.length - 1] + ")"));
      }
      var painter = boxes[k].raftPainter || RP.mount(boxes[k]);
      if (!painter || !painter.ready) return attempt(k + 1);
      return painter.ready.then(function () {
        return sameSteps(painter.scenes, steps) ? painter : attempt(k + 1);
      }, function () { return attempt(k + 1); });
    }
    return attempt(0);
  }

  /* One controller per painter: pauses at unanswered questions, stops a reveal at its frame. */
  function controllerOf(painter) {
    if (painter._raftQuestions) return painter._raftQuestions;
    var doc = painter.box.ownerDocument;
    var c = { painter: painter, items: [], stopAt: null, note: null, noteAt: null };
    c.note = el(doc, "div", { "class": "rq-stop", role: "status", hidden: "" });
    // Under the caption, next to the controls the reader just pressed (the caption's flex order).
    if (painter.caption && painter.caption.parentNode) {
      painter.caption.parentNode.insertBefore(c.note, painter.caption.nextSibling);
    } else {
      painter.box.appendChild(c.note);
    }
    painter.on("scene", function (d) {
      if (c.noteAt !== null && d.index !== c.noteAt) hideNote(c);
      if (c.stopAt !== null) {
        if (d.index === c.stopAt) { c.stopAt = null; painter.pause(); }
        return;
      }
      if (!painter.playing || !root.RaftQuestions.stopAtQuestions) return;
      var saved = loadAll();
      for (var i = 0; i < c.items.length; i++) {
        var it = c.items[i];
        if (it.q.at.index === d.index && !saved[it.q.id]) {
          painter.pause();
          showNote(c, it, d.index);
          return;
        }
      }
    });
    painter.on("control", function (d) {
      if (d.action === "seek" || d.action === "back") c.stopAt = null;
    });
    painter._raftQuestions = c;
    return c;
  }

  function showNote(c, it, index) {
    c.note.innerHTML = "<span>Paused: predict before you go on.</span>" +
      '<a href="#' + esc(it.anchor) + '">' + esc(it.label) + ": " + inline(it.q.ask) + "</a>";
    c.note.hidden = false;
    c.noteAt = index;
  }
  function hideNote(c) {
    c.note.hidden = true;
    c.note.textContent = "";
    c.noteAt = null;
  }

  // -- one question ------------------------------------------------------------------------------------

  function sameSet(a, b) {
    if (a.length !== b.length) return false;
    var s = {};
    a.forEach(function (x) { s[x] = true; });
    return b.every(function (x) { return s[x]; });
  }

  function Item(block, q, number, total, doc) {
    var self = this;
    this.block = block;
    this.q = q;
    this.doc = doc;
    this.controller = null;
    var id = q.id, n = 2;
    while (usedIds[id]) id = q.id + "-" + n++;
    usedIds[id] = true;
    this.anchor = "rq-" + id;
    this.label = "Question " + number + " of " + total;
    var sec = this.section = el(doc, "section", { "class": "rq-q", id: this.anchor, "data-question": q.id,
      "data-kind": q.kind });
    var form = el(doc, "fieldset", { "class": "rq-form" });
    var legend = el(doc, "legend", { "class": "rq-ask" });
    legend.innerHTML = '<span class="rq-num">' + esc(this.label) + "</span>" + inline(q.ask);
    form.appendChild(legend);
    var where = el(doc, "div", { "class": "rq-where" });
    this.momentButton = el(doc, "button", { type: "button", "class": "rq-link", "data-action": "moment",
      disabled: "" }, "Show this moment");
    this.whereText = el(doc, "span", null, " in the animation above.");
    where.appendChild(this.momentButton);
    where.appendChild(this.whereText);
    form.appendChild(where);
    this.inputs = [];
    if (q.kind === "choice") {
      var group = el(doc, "div", { "class": "rq-choices" });
      q.choices.forEach(function (choice) {
        var b = el(doc, "button", { type: "button", "class": "rq-choice", "data-choice": choice,
          "aria-pressed": "false" }, choice);
        b.addEventListener("click", function () { self.answer(choice); });
        group.appendChild(b);
        self.inputs.push(b);
      });
      form.appendChild(group);
    } else if (q.kind === "many") {
      var ticks = el(doc, "div", { "class": "rq-choices" });
      q.choices.forEach(function (choice) {
        var label = el(doc, "label", { "class": "rq-tick" });
        var box = el(doc, "input", { type: "checkbox", value: choice });
        label.appendChild(box);
        label.appendChild(doc.createTextNode(choice));
        ticks.appendChild(label);
        self.inputs.push(box);
      });
      form.appendChild(ticks);
      var row = el(doc, "div", { "class": "rq-row" });
      var check = el(doc, "button", { type: "button", "data-action": "check" }, "Check");
      check.addEventListener("click", function () {
        self.answer(self.inputs.filter(function (x) { return x.checked; }).map(function (x) { return x.value; }));
      });
      row.appendChild(el(doc, "span", { "class": "rq-hint" }, "Tick every one that applies (or none), then"));
      row.appendChild(check);
      form.appendChild(row);
    } else {
      var nrow = el(doc, "div", { "class": "rq-row" });
      var label2 = el(doc, "label", null, "Your answer ");
      var input = this.numberInput = el(doc, "input", { type: "number", step: "1", inputmode: "numeric" });
      label2.appendChild(input);
      var check2 = el(doc, "button", { type: "button", "data-action": "check" }, "Check");
      function go() { self.answer(input.value); }
      check2.addEventListener("click", go);
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); go(); }
      });
      nrow.appendChild(label2);
      nrow.appendChild(check2);
      form.appendChild(nrow);
      this.inputs.push(input);
    }
    sec.appendChild(form);
    this.feedback = el(doc, "div", { "class": "rq-feedback", role: "status", "aria-live": "polite",
      "aria-atomic": "true" });
    sec.appendChild(this.feedback);
    this.momentButton.addEventListener("click", function () { self.showMoment(); });
  }

  Item.prototype.bind = function (painter) {
    this.controller = controllerOf(painter);
    this.controller.items.push(this);
    this.momentButton.disabled = false;
    this.whereText.textContent = " (event " + (this.q.at.index + 1) + " of " + painter.scenes.length +
      " in the animation above).";
  };

  Item.prototype.showMoment = function () {
    if (!this.controller) return;
    var p = this.controller.painter;
    this.controller.stopAt = null;
    p.pause();
    p.show(this.q.at.index);
    if (p.box.scrollIntoView) p.box.scrollIntoView({ block: "nearest" });
  };

  /* Play from the question's moment to the frame that shows the answer, and stop there. */
  Item.prototype.reveal = function (scroll) {
    if (!this.controller) return;
    var c = this.controller, p = c.painter;
    c.stopAt = null;
    p.pause();
    p.show(this.q.at.index);
    if (scroll && p.box.scrollIntoView) p.box.scrollIntoView({ block: "nearest" });
    if (reducedMotion(p.win || root)) {
      p.show(this.q.reveal.index);
      return;
    }
    c.stopAt = this.q.reveal.index;
    p.play();
  };

  Item.prototype.judge = function (given) {
    var q = this.q;
    if (q.kind === "number") return Number(given) === q.answer;
    if (q.kind === "many") return sameSet(given, q.answer);
    return given === q.answer;
  };

  Item.prototype.answer = function (given) {
    var q = this.q;
    if (q.kind === "number") {
      var text = String(given).trim();
      if (!/^-?\d+$/.test(text)) {
        this.feedback.innerHTML = '<div class="rq-no"><p class="rq-verdict">Type a whole number, then Check.</p></div>';
        return;
      }
      given = parseInt(text, 10);
    }
    var right = this.judge(given);
    var saved = loadAll();
    var before = saved[q.id];
    saved[q.id] = { given: given, right: right, first: before ? before.first : right };
    saveAll(saved);
    this.render(given, right, true);
    updateProgress();
    this.reveal(false);
  };

  Item.prototype.render = function (given, right, fresh) {
    var q = this.q, self = this;
    if (q.kind === "choice") {
      this.inputs.forEach(function (b) {
        var c = b.getAttribute("data-choice");
        b.setAttribute("aria-pressed", c === given ? "true" : "false");
        b.classList.toggle("rq-right", c === q.answer);
      });
    } else if (q.kind === "many") {
      this.inputs.forEach(function (x) { x.checked = given.indexOf(x.value) >= 0; });
    } else if (this.numberInput) {
      this.numberInput.value = String(given);
    }
    var givenText = q.kind === "many" ? (given.length ? given.join(", ") : "none of them") : String(given);
    var html = '<div class="' + (right ? "rq-yes" : "rq-no") + '"><p class="rq-verdict">' +
      (right ? "✓ Right: " + esc(q.answer_text) + "." :
        "✗ Not quite: you said " + esc(givenText) + "; the answer is " + esc(q.answer_text) + ".") + "</p>";
    if (!right && q.wrong && q.kind === "choice" && q.wrong[given]) html += "<p>" + inline(q.wrong[given]) + "</p>";
    html += "<p>" + inline(q.explain) + "</p>";
    html += '<p class="rq-then">' + (fresh ? "The animation above now plays from this moment to the answer." :
      "You answered this before.") + ' <button type="button" class="rq-link" data-action="watch">Watch it' +
      (fresh ? " again" : "") + "</button></p></div>";
    this.feedback.innerHTML = html;
    var watch = this.feedback.querySelector("[data-action=watch]");
    watch.addEventListener("click", function () { self.reveal(true); });
  };

  Item.prototype.reset = function () {
    this.feedback.innerHTML = "";
    if (this.q.kind === "choice") {
      this.inputs.forEach(function (b) { b.setAttribute("aria-pressed", "false"); b.classList.remove("rq-right"); });
    } else if (this.q.kind === "many") {
      this.inputs.forEach(function (x) { x.checked = false; });
    } else if (this.numberInput) {
      this.numberInput.value = "";
    }
  };

  Item.prototype.restore = function () {
    var r = loadAll()[this.q.id];
    if (r) this.render(r.given, r.right, false);
  };

  // -- mounting -------------------------------------------------------------------------------------------

  function parse(block) {
    var script = block.querySelector("script.raft-questions-data");
    if (!script) return null;
    try {
      var data = JSON.parse(script.textContent);
      if (data.format !== "raft-questions") throw new Error("not a questions block");
      return data;
    } catch (e) {
      return { error: e };
    }
  }

  function mount(block, number, total) {
    var doc = block.ownerDocument;
    addStyle(doc);
    block.classList.add("rq-mounted");
    var data = block._rqData || parse(block);
    if (!data || data.error) {
      block.appendChild(el(doc, "p", { "class": "rq-error" }, "These questions could not be read."));
      return;
    }
    var fallback = block.querySelector(".rq-fallback");
    if (fallback) fallback.parentNode.removeChild(fallback);
    var b = { block: block, items: [] };
    var progress = el(doc, "div", { "class": "rq-progress" });
    b.progressText = el(doc, "span");
    b.clearButton = el(doc, "button", { type: "button", "class": "rq-link", "data-action": "clear", hidden: "" },
      "Clear my answers");
    b.clearButton.addEventListener("click", clearAll);
    progress.appendChild(b.progressText);
    progress.appendChild(b.clearButton);
    block.appendChild(progress);
    data.questions.forEach(function (q, k) {
      var it = new Item(b, q, number + k, total, doc);
      block.appendChild(it.section);
      b.items.push(it);
    });
    blocks.push(b);
    b.items.forEach(function (it) { it.restore(); });
    updateProgress();
    block.raftQuestions = b;
    b.ready = findPlayer(block, data.player.steps).then(function (painter) {
      b.items.forEach(function (it) { it.bind(painter); });
      block.setAttribute("data-bound", "true");
      return painter;
    }, function (e) {
      block.setAttribute("data-bound", "false");
      var msg = el(doc, "p", { "class": "rq-error", role: "alert" }, "The animation for these questions " +
        "is missing from this page: " + e.message + ".");
      block.insertBefore(msg, block.firstChild);
      if (root.console) root.console.error("raft questions: " + e.message);
      throw e;
    });
    b.ready.catch(function () {});
    return b;
  }

  function mountAll(scope) {
    var doc = scope || root.document;
    if (!doc || !doc.querySelectorAll) return [];
    var all = Array.prototype.slice.call(doc.querySelectorAll(".raft-questions"));
    var total = 0, numbers = [];
    all.forEach(function (block) {
      var data = block._rqData = block._rqData || parse(block);
      numbers.push(total + 1);
      total += data && data.questions ? data.questions.length : 0;
    });
    var out = [];
    all.forEach(function (block, k) {
      if (block.classList.contains("rq-mounted")) return;
      var b = mount(block, numbers[k], total);
      if (b) out.push(b);
    });
    // Numbering: "Question k of n" counts every question on the page, mounted earlier or now.
    allQuestions().forEach(function (it, k) {
      it.label = "Question " + (k + 1) + " of " + total;
      var num = it.section.querySelector(".rq-num");
      if (num) num.textContent = it.label;
    });
    updateProgress();
    return out;
  }

  function mountHere() {
    if (!root.document) return;
    if (root.document.readyState === "loading") {
      root.document.addEventListener("DOMContentLoaded", function () { mountAll(); });
    } else {
      mountAll();
      root.setTimeout(function () { mountAll(); }, 0);
    }
  }

  root.RaftQuestions = {
    version: VERSION, mountAll: mountAll, mountHere: mountHere, pageKey: pageKey,
    blocks: blocks, clear: clearAll,
    // false: playing an animation no longer stops at unanswered questions (tests of the
    // painter's own controls set it; answering still plays to the answer).
    stopAtQuestions: true,
  };

  mountHere();
})(typeof window !== "undefined" ? window : globalThis);
