/* raft-explorer.js: the live explorer in the book's pages.
 *
 * Where a chapter calls raft.viz.explore(cluster), the executed page holds a still picture of
 * the cluster inside <div class="raft-live">, with the cluster's scenario text in a
 * <script class="raft-live-config"> (raft/viz/widgets.py writes both). This script puts a
 * "Run live" button above the picture. Pressed, it starts Python in a web worker (raft-live.js),
 * rebuilds the very same cluster from its scenario with the book's raft package
 * (raft.viz.live, which drives a raft.viz.session.Session, the class behind the notebook
 * explorer), and replaces the picture by a live one: the painter's Play / Step / Back / slider /
 * speed, plus the reader's actions. Every action is one scenario line ("crash 3",
 * "partition 1 2 | 3 4 5", "submit x=1", "deliver #17", "step") that Python performs; Python
 * answers with the new scenes, and nothing about Raft is decided here.
 *
 * Hooks for tests and teachers: every control carries data-action (start, play, pause, step,
 * back, seek, speed, crash, restart, disconnect, connect, timeout, partition, heal, submit,
 * deliver, drop, undo-fork, save, load, link); a control that acts on one server also carries
 * that server's data-server; servers in the picture carry data-server and data-role (the
 * painter's). box.raftExplorer is the Explorer object (start(), act(line), painter, timings).
 *
 * Where things are: the actions (server, network, command box) sit right under the play bar,
 * with a status line of what the last action did (aria-live; Python's words: the action, and
 * what the clients got in its steps, since the caption already says what the event on show
 * did), so that on a phone an action's effect is in sight; on a wide screen they come after
 * the caption. The messages in flight and the scenario text come last, after the logs, so that
 * on a phone the log grid is near the picture.
 * The command box takes a command (x=1: submitted to the leader) or any action line of the
 * scenario language that starts with one of its verbs (client 1 get x, run 100ms, elect 2).
 *
 * Acting on an earlier step forks a new future and forgets the old one; "Undo fork" (shown
 * right after a fork) loads the session's scenario text from before the fork, which brings
 * the forgotten future back.
 *
 * A link can open the explorer on a scenario: page.html#scenario=<url-encoded scenario text>
 * (or ?scenario=...) starts the page's first explorer live on that scenario. "Copy link" makes
 * one: the scenario text as it was loaded (from a link, the page or Load) while the reader has
 * not acted since; after an action, the session as Python records it (which replays the same).
 *
 * One Python worker serves the whole page, and an exercise's Stop or a time limit restarts it,
 * which loses the session. So the explorer keeps its session as scenario text (every reply
 * carries it: the text "Copy link" makes) and, when Python is restarted, opens the session again
 * from that text in the fresh worker (its steps replayed, the same step on show), and says so.
 */
