/* raft-workbench.js: the chapters' exercises, the labs and the bug zoo, live in the book's pages.
 *
 * The book's build (_ext/raft_live.py) leaves a <script type="application/json"
 * class="raft-workbench-config"> in each page that has something to run:
 *
 *   {"exercises": [{label, code, prelude, missing}],        (the chapters)
 *    "lab": {lab, title, class_name, code, head, file_name, missing} or null,   (a lab page)
 *    "zoo": [{name, title, section, finds}] or null}          (the bug zoo)
 *
 * The code is the notebook's own (an exercise's solution cells; a lab's "Your turn" cell), read
 * from the page's source when the book is built; `prelude` and `head` are the statements of the
 * page's earlier cells that the code needs. Everything runs in the page's one Python worker
 * (raft-live.js: RaftLive.shared()) through raft/book/live.py:
 *
 * - an exercise: "Try it live" opens an editor with the code; Run shows what it prints, its last
 *   value (a player is drawn by the painter), a Python error as its traceback, and the exercise's
 *   check (raft/book/exercise_checks.py, the function the notebook calls) in words;
 * - a lab: an editor with the lab's methods, saved in this browser as it is typed
 *   (localStorage), Grade (the shell grader's verdict, with a progress bar, and the failed run's
 *   animation, with buttons to the frame where it failed and to the one where the node first
 *   broke a rule of Figure 2, "the mistake"; a further failed run, such as the
 *   model check's shortest one, is offered by a button), Download (the .py file
 *   `python -m raft.grade labN file.py:StudentNode` takes), and Reset to the skeleton (after
 *   asking);
 * - the zoo: pick a bug, switch it on, and watch the checker hunt it: the player shows the
 *   shrunk run, its safety light red from the violating step (and a button to the step where
 *   the bug first broke a rule of Figure 2, if that came earlier).
 *
 * A run that takes longer than its time limit (RaftWorkbench.limits, in ms) is stopped the only
 * way a busy worker can be: the worker is terminated and a fresh one started; the page says so
 * and for how long it ran. Stop does the same at once. None of these keeps anything in Python
 * between runs (an exercise runs in a fresh namespace, a grade loads the file afresh, a hunt
 * starts from its seeds; what they show is in the page), so a restart loses only the run under
 * way; the live explorer, which does keep a session there, rebuilds it (raft-explorer.js).
 * Over file:// or without WebAssembly each place shows one line saying how to get the live parts.
 *
 * Hooks for tests: controls carry data-action (try, run, stop, reset, grade, download, hunt,
 * violation, mistake, mark, more), fields data-field (code, output, feedback, report, progress, bug, status); each box
 * is reachable as element.raftWork (the object behind it). A new lab page needs nothing here: the
 * build finds its "Your turn" cell.
 */