(function (root) {
  "use strict";
  if (root.RaftExplorer) return;
  var doc = root.document;
  var REQUEST_LIMIT = 30000;   // ms: a request that takes longer is a hang; the worker restarts
  var REBUILT = "Python was restarted; the explorer was rebuilt from its scenario";

  function el(tag, attrs, text) {
    var e = doc.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function button(action, label, extra) {
    var attrs = { type: "button", "data-action": action };
    if (extra) Object.keys(extra).forEach(function (k) { attrs[k] = extra[k]; });
    return el("button", attrs, label);
  }

  var SERVER_ACTIONS = [
    ["crash", "Crash", "Stop it: it loses its volatile state and the messages sent to it"],
    ["restart", "Restart", "Start it again from what it persisted"],
    ["disconnect", "Disconnect", "Cut it off the network (it keeps running)"],
    ["connect", "Reconnect", "Put it back on the network"],
    ["timeout", "Time out", "Make its election timer fire now: it starts an election"],
  ];

  /* Which of a server's actions make sense in a scene. */
  function allowed(scene, id) {
    var s = scene && scene.servers.filter(function (x) { return x.id === id; })[0];
    if (!s) return {};
    var cut = scene.network.disconnected.indexOf(id) >= 0;
    return { crash: !s.crashed, restart: s.crashed, disconnect: !cut, connect: cut,
      timeout: !s.crashed && s.role !== "leader" };
  }

  function scenarioFromURL() {
    var loc = root.location;
    var m = /[#&]scenario=([^&]*)/.exec(loc.hash || "") || /[?&]scenario=([^&]*)/.exec(loc.search || "");
    if (!m) return null;
    try {
      return decodeURIComponent(m[1].replace(/\+/g, " "));
    } catch (e) {
      return null;
    }
  }

  function Explorer(box, index) {
    this.box = box;
    this.key = "explorer-" + index;
    var config = box.querySelector("script.raft-live-config");
    this.config = config ? JSON.parse(config.textContent) : {};
    this.still = box.querySelector(".raft-painter");
    this.live = null;
    this.painter = null;
    this.queue = Promise.resolve();
    this.timings = {};
    this.selected = null;
    this.scenario = null;       // the session as scenario text (Python's, after every reply)
    this.generation = null;     // the worker the session lives in (RaftLive's generation)
    this.rebuilds = 0;
    this.pristine = null;       // the scenario text loaded, as written, until the reader acts
    this.undo = null;           // {scenario, pristine} from before the last fork (Undo fork)
    this.verbs = [];            // the scenario language's verbs (raft.sim.actions.VERBS)
    box.raftExplorer = this;
    this._buildBar();
  }

  Explorer.prototype._buildBar = function () {
    var box = this.box, self = this;
    var notice = box.querySelector(".raft-needs-kernel");
    if (notice) notice.hidden = true;      // that note is for a notebook without a kernel
    this.bar = el("div", { "class": "rl-bar" });
    var reason = root.RaftLive ? root.RaftLive.unavailable() : "The live parts could not load.";
    if (reason) {
      this.bar.appendChild(el("p", { "class": "rl-note", role: "note", "data-live": "unavailable" }, reason));
      box.insertBefore(this.bar, box.firstChild);
      return;
    }
    this.startButton = button("start", "▶ Run live");
    this.startButton.setAttribute("aria-describedby", this.key + "-what");
    this.bar.appendChild(this.startButton);
    var bytes = root.RaftLive.downloadBytes;
    this.what = el("span", { "class": "rl-what", id: this.key + "-what" },
      "Runs this book's Python in your browser, so you can crash servers, split the network " +
      "and send commands" + (bytes ? " (loads about " + Math.round(bytes / 1e6) +
      " MB the first time)" : "") + ". Until then, the cluster as it was when the page was built:");
    this.bar.appendChild(this.what);
    this.startButton.addEventListener("click", function () { self.start(); });
    box.insertBefore(this.bar, box.firstChild);
  };

  /* Start Python and show the live cluster (from the page's scenario, or `scenario`). */
  Explorer.prototype.start = function (scenario) {
    if (this.started) return this.started;
    if (!this.startButton) return Promise.reject(new Error(root.RaftLive.unavailable()));
    var self = this;
    var t0 = root.performance.now();
    this.live = root.RaftLive.shared();
    this.startButton.disabled = true;
    this.startButton.textContent = "Starting…";
    this.what.textContent = "Loading Python…";
    this.bar.setAttribute("aria-busy", "true");
    var open = function (retry) {
      return self.live.start({
        onProgress: function (p) { if (!self.painter) self.what.textContent = p.text; },
      }).then(function (info) {
        self.timings.python = root.performance.now() - t0;
        self.info = info;
        self.generation = self.live.generation;
        var text = scenario || self.config.scenario;
        return self._call({ op: "open", key: self.key, scenario: text }).then(function (reply) {
          if (!reply.ok && scenario) {        // a bad link: say so, open the page's own cluster
            return self._call({ op: "open", key: self.key, scenario: self.config.scenario })
              .then(function (r) {
                r.message = "The scenario in the link could not be run: " + reply.message;
                if (r.ok) self.pristine = self.config.scenario;
                return r;
              });
          }
          if (reply.ok) self.pristine = text;
          return reply;
        });
      }).catch(function (err) {
        // Python restarted under it (Stop in an exercise of this page): once more.
        if (err.type === "WorkerRestarted" && retry) return open(false);
        throw err;
      });
    };
    this.started = open(true).then(function (reply) {
      if (!reply.ok) throw Object.assign(new Error(reply.message), { type: "RaftError" });
      self.live.onRestart(function () { self._afterRestart(); });
      self._buildLive(reply);
      self.timings.ready = root.performance.now() - t0;
      self.bar.removeAttribute("aria-busy");
      return self;
    }).catch(function (err) {
      self.started = null;
      self.bar.removeAttribute("aria-busy");
      self.startButton.disabled = false;
      self.startButton.textContent = "▶ Run live";
      self.what.textContent = "";
      self._showError(err, self.bar);
      throw err;
    });
    return this.started;
  };

  Explorer.prototype._call = function (request) {
    var self = this;
    return this.live.call("raft.viz.live:request", [JSON.stringify(request)],
      { timeout: REQUEST_LIMIT }).then(function (text) {
      var reply = JSON.parse(text);
      if (reply.scenario) self.scenario = reply.scenario;
      if (reply.verbs) self.verbs = reply.verbs;
      return reply;
    });
  };

  /* Python was restarted: rebuild the session in the fresh worker now (queued after whatever
   * the explorer was doing), unless rebuilding is what hung. */
  Explorer.prototype._afterRestart = function () {
    var self = this;
    if (!this.painter || this.rebuildHung) return;
    this.queue = this.queue.then(function () { return self._rebuild(); }).catch(function (err) {
      self._showError(err);
    });
  };

  /* If the session's worker is gone (live.generation moved on), open the session again from its
   * scenario text in the current worker, with the same step on show. Resolves to whether it
   * rebuilt. */
  Explorer.prototype._rebuild = function () {
    var self = this, live = this.live, p = this.painter;
    if (!p || !this.scenario || (live.worker && this.generation === live.generation)) {
      return Promise.resolve(false);
    }
    var index = p.anim ? p.anim.to : p.index;
    return live.start().then(function () {
      var generation = live.generation;
      return self._call({ op: "open", key: self.key, scenario: self.scenario }).then(function (reply) {
        if (!reply.ok) throw Object.assign(new Error(reply.message), { type: "RaftError" });
        self.generation = generation;
        self.rebuilds++;
        p.setScenes(reply.scenes, Math.min(index, reply.scenes.length - 1));
        self.rebuilt = REBUILT + " (" + reply.scenes.length + " events replayed, event " +
          (p.index + 1) + " on show).";
        self._say(self.rebuilt);
        self._refresh();
        return true;
      });
    }).catch(function (err) {
      if (err.type === "TimeLimit") self.rebuildHung = true;
      throw err;
    });
  };

  /* A Python error (a bug: its traceback) or a failure to start, shown in the page. */
  Explorer.prototype._showError = function (err, where) {
    var box = (where || this.panel || this.bar);
    var old = box.querySelector(".rl-error");
    if (old) old.remove();
    var wrap = el("div", { "class": "rl-error", role: "alert" });
    var head = (err.type ? err.type + ": " : "") + err.message;
    wrap.appendChild(el("p", null, head));
    if (err.traceback) {
      wrap.appendChild(el("pre", { "class": "rl-traceback" }, err.traceback));
    }
    box.appendChild(wrap);
    if (this.status) this.status.textContent = "Python raised an error: the details are below.";
  };

  Explorer.prototype._clearError = function () {
    var olds = this.box.querySelectorAll(".rl-error");
    for (var i = 0; i < olds.length; i++) olds[i].remove();
  };

  Explorer.prototype._buildLive = function (reply) {
    var self = this, cfg = this.config;
    this.bar.textContent = "";
    this.bar.appendChild(el("span", { "class": "rl-badge" }, "Live"));
    this.bar.appendChild(el("span", { "class": "rl-what" }, "Python " + this.info.python +
      " (Pyodide " + this.info.pyodide + ") runs the book's raft package in your browser. " +
      "Click a server for its actions; Step and Play take new steps; go back in time and act " +
      "to fork a new future."));
    var holder = el("div", { "class": "rl-painter" });
    if (this.still) {
      this.still.hidden = true;
      this.still.parentNode.insertBefore(holder, this.still.nextSibling);
    } else {
      this.box.appendChild(holder);
    }
    var options = { live: true, legend: "closed" };
    if (cfg.table === false) options.table = false;
    if (cfg.speed) options.speed = cfg.speed;
    var painter = this.painter = new root.RaftPainter.Painter(holder, options);
    holder.raftPainter = painter;
    // Play or Step at the last scene: one more event at the present. No view: presses made
    // while an event is on its way each add one (with the view on show they would fork).
    painter.on("more", function () {
      self._request({ op: "perform", key: self.key, line: "step" }, true);
    });
    painter.on("server", function (d) { self._openMenu(d.server); });
    painter.on("scene", function () { self._refresh(); });
    painter.clusterSvg.addEventListener("click", function (ev) {
      var g = ev.target.closest && ev.target.closest("[data-message]");
      if (g && self.flights) {
        self.flights.value = g.getAttribute("data-message");
        self._refreshFlightButtons();
      }
    });
    this._buildPanel(holder);
    painter.setScenes(reply.scenes, reply.view);
    var first = reply.scenes[reply.scenes.length - 1];
    if (first && first.clients && first.clients.length) this.command.value = "client 1 get x";
    this._say(reply.message);
  };

  Explorer.prototype._buildPanel = function (after) {
    var self = this, key = this.key;
    var panel = this.panel = el("div", { "class": "rl-panel" });
    // What the last action did, next to the controls (read out as it changes), and the way
    // back from a fork.
    var said = el("div", { "class": "rl-row rl-said" });
    this.status = el("p", { "class": "rl-status", "aria-live": "polite", role: "status" });
    said.appendChild(this.status);
    this.undoButton = button("undo-fork", "Undo fork", { hidden: "",
      title: "Bring back the future this fork forgot (loads the session as it was before)" });
    this.undoButton.addEventListener("click", function () { self.undoFork(); });
    said.appendChild(this.undoButton);
    panel.appendChild(said);
    // The selected server and its actions.
    var row = el("div", { "class": "rl-row", role: "group", "aria-label": "Act on a server" });
    var label = el("label", { "for": key + "-server" }, "Server");
    this.serverSelect = el("select", { id: key + "-server", "data-action": "choose-server" });
    row.appendChild(label);
    row.appendChild(this.serverSelect);
    this.serverButtons = {};
    SERVER_ACTIONS.forEach(function (a) {
      var b = button(a[0], a[1], { title: a[2] });
      b.addEventListener("click", function () {
        self.act(a[0] + " " + b.getAttribute("data-server"));
      });
      self.serverButtons[a[0]] = b;
      row.appendChild(b);
    });
    this.serverSelect.addEventListener("change", function () { self._select(parseInt(self.serverSelect.value, 10)); });
    panel.appendChild(row);
    // The network.
    row = el("div", { "class": "rl-row", role: "group", "aria-label": "The network" });
    row.appendChild(el("label", { "for": key + "-groups" }, "Groups"));
    this.groups = el("input", { id: key + "-groups", type: "text", placeholder: "1 2 | 3 4 5",
      value: "", size: "12", "data-field": "groups", autocomplete: "off" });
    row.appendChild(this.groups);
    var part = button("partition", "Partition", { title: "Split the network into these groups" });
    part.addEventListener("click", function () {
      var text = self.groups.value.trim() || self.groups.placeholder;
      self.act("partition " + text);
    });
    row.appendChild(part);
    var heal = button("heal", "Heal", { title: "Join the network again" });
    heal.addEventListener("click", function () { self.act("heal"); });
    row.appendChild(heal);
    panel.appendChild(row);
    // A command for the leader, or any action line of the scenario language.
    row = el("div", { "class": "rl-row", role: "group", "aria-label": "A command or an action" });
    row.appendChild(el("label", { "for": key + "-command" }, "Command"));
    this.command = el("input", { id: key + "-command", type: "text", value: "x=1", size: "14",
      placeholder: "x=1, or client 1 get x", "data-field": "command", autocomplete: "off",
      autocapitalize: "off", spellcheck: "false", "aria-describedby": key + "-command-help" });
    row.appendChild(this.command);
    // The box holds an example or the last line done: focusing it selects that, so what the
    // reader types replaces it (on a phone, clearing a box by hand is slow).
    // Selected at once (no timer: typing that starts right away must not race it); the click
    // or tap that focused the box must not then put the caret at the pointer.
    var justFocused = false;
    this.command.addEventListener("focus", function () { this.select(); justFocused = true; });
    this.command.addEventListener("mouseup", function (ev) {
      if (justFocused) { ev.preventDefault(); justFocused = false; }
    });
    this.command.addEventListener("blur", function () { justFocused = false; });
    this.command.addEventListener("keydown", function () { justFocused = false; });
    var submit = button("submit", "Do it", { title: "x=1 or del x: submitted to the leader. " +
      "A line starting with a verb (client 1 get x, run 100ms, elect 2): done as written." });
    submit.addEventListener("click", function () { self.act(self.commandLine(self.command.value)); });
    this.command.addEventListener("keydown", function (ev) { if (ev.key === "Enter") submit.click(); });
    row.appendChild(submit);
    panel.appendChild(row);
    panel.appendChild(el("p", { "class": "rl-help", id: key + "-command-help" },
      "x=1 goes to the leader; a scenario line (client 1 get x, run 100ms, elect 2) is done as written."));
    // Messages in flight and the scenario text: in a second block, which comes after the logs
    // (raft-live.css), so that on a phone the log grid sits near the picture.
    var more = this.more = el("div", { "class": "rl-more" });
    row = el("div", { "class": "rl-row", role: "group", "aria-label": "Messages in flight" });
    row.appendChild(el("label", { "for": key + "-flights" }, "In flight"));
    this.flights = el("select", { id: key + "-flights", "data-field": "message", "class": "rl-flights" });
    row.appendChild(this.flights);
    this.deliverButton = button("deliver", "Deliver now", { title: "This message arrives now" });
    this.dropButton = button("drop", "Drop", { title: "The network loses this message" });
    this.deliverButton.addEventListener("click", function () { self.act("deliver #" + self.flights.value); });
    this.dropButton.addEventListener("click", function () { self.act("drop #" + self.flights.value); });
    this.flights.addEventListener("change", function () { self._refreshFlightButtons(); });
    row.appendChild(this.deliverButton);
    row.appendChild(this.dropButton);
    more.appendChild(row);
    // Scenario text: save, load, share.
    var details = el("details", { "class": "rl-scenario" });
    details.appendChild(el("summary", null, "Scenario: save, load or share this session"));
    var buttons = el("div", { "class": "rl-row" });
    var save = button("save", "Save scenario", { title: "Write this session as scenario text" });
    var load = button("load", "Load scenario", { title: "Run the scenario text as a new session" });
    var link = button("link", "Copy link", { title: "A link that opens this explorer on this session" });
    save.addEventListener("click", function () { self.save(); });
    load.addEventListener("click", function () { self.load(self.text.value); });
    link.addEventListener("click", function () { self.copyLink(); });
    buttons.appendChild(save);
    buttons.appendChild(load);
    buttons.appendChild(link);
    details.appendChild(buttons);
    details.appendChild(el("p", { "class": "rl-help" }, "Copy link copies the scenario you " +
      "loaded (from a link, this page or Load) as it was written, until you act. After an " +
      "action it copies the session as Python recorded it, which replays the same events: " +
      "\u201celect 1\u201d is recorded as \u201ctakeover 1\u201d (what it did), a " +
      "\u201crun 600ms\u201d as the events it took (\u201cstep 6\u201d)."));
    this.text = el("textarea", { "class": "rl-text", rows: "7", spellcheck: "false",
      "aria-label": "Scenario text", "data-field": "scenario" });
    details.appendChild(this.text);
    this.linkOut = el("input", { "class": "rl-link", type: "text", readonly: "", hidden: "",
      "aria-label": "Link to this session", "data-field": "link" });
    details.appendChild(this.linkOut);
    more.appendChild(details);
    // Right under the play bar (raft-live.css orders it after the caption on a wide screen);
    // the second block last, after the logs and the lights.
    var controls = this.painter.controls;
    controls.parentNode.insertBefore(panel, controls.nextSibling);
    controls.parentNode.appendChild(more);
    // The menu a click on a server opens (as in RaftScope).
    this.menu = el("div", { "class": "rl-menu", role: "menu", hidden: "" });
    this.menuTitle = el("div", { "class": "rl-menu-title" });
    this.menu.appendChild(this.menuTitle);
    this.menuButtons = {};
    SERVER_ACTIONS.forEach(function (a) {
      var b = button(a[0], a[1], { role: "menuitem", title: a[2] });
      b.addEventListener("click", function () {
        self._closeMenu();
        self.act(a[0] + " " + b.getAttribute("data-server"));
      });
      self.menuButtons[a[0]] = b;
      self.menu.appendChild(b);
    });
    this.menu.addEventListener("keydown", function (ev) { if (ev.key === "Escape") self._closeMenu(true); });
    after.appendChild(this.menu);
    doc.addEventListener("click", function (ev) {
      if (!self.menu.hidden && !self.menu.contains(ev.target) &&
          !(ev.target.closest && ev.target.closest(".rl-painter [data-server]"))) self._closeMenu();
    });
  };

  /* The scene on show, or the one a transition under way is heading to. */
  Explorer.prototype._scene = function () {
    var p = this.painter;
    return p.scenes[p.anim ? p.anim.to : p.index];
  };

  Explorer.prototype._refresh = function () {
    var scene = this._scene(), self = this;
    if (!scene) return;
    var ids = scene.servers.map(function (s) { return s.id; });
    if (this.serverSelect.options.length !== ids.length ||
        ids.some(function (id, k) { return self.serverSelect.options[k].value !== String(id); })) {
      this.serverSelect.textContent = "";
      ids.forEach(function (id) { self.serverSelect.appendChild(el("option", { value: String(id) }, "S" + id)); });
      // An example split of these servers (what Partition does with the box left empty).
      var half = Math.floor(ids.length / 2);
      this.groups.placeholder = ids.length > 1 ? ids.slice(0, half || 1).join(" ") + " | " +
        ids.slice(half || 1).join(" ") : "";
    }
    if (this.selected === null || ids.indexOf(this.selected) < 0) this.selected = ids[0];
    this._select(this.selected);
    var keep = this.flights.value;
    this.flights.textContent = "";
    scene.messages.forEach(function (m) {
      self.flights.appendChild(el("option", { value: String(m.id) },
        "#" + m.id + " S" + m.from + "→S" + m.to + " " + m.summary + " (due " + Math.round(m.due) + " ms)"));
    });
    if (!scene.messages.length) self.flights.appendChild(el("option", { value: "" }, "no message in flight"));
    if (keep && scene.messages.some(function (m) { return String(m.id) === keep; })) this.flights.value = keep;
    this._refreshFlightButtons();
    if (!this.menu.hidden) this._openMenu(this.menuServer);
  };

  Explorer.prototype._refreshFlightButtons = function () {
    var none = !this.flights.value;
    this.deliverButton.disabled = none;
    this.dropButton.disabled = none;
  };

  Explorer.prototype._select = function (id) {
    this.selected = id;
    this.serverSelect.value = String(id);
    var ok = allowed(this._scene(), id), self = this;
    SERVER_ACTIONS.forEach(function (a) {
      var b = self.serverButtons[a[0]];
      b.setAttribute("data-server", String(id));
      b.setAttribute("aria-label", a[1] + " S" + id);
      b.disabled = !ok[a[0]];
    });
  };

  Explorer.prototype._openMenu = function (id) {
    var scene = this._scene();
    var s = scene && scene.servers.filter(function (x) { return x.id === id; })[0];
    if (!s) return;
    this._select(id);
    this.menuServer = id;
    var ok = allowed(scene, id), self = this;
    this.menuTitle.textContent = "S" + id + " (" + (s.crashed ? "crashed" : s.role) + ", term " + s.term + ")";
    SERVER_ACTIONS.forEach(function (a) {
      var b = self.menuButtons[a[0]];
      b.setAttribute("data-server", String(id));
      b.setAttribute("aria-label", a[1] + " S" + id);
      b.hidden = !ok[a[0]];
    });
    var wasHidden = this.menu.hidden;
    this.menu.hidden = false;
    var g = this.painter.clusterSvg.querySelector('[data-server="' + id + '"]');
    var holder = this.menu.parentNode;
    if (g) {
      // Beside the server (right, else left), else under it; never off the picture's box.
      var r = g.getBoundingClientRect(), h = holder.getBoundingClientRect();
      var mw = this.menu.offsetWidth, mh = this.menu.offsetHeight, left, top;
      if (r.right - h.left + 4 + mw <= h.width) {
        left = r.right - h.left + 4; top = r.top - h.top;
      } else if (r.left - h.left - 4 - mw >= 0) {
        left = r.left - h.left - 4 - mw; top = r.top - h.top;
      } else {
        left = r.left - h.left + (r.width - mw) / 2; top = r.bottom - h.top + 4;
      }
      this.menu.style.left = Math.min(Math.max(0, left), Math.max(0, h.width - mw)) + "px";
      this.menu.style.top = Math.min(Math.max(0, top), Math.max(0, h.height - mh)) + "px";
    }
    if (wasHidden) {
      var first = this.menu.querySelector("button:not([hidden])");
      if (first) first.focus({ preventScroll: true });
    }
  };

  Explorer.prototype._closeMenu = function (refocus) {
    this.menu.hidden = true;
    if (refocus) this.serverSelect.focus();
  };

  Explorer.prototype._say = function (text, error) {
    if (!this.status) return;
    this.status.textContent = text || "";
    this.status.classList.toggle("rl-bad", !!error);
  };

  /* The command box's text as a scenario line: a line that starts with a verb of the
   * scenario language as it is, anything else (x=1, del x) as a command to submit. */
  Explorer.prototype.commandLine = function (text) {
    text = String(text).trim();
    var verb = text.split(/\s+/)[0];
    return this.verbs.indexOf(verb) >= 0 ? text : "submit " + text;
  };

  Explorer.prototype._showUndo = function (undo) {
    this.undo = undo;
    this.undoButton.hidden = !undo;
  };

  /* Bring back the future the last fork forgot: load the session's scenario text from
   * before the fork. */
  Explorer.prototype.undoFork = function () {
    var undo = this.undo, self = this;
    if (!undo) return Promise.resolve(null);
    this._showUndo(null);
    return this._request({ op: "load", key: this.key, scenario: undo.scenario }, false)
      .then(function (reply) {
        if (reply.ok) {
          self.pristine = undo.pristine;
          self._say("Undid the fork: the future it forgot is back (" + reply.scenes.length +
            " events, the last one on show).");
        }
        return reply;
      });
  };

  /* Send a request to Python, one at a time, and show what comes back. `more`: the painter
   * asked for a step (Step or Play at the last scene) and waits for it. */
  Explorer.prototype._request = function (request, more) {
    var self = this;
    var send = function (retry) {
      return self._rebuild().then(function (rebuilt) {
        var t0 = root.performance.now();
        var before = { scenario: self.scenario, pristine: self.pristine };
        return self._call(request).then(function (reply) {
          self.timings.lastRequest = root.performance.now() - t0;
          if (reply.ok && request.op === "perform") {
            self.pristine = null;          // the reader acted: the loaded text is history
            if (reply.forked !== null && reply.forked !== undefined) self._showUndo(before);
            else if (!more && request.line !== "step") self._showUndo(null);
          } else if (reply.ok && request.op === "load") {
            self._showUndo(null);
          }
          self._apply(reply, more, rebuilt ? self.rebuilt : null);
          return reply;
        });
      }).catch(function (err) {
        // Python was restarted while this waited (Stop in an exercise): rebuild, then once more.
        if (err.type === "WorkerRestarted" && retry) return send(false);
        throw err;
      });
    };
    var job = this.queue.then(function () {
      return send(true);
    }).catch(function (err) {
      if (more) self.painter.pause();
      self._showError(err);
      return { ok: false, message: err.message, error: err.type };
    });
    this.queue = job;
    return job;
  };

  /* Show a reply; `before`: a line to say first (the session was just rebuilt). */
  Explorer.prototype._apply = function (reply, more, before) {
    var p = this.painter;
    var say = function (text) { return before ? before + (text ? " " + text : "") : text; };
    this._clearError();
    if (!reply.ok) {
      if (more) p.pause();
      this._say(say(reply.message), true);
      return;
    }
    if (reply.scenes) {
      p.setScenes(reply.scenes, reply.view);
    } else {
      var atEnd = !p.anim && p.index === p.scenes.length - 1;
      reply.push.forEach(function (scene) { p.push(scene); });
      // An action shows its outcome; a step Play asked for and the reader paused before it
      // came is shown too, so the step on show stays the present (acting there does not fork).
      if ((!more || (atEnd && !p._waiting && !p.anim)) && p.index !== p.scenes.length - 1) {
        p.show(p.scenes.length - 1);
      }
    }
    // A step says nothing new (the caption does): the status keeps what the last action did.
    if (reply.message || before) this._say(say(reply.message));
    this._refresh();
  };

  /* Perform one scenario line ("crash 3", "partition 1 2 | 3 4 5", "submit x=1",
   * "deliver #17", "step") at the step on show; an earlier step forks a new future. */
  Explorer.prototype.act = function (line) {
    var p = this.painter;
    if (p.anim) p.show(p.anim.to);     // finish the transition under way first
    p.pause();
    return this._request({ op: "perform", key: this.key, line: line, view: p.index }, false);
  };

  Explorer.prototype.save = function () {
    var self = this;
    return this._request({ op: "save", key: this.key }, false).then(function (reply) {
      if (reply.ok) self.text.value = reply.scenario;
      return reply.scenario;
    });
  };

  Explorer.prototype.load = function (text) {
    var self = this;
    return this._request({ op: "load", key: this.key, scenario: String(text) }, false)
      .then(function (reply) {
        if (reply.ok) self.pristine = String(text);
        return reply;
      });
  };

  Explorer.prototype.link = function (text) {
    var loc = root.location;
    return loc.origin + loc.pathname + "#scenario=" + encodeURIComponent(text);
  };

  Explorer.prototype.copyLink = function () {
    var self = this;
    // As loaded while the reader has not acted; otherwise the session as Python records it.
    var text = this.pristine !== null ? Promise.resolve(this.pristine) : this.save();
    return text.then(function (text) {
      if (!text) return null;
      self.text.value = text;
      var url = self.link(text);
      self.linkOut.hidden = false;
      self.linkOut.value = url;
      self.linkOut.select();
      var done = "A link that opens this explorer on this session is below";
      if (root.navigator.clipboard && root.navigator.clipboard.writeText) {
        root.navigator.clipboard.writeText(url).then(function () {
          self._say(done + " (and on your clipboard).");
        }, function () { self._say(done + ": copy it."); });
      } else {
        self._say(done + ": copy it.");
      }
      return url;
    });
  };

  function mountAll() {
    var boxes = doc.querySelectorAll(".raft-live");
    var out = [];
    for (var i = 0; i < boxes.length; i++) {
      out.push(boxes[i].raftExplorer || new Explorer(boxes[i], i));
    }
    var scenario = scenarioFromURL();
    if (scenario !== null && out.length && !(root.RaftLive && root.RaftLive.unavailable())) {
      var first = out[0];
      first.box.scrollIntoView({ block: "start" });
      first.start(scenario).then(function () {
        first.text.value = scenario;
        first.box.querySelector(".rl-scenario").open = true;
      }, function () { /* shown in the page */ });
    }
    return out;
  }

  root.RaftExplorer = { Explorer: Explorer, mountAll: mountAll, scenarioFromURL: scenarioFromURL };
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})(window);