(function (root) {
  "use strict";
  if (root.RaftWorkbench) return;
  var doc = root.document;
  var limits = { exercise: 120000, lab: 60000, zoo: 120000 };

  function el(tag, attrs, text) {
    var e = doc.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function button(action, label, title) {
    return el("button", { type: "button", "data-action": action, title: title || null }, label);
  }
  function seconds(ms) {
    return ms < 10000 ? (ms / 1000).toFixed(1) + " s" : Math.round(ms / 1000) + " s";
  }
  function live() { return root.RaftLive.shared(); }
  function unavailable() {
    return root.RaftLive ? root.RaftLive.unavailable() : "The live parts could not load.";
  }

  /* -- the editor: a textarea that indents like a code editor --------------------------------- */

  function Editor(text, label, onChange, onRun) {
    var area = this.area = el("textarea", { "class": "rw-code", spellcheck: "false",
      autocomplete: "off", autocapitalize: "off", wrap: "off", "data-field": "code",
      "aria-label": label });
    area.value = text;
    this.fit();
    var self = this;
    area.addEventListener("input", function () { self.fit(); if (onChange) onChange(area.value); });
    area.addEventListener("keydown", function (ev) {
      if ((ev.ctrlKey || ev.metaKey) && ev.key === "Enter") {
        ev.preventDefault();
        if (onRun) onRun();
      } else if (ev.key === "Tab" && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
        // Tab indents (Shift+Tab dedents); Escape then Tab leaves the editor (keyboard users).
        if (self.escaped) { self.escaped = false; return; }
        ev.preventDefault();
        self.indent(ev.shiftKey ? -1 : 1);
      } else if (ev.key === "Escape") {
        self.escaped = true;
      } else if (ev.key === "Enter" && !ev.shiftKey) {
        ev.preventDefault();
        var before = area.value.slice(0, area.selectionStart);
        var line = before.slice(before.lastIndexOf("\n") + 1);
        var indent = /^[ ]*/.exec(line)[0] + (/:\s*(#.*)?$/.test(line) ? "    " : "");
        self.insert("\n" + indent);
      } else {
        self.escaped = false;
      }
    });
  }
  Editor.prototype.fit = function () {
    var lines = this.area.value.split("\n").length;
    this.area.rows = Math.min(Math.max(lines + 1, 4), 40);
  };
  Editor.prototype.insert = function (text) {
    var a = this.area;
    if (!doc.execCommand || !doc.execCommand("insertText", false, text)) {   // keeps undo
      a.setRangeText(text, a.selectionStart, a.selectionEnd, "end");
      a.dispatchEvent(new Event("input"));
    }
  };
  Editor.prototype.indent = function (dir) {
    var a = this.area, v = a.value, s = a.selectionStart, e = a.selectionEnd;
    if (dir > 0 && v.slice(s, e).indexOf("\n") < 0) { this.insert("    "); return; }
    var from = v.lastIndexOf("\n", s - 1) + 1;
    var lines = v.slice(from, e).split("\n");
    var out = lines.map(function (l) { return dir > 0 ? "    " + l : l.replace(/^ {1,4}/, ""); });
    a.setSelectionRange(from, e);
    this.insert(out.join("\n"));
    a.setSelectionRange(from, from + out.join("\n").length);
  };
  Editor.prototype.value = function () { return this.area.value; };
  Editor.prototype.set = function (text) {
    this.area.value = text;
    this.fit();
  };

  /* -- the output: printed text, errors, the checks' words, players ----------------------------- */

  function Output() {
    this.box = el("div", { "class": "rw-output", "data-field": "output", "aria-live": "polite" });
  }
  Output.prototype.clear = function () { this.box.textContent = ""; this.pre = null; };
  Output.prototype.print = function (text, stream) {
    if (!this.pre || this.pre.getAttribute("data-stream") !== stream) {
      this.pre = el("pre", { "class": "rw-stream rw-" + stream, "data-stream": stream });
      this.box.appendChild(this.pre);
    }
    this.pre.textContent += text;
  };
  Output.prototype.note = function (text, kind) {
    var p = el("p", { "class": "rw-note" + (kind ? " rw-" + kind : ""), role: kind === "bad" ? "alert" : null }, text);
    this.box.appendChild(p);
    return p;
  };
  Output.prototype.error = function (err, heading) {
    var wrap = el("div", { "class": "rw-error", role: "alert", "data-field": "error" });
    wrap.appendChild(el("p", null, heading || ((err.type ? err.type + ": " : "") + err.message)));
    if (err.traceback) wrap.appendChild(el("pre", { "class": "rw-traceback" }, err.traceback));
    this.box.appendChild(wrap);
    this.pre = null;
    return wrap;
  };
  Output.prototype.feedback = function (items) {
    if (!items || !items.length) return;
    var list = el("ul", { "class": "rw-feedback", "data-field": "feedback", "aria-label": "The exercise's check" });
    items.forEach(function (f) {
      var li = el("li", { "class": f.ok ? "rw-ok" : "rw-bad", "data-ok": f.ok ? "true" : "false" });
      li.appendChild(el("span", { "class": "rw-mark", "aria-hidden": "true" }, f.ok ? "✓" : "✗"));
      li.appendChild(el("span", null, (f.ok ? "Check: " : "Check failed: ") + f.text));
      list.appendChild(li);
    });
    this.box.appendChild(list);
    this.pre = null;
  };
  Output.prototype.display = function (items, before) {
    var self = this, painters = [];
    (items || []).forEach(function (d) {
      var holder = el("div", { "class": "rw-display", "data-kind": d.kind });
      if (d.kind === "text") holder.appendChild(el("pre", { "class": "rw-stream" }, d.text));
      else holder.innerHTML = d.html;      // the reader's own code's output, or the painter's HTML
      self.box.insertBefore(holder, before || null);
      if (root.RaftPainter) painters = painters.concat(root.RaftPainter.mountAll(holder));
    });
    this.pre = null;
    return painters;
  };

  /* A request that may be stopped: by its time limit, or by the reader (Stop). */
  function Job(kind, status) {
    this.kind = kind;
    this.status = status;
    this.t0 = root.performance.now();
    this.stoppedBy = null;
    var self = this;
    this.ticker = root.setInterval(function () { self.tick(); }, 500);
  }
  Job.prototype.tick = function () {
    if (this.onTick) this.onTick(root.performance.now() - this.t0);
  };
  Job.prototype.done = function () { root.clearInterval(this.ticker); return root.performance.now() - this.t0; };
  Job.prototype.stop = function () {
    this.stoppedBy = "you";
    live().restart();
  };
  /* Why a request failed, in words: a time limit, Stop, or Python's own error. */
  function stopped(err, job, limit) {
    var ran = seconds(job.done());
    if (err.type === "TimeLimit") {
      return "Stopped after " + ran + ": the time limit is " + seconds(limit) + ", and the code " +
        "was still running (an infinite loop?). Python was restarted in a fresh worker; your " +
        "code is kept.";
    }
    if (err.type === "WorkerRestarted" && job.stoppedBy) {
      return "Stopped by you after " + ran + ". Python was restarted in a fresh worker; your " +
        "code is kept.";
    }
    if (err.type === "WorkerRestarted") {
      return "Python was restarted before this finished (a Stop or a time limit elsewhere on " +
        "this page: one Python serves the whole page). Your code is kept: run it again.";
    }
    return null;
  }

  /* A run or a grading is under way (on) or over (off): its button, the Stop button and the
     box's busy state. */
  function busy(owner, go, on) {
    go.disabled = on;
    owner.stopButton.hidden = !on;
    if (on) owner.box.setAttribute("aria-busy", "true");
    else owner.box.removeAttribute("aria-busy");
  }

  /* What a failed call says: why it stopped (a time limit, the reader's Stop, a restart) or
     the error itself; the promise then gives null. */
  function failed(owner, out, job, limit, cannot) {
    return function (err) {
      var why = stopped(err, job, limit);
      if (why) out.note(why, "bad");
      else out.error(err);
      owner.status.textContent = why ? "Stopped." : cannot;
      owner.last = null;
      return null;
    };
  }

  /* A stage of a run (one story, one search) that has said nothing for `timing.quiet` ms gets
     "still running" in the status line, with the time limit. */
  var timing = { quiet: 4000 };

  /* Progress shown in a bar and the status line (with the time taken, every tick of the job);
     gives the onProgress function to hand to the worker. Once the call is under way
     (job.called, set by the caller) and a stage has been quiet for timing.quiet, the status says
     the run is still going and when the time limit stops it (`limit`, ms from the call). */
  function showProgress(owner, job, bar, what, limit) {
    var said = 0;                    // when the last progress came (ms into the job)
    bar.hidden = false;
    bar.value = 0;
    job.onTick = function (ms) {
      var line = what + " (" + seconds(ms) + ")";
      if (limit && job.called !== undefined && ms - said > timing.quiet) {
        line = what + ": still running after " + seconds(ms - job.called) + " (stops at " +
          seconds(limit) + ")";
      }
      owner.status.textContent = line;
    };
    return function (p) {
      if (typeof p.fraction === "number") bar.value = p.fraction;
      what = p.text || what;
      said = root.performance.now() - job.t0;
      owner.status.textContent = what;
    };
  }

  /* Under a lab's or the zoo's buttons: the status line (saying `said`), a progress bar named
     `doing` (hidden until a run), and the output. */
  function reportArea(owner, box, said, doing) {
    owner.status = box.appendChild(el("p", { "class": "rw-status", "data-field": "status",
      "aria-live": "polite" }, said));
    owner.progress = box.appendChild(el("progress", { "class": "rw-progress", max: "1", value: "0",
      hidden: "", "data-field": "progress", "aria-label": doing }));
    owner.output = new Output();
    box.appendChild(owner.output.box);
  }

  /* The end of a run or a grading, however it went. */
  function finished(owner, go, more) {
    return function (reply) {
      owner.running = null;
      owner.job = null;
      if (more) more();
      busy(owner, go, false);
      return reply;
    };
  }

  /* While Python loads (the first run on a page), its progress goes to `fn` (one listener per
   * box, kept by the worker across restarts). */
  function starting(owner, fn) {
    if (!owner._onStart) {
      owner._onStart = function (p) { if (!live().info && owner.running) fn(p); };
    }
    return live().start({ onProgress: owner._onStart });
  }

  /* -- an exercise --------------------------------------------------------------------------- */

  function Exercise(cfg, anchor) {
    this.cfg = cfg;
    var box = this.box = el("div", { "class": "raft-work rw-exercise", "data-exercise": cfg.label });
    box.raftWork = this;
    var bar = this.bar = el("div", { "class": "rw-bar" });
    box.appendChild(bar);
    anchor.parentNode.insertBefore(box, anchor.nextSibling);
    var reason = unavailable();
    if (reason) {
      bar.appendChild(el("p", { "class": "rw-note", role: "note", "data-live": "unavailable" }, reason));
      return;
    }
    if (cfg.missing && cfg.missing.length) {
      bar.appendChild(el("p", { "class": "rw-note", role: "note" }, "This exercise needs " +
        cfg.missing.join(", ") + ", which the page's Python does not have: run it in a notebook."));
      return;
    }
    var self = this;
    this.tryButton = button("try", "▶ Try it live", "Edit and run the solution's code in your browser");
    this.tryButton.addEventListener("click", function () { self.open(); });
    bar.appendChild(this.tryButton);
    bar.appendChild(el("span", { "class": "rw-what" }, "Runs the code of the solution below in your " +
      "browser: change it, run it again, and its check says what holds. Predict first: the " +
      "code contains the answer."));
  }

  Exercise.prototype.open = function () {
    if (this.editor) return this;
    var self = this, cfg = this.cfg;
    this.bar.textContent = "";
    this.bar.appendChild(el("span", { "class": "rw-badge" }, "Live"));
    this.bar.appendChild(el("span", { "class": "rw-what" }, "The solution's code, from the " +
      "chapter's notebook. Ctrl+Enter runs it; Escape then Tab leaves the editor."));
    this.editor = new Editor(cfg.code, "Code of " + cfg.label, null, function () { self.run(); });
    this.box.appendChild(this.editor.area);
    var tools = el("div", { "class": "rw-tools" });
    this.runButton = button("run", "▶ Run", "Run this code (Ctrl+Enter)");
    this.stopButton = button("stop", "■ Stop", "Stop Python (it restarts)");
    this.stopButton.hidden = true;
    var reset = button("reset", "Reset", "Go back to the solution's code");
    this.runButton.addEventListener("click", function () { self.run(); });
    this.stopButton.addEventListener("click", function () { if (self.job) self.job.stop(); });
    reset.addEventListener("click", function () {
      if (self.editor.value() === cfg.code || root.confirm("Discard your changes to this code?")) {
        self.editor.set(cfg.code);
      }
    });
    this.status = el("span", { "class": "rw-status", "data-field": "status", "aria-live": "polite" });
    [this.runButton, this.stopButton, reset, this.status].forEach(function (b) { tools.appendChild(b); });
    this.box.appendChild(tools);
    this.output = new Output();
    this.box.appendChild(this.output.box);
    this.editor.area.focus({ preventScroll: true });
    return this;
  };

  /* Run the editor's code; the promise gives Python's reply (or null if it was stopped). */
  Exercise.prototype.run = function () {
    if (!this.editor) this.open();
    if (this.running) return this.running;
    var self = this, out = this.output, cfg = this.cfg;
    var job = this.job = new Job("exercise");
    job.onTick = function (ms) { if (ms > 1500) self.status.textContent = "Running… " + seconds(ms); };
    out.clear();
    busy(this, this.runButton, true);
    this.status.textContent = "Running…";
    this.running = starting(this, function (p) { self.status.textContent = p.text || "Loading Python…"; }).then(function () {
      return live().call("raft.book.live:run_cell", [self.editor.value(), cfg.prelude, cfg.label], {
        timeout: limits.exercise,
        onStdout: function (t) { out.print(t, "stdout"); },
        onStderr: function (t) { out.print(t, "stderr"); },
      });
    }).then(function (text) {
      var reply = JSON.parse(text), ms = job.done();
      out.display(reply.displays);
      out.feedback(reply.feedback);
      if (reply.error && reply.error.type === "CheckFailed") {
        out.note("The check stopped the code" + (reply.error.line ? " at line " + reply.error.line : "") +
          ": the lines after it did not run.");
      } else if (reply.error) {
        out.error(reply.error, (reply.error.where === "prelude" ? "The chapter's earlier code failed: " : "") +
          reply.error.type + ": " + reply.error.message);
      }
      self.status.textContent = (reply.ok ? "Done" : "Stopped by an error") + " in " + seconds(ms) + ".";
      self.last = reply;
      return reply;
    }, failed(this, out, job, limits.exercise, "Python could not run it."))
      .then(finished(this, this.runButton));
    return this.running;
  };

  /* -- a lab --------------------------------------------------------------------------------- */

  function Lab(cfg, anchor) {
    this.cfg = cfg;
    this.key = "raft-book:lab" + cfg.lab + ":" + cfg.file_name;
    var box = this.box = el("div", { "class": "raft-work rw-lab", "data-lab": String(cfg.lab) });
    box.raftWork = this;
    var bar = this.bar = el("div", { "class": "rw-bar" });
    box.appendChild(bar);
    anchor.parentNode.insertBefore(box, anchor.nextSibling);
    var reason = unavailable();
    if (reason) {
      bar.appendChild(el("p", { "class": "rw-note", role: "note", "data-live": "unavailable" }, reason));
      return;
    }
    var self = this;
    anchor.hidden = true;             // the cell's skeleton is in the editor below
    this.quietGradingCell(anchor);
    bar.appendChild(el("span", { "class": "rw-badge" }, "In the page"));
    bar.appendChild(el("span", { "class": "rw-what" }, "Write your methods here and press Grade: " +
      "the book's grader runs in your browser and gives the shell grader's verdict. Your work " +
      "is saved in this browser as you type; Download gives the file to hand in."));
    var saved = null;
    try { saved = root.localStorage.getItem(this.key); } catch (e) { /* storage refused */ }
    this.editor = new Editor(saved !== null ? saved : cfg.code, "Your code for lab " + cfg.lab,
      function (text) { self.save(text); }, function () { self.grade(); });
    box.appendChild(this.editor.area);
    var tools = el("div", { "class": "rw-tools" });
    this.gradeButton = button("grade", "✔ Grade", "Run the lab's grader on this code (Ctrl+Enter)");
    this.stopButton = button("stop", "■ Stop", "Stop the grader (Python restarts)");
    this.stopButton.hidden = true;
    var download = button("download", "⤓ Download " + cfg.file_name,
      "The file python -m raft.grade lab" + cfg.lab + " takes (and nbgrader's cell)");
    var reset = button("reset", "Reset to the skeleton", "Discard your code and start again");
    this.gradeButton.addEventListener("click", function () { self.grade(); });
    this.stopButton.addEventListener("click", function () { if (self.job) self.job.stop(); });
    download.addEventListener("click", function () { self.download(); });
    reset.addEventListener("click", function () { self.reset(); });
    [this.gradeButton, this.stopButton, download, reset].forEach(function (b) { tools.appendChild(b); });
    box.appendChild(tools);
    reportArea(this, box, saved !== null ? "Your saved work (this browser) is in the editor." :
      "The skeleton, as on this page.", "Grading");
  }

  /* The page's grading cell (the next cell that calls raft.grade.check on the class) printed,
   * when the book was built, the report of the skeleton ("not written yet" on every line):
   * next to the editor's own verdict that would be a second one, and they would disagree. Its
   * output gives way to one line; the notebook, and the page over file://, keep it. */
  Lab.prototype.quietGradingCell = function (anchor) {
    var mark = "grade.check(" + this.cfg.class_name;
    var cells = doc.querySelectorAll("div.cell"), after = false;
    for (var i = 0; i < cells.length; i++) {
      if (cells[i] === anchor) { after = true; continue; }
      var input = after && cells[i].querySelector(".cell_input");
      if (!input || input.textContent.indexOf(mark) < 0) continue;
      var output = cells[i].querySelector(".cell_output");
      if (output) {
        output.hidden = true;
        var note = el("div", { "class": "raft-work rw-static-grade", "data-field": "static-grade" });
        note.appendChild(el("p", { "class": "rw-note" }, "Grade above runs this check on the " +
          "editor's code, in your browser, and shows its report there. (In the notebook, this " +
          "cell prints the report here.)"));
        output.parentNode.insertBefore(note, output.nextSibling);
      }
      this.gradingCell = cells[i];
      return cells[i];
    }
    return null;
  };

  /* The file the shell grader takes: the imports the cell needs, then the editor's code. */
  Lab.prototype.file = function () { return this.cfg.head + this.editor.value().replace(/\s*$/, "\n"); };

  Lab.prototype.save = function (text) {
    try {
      root.localStorage.setItem(this.key, text);
      this.status.textContent = "Saved in this browser at " + new Date().toLocaleTimeString() + ".";
    } catch (e) {
      this.status.textContent = "This browser refuses to save (private mode?): download your work.";
    }
  };

  Lab.prototype.reset = function () {
    if (this.editor.value() !== this.cfg.code && !root.confirm("Discard your code for lab " +
        this.cfg.lab + " and go back to the skeleton? (Download it first to keep a copy.)")) {
      return false;
    }
    this.editor.set(this.cfg.code);
    try { root.localStorage.removeItem(this.key); } catch (e) { /* nothing saved */ }
    this.status.textContent = "Back to the skeleton.";
    return true;
  };

  Lab.prototype.download = function () {
    var blob = new Blob([this.file()], { type: "text/x-python" });
    var a = el("a", { href: URL.createObjectURL(blob), download: this.cfg.file_name });
    doc.body.appendChild(a);
    a.click();
    a.remove();
    root.setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
    this.status.textContent = "Downloaded " + this.cfg.file_name + ": grade it with  python -m raft.grade lab" +
      this.cfg.lab + " " + this.cfg.file_name + ":" + this.cfg.class_name;
  };

  Lab.prototype.grade = function () {
    if (this.running) return this.running;
    var self = this, out = this.output, cfg = this.cfg, bar = this.progress;
    var job = this.job = new Job("lab");
    out.clear();
    busy(this, this.gradeButton, true);
    var onProgress = showProgress(this, job, bar, "", limits.lab);
    this.running = starting(this, onProgress).then(function () {
      onProgress({ text: "Grading…" });
      job.called = root.performance.now() - job.t0;
      return live().call("raft.book.live:grade_lab", [cfg.lab, self.file(), cfg.class_name, cfg.file_name],
        { timeout: limits.lab, onProgress: onProgress,
          onStdout: function (t) { out.print(t, "stdout"); },
          onStderr: function (t) { out.print(t, "stderr"); } });
    }).then(function (text) {
      var reply = JSON.parse(text), ms = job.done();
      if (reply.error) {
        out.error(reply.error, "Your file could not be graded: " + reply.error.type + ": " + reply.error.message);
        self.status.textContent = "Python raised an error before grading (" + seconds(ms) + ").";
      } else {
        var verdict = out.note(reply.passed ? "PASSED: every check in the report below." :
          "FAILED: the report says what broke and how to replay it.", reply.passed ? "ok" : "bad");
        verdict.setAttribute("data-field", "verdict");
        verdict.setAttribute("data-passed", reply.passed ? "true" : "false");
        out.box.appendChild(el("pre", { "class": "rw-report", "data-field": "report" }, reply.report));
        if (reply.player) self._player(reply.player);
        (reply.more || []).forEach(function (player) { offerPlayer(self, out, player); });
        self.status.textContent = "Graded in " + seconds(ms) + ".";
      }
      self.last = reply;
      return reply;
    }, failed(this, out, job, limits.lab, "Python could not grade it."))
      .then(finished(this, this.gradeButton, function () { bar.hidden = true; }));
    return this.running;
  };

  /* A run's animation, with buttons that show one frame, in the order of the run: the first
     red safety light (data-action=violation) and each frame the reply marks (data-action=mistake:
     where the node first broke a rule; data-action=mark: where a story failed, the stale read).
     Placed before `before` (or at the end of the output). */
  function showPlayer(owner, out, player, before) {
    var jumps = [];
    if (player.violation_index !== null && player.violation_index !== undefined) {
      jumps.push({ action: "violation", label: "Go to the violation", index: player.violation_index,
        title: "Show the step where a safety property broke (its light turns red)" });
    }
    (player.marks || []).forEach(function (m) {
      jumps.push({ action: m.action || "mark", label: m.label, index: m.index, title: m.title });
    });
    jumps.sort(function (a, b) { return a.index - b.index; });   // (stable: ties keep their order)
    // Where a story failed says more than "the violation" when both show the same frame.
    jumps = jumps.filter(function (j) {
      return j.action !== "violation" || !jumps.some(function (k) { return k.action === "mark" && k.index === j.index; });
    });
    var tools = null;
    if (jumps.length) {
      tools = el("div", { "class": "rw-tools" });
      out.box.insertBefore(tools, before || null);
    }
    var painter = out.display([{ kind: "player", html: player.html }], before)[0] || null;
    if (!before) owner.painter = painter;        // the main one (tests reach it here)
    if (tools && !painter) {
      tools.remove();
    } else if (tools) {
      jumps.forEach(function (j) {
        var go = button(j.action, j.label, j.title);
        go.setAttribute("data-index", String(j.index));
        go.addEventListener("click", function () {
          painter.ready.then(function (p) { p.pause(); p.show(j.index); });
        });
        tools.appendChild(go);
      });
    }
    return painter;
  }

  /* A further run the grade found (the model check's shortest run, beside the story that
     failed): a button that shows its animation in its place. */
  function offerPlayer(owner, out, player) {
    var offer = button("more", "▶ " + player.offer, player.title);
    var wrap = out.box.appendChild(el("div", { "class": "rw-tools" }));
    wrap.appendChild(offer);
    offer.addEventListener("click", function () {
      // Its own heading, so that its buttons are not taken for the run above's; it opens
      // where it broke (its first mark), as the reader asked to see that.
      out.box.insertBefore(el("p", { "class": "rw-note", "data-field": "more-title" }, player.title), wrap);
      var painter = showPlayer(owner, out, player, wrap);
      var first = (player.marks || []).filter(function (m) { return (m.action || "mark") === "mark"; })[0];
      if (painter && first) painter.ready.then(function (p) { p.pause(); p.show(first.index); });
      wrap.remove();
    });
    return offer;
  }
  Lab.prototype._player = function (player) { showPlayer(this, this.output, player); };

  /* -- the bug zoo --------------------------------------------------------------------------- */

  function Zoo(bugs, box) {
    this.bugs = bugs;
    this.box = box;
    box.classList.add("raft-work", "rw-zoo");
    box.raftWork = this;
    var bar = el("div", { "class": "rw-bar" });
    box.appendChild(bar);           // under the page's own words about it
    var reason = unavailable();
    if (reason) {
      bar.appendChild(el("p", { "class": "rw-note", role: "note", "data-live": "unavailable" }, reason));
      return;
    }
    var self = this;
    bar.appendChild(el("label", { "for": "rw-zoo-bug" }, "Switch a bug on:"));
    this.select = el("select", { id: "rw-zoo-bug", "data-field": "bug" });
    bugs.forEach(function (b) {
      self.select.appendChild(el("option", { value: b.name }, b.title + " (" + b.name + ")"));
    });
    bar.appendChild(this.select);
    this.huntButton = button("hunt", "▶ Switch on and hunt", "Run the checker's random search on this bug, in your browser");
    this.stopButton = button("stop", "■ Stop", "Stop the search (Python restarts)");
    this.stopButton.hidden = true;
    this.huntButton.addEventListener("click", function () { self.hunt(); });
    this.stopButton.addEventListener("click", function () { if (self.job) self.job.stop(); });
    bar.appendChild(this.huntButton);
    bar.appendChild(this.stopButton);
    reportArea(this, box, "The checker runs seeded fault schedules until one breaks a property, " +
      "then shrinks it; all in your browser.", "Hunting");
  }

  Zoo.prototype.hunt = function (name) {
    if (this.running) return this.running;
    if (name) this.select.value = name;
    name = this.select.value;
    var self = this, out = this.output, bar = this.progress;
    var job = this.job = new Job("zoo");
    out.clear();
    busy(this, this.huntButton, true);
    var onProgress = showProgress(this, job, bar, "Hunting " + name + "…", limits.zoo);
    this.running = starting(this, onProgress).then(function () {
      job.called = root.performance.now() - job.t0;
      return live().call("raft.book.live:hunt_bug", [name], { timeout: limits.zoo, onProgress: onProgress });
    }).then(function (text) {
      var reply = JSON.parse(text), ms = job.done();
      if (!reply.ok) {
        out.note(reply.message, "bad");
      } else if (!reply.found) {
        out.note("The checker found nothing within this bug's bound of seeds.", "bad");
      } else {
        var found = out.note("Found: " + reply.headline + " (seed " + reply.seed + ", schedule " +
          reply.tried + " of the search; shrunk from " + reply.original + " to " + reply.actions +
          " actions).", "bad");
        found.setAttribute("data-field", "verdict");
        var details = el("details", { "class": "rw-scenario" });
        details.appendChild(el("summary", null, "The shrunk schedule, as a scenario"));
        details.appendChild(el("pre", { "data-field": "scenario" }, reply.scenario));
        out.box.appendChild(details);
        showPlayer(self, out, reply.player);
      }
      self.status.textContent = "Done in " + seconds(ms) + ".";
      self.last = reply;
      return reply;
    }, failed(this, out, job, limits.zoo, "Python could not run the search."))
      .then(finished(this, this.huntButton, function () { bar.hidden = true; }));
    return this.running;
  };

  /* -- mounting ------------------------------------------------------------------------------ */

  /* The lab's "Your turn" cell in the page (the build found it in the source). */
  function labCell(cfg) {
    var cells = doc.querySelectorAll("div.cell");
    var mark = "class " + cfg.class_name + "(Lab" + cfg.lab + "Node):";
    for (var i = 0; i < cells.length; i++) {
      var input = cells[i].querySelector(".cell_input");
      if (input && input.textContent.indexOf(mark) >= 0) return cells[i];
    }
    return null;
  }

  function mountAll() {
    var out = { exercises: [], lab: null, zoo: null };
    var node = doc.querySelector("script.raft-workbench-config");
    if (!node || node.raftMounted) return node ? node.raftMounted : out;
    var cfg = JSON.parse(node.textContent);
    (cfg.exercises || []).forEach(function (ex) {
      var anchor = doc.getElementById(ex.label);
      if (anchor) out.exercises.push(new Exercise(ex, anchor));
    });
    if (cfg.lab) {
      var cell = labCell(cfg.lab);
      if (cell) out.lab = new Lab(cfg.lab, cell);
    }
    if (cfg.zoo) {
      var box = doc.querySelector(".raft-zoo-live");
      if (box) out.zoo = new Zoo(cfg.zoo, box);
    }
    node.raftMounted = out;
    return out;
  }

  root.RaftWorkbench = { limits: limits, timing: timing, mountAll: mountAll, Exercise: Exercise, Lab: Lab, Zoo: Zoo,
    Editor: Editor };
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})(window);
