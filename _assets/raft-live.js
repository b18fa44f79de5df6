/* raft-live.js: Python in the page, in a web worker. The page's side of the worker protocol.
 *
 * The book's pages run the book's own raft package in the reader's browser with Pyodide (npm
 * `pyodide`, vendored into _static/pyodide/; no CDN). Pyodide runs in a web worker
 * (raft-live-worker.js) so the page never freezes, and is loaded only when asked (a reader
 * pressing "Run live"). One worker serves the whole page; every tool on the page (the live
 * explorer, exercises, labs) shares it through RaftLive.shared().
 *
 *   var live = RaftLive.shared();
 *   live.start({onProgress: fn})            -> Promise of {python, pyodide, times}
 *   live.run(code, {timeout, namespace, onStdout, onStderr, onProgress})
 *                                           -> Promise of {value, stdout, stderr, ms}
 *   live.call("module:function", [args], {timeout})  -> Promise of the function's value
 *   live.restart(); live.terminate();
 *   live.onRestart(fn)                      fn() after each restart (Python's state is gone)
 *   live.generation                         which worker: 1 for the first, +1 for each new one
 *   RaftLive.unavailable()                  -> null, or the one sentence to show instead
 *
 * run() executes Python code (top-level await allowed) in a namespace that persists between
 * calls (default "__main__"; give each exercise its own name to keep them apart); its value is
 * the last expression's, converted to JSON-like data, or {repr: "..."}. call() imports the module
 * and calls the function with the given arguments (JSON-like values). A Python exception rejects
 * the promise with an Error whose .type, .message and .traceback (the whole Python traceback)
 * come from Python; print output is in .stdout/.stderr of the result or of the error.
 *
 * Time limits: a request with {timeout: ms} that has not finished in time is stopped the only way
 * a busy worker can be: the worker is terminated and a fresh one started (Pyodide loaded again,
 * about 2.5 s). The promise rejects with an Error of .type "TimeLimit"; other requests waiting in
 * that worker reject with .type "WorkerRestarted". Whoever keeps state in Python (the live
 * explorer: its session) listens with onRestart, or compares live.generation with the one its
 * state was made in, and rebuilds it in the fresh worker. onProgress gets {stage, text, fraction} while
 * Pyodide loads, and whatever Python sends with `import raft_live_page;
 * raft_live_page.progress(0.5, "half way")` while a request runs.
 *
 * The messages (page -> worker, one at a time, answered in order):
 *   {id, type: "load", indexURL, zipURL, snapshotURL, imports: ["raft.viz.live", ...]}
 *     (snapshotURL: a gzipped Pyodide memory snapshot with those imports done, or null; the
 *     result's .times.snapshot says whether Python started from it)
 *   {id, type: "run", code, namespace}
 *   {id, type: "call", fn: "module:function", args: [...]}
 * (worker -> page):
 *   {type: "progress", id, stage, text, fraction}   while loading, or from Python
 *   {type: "stdout" | "stderr", id, text}           as the code prints
 *   {type: "result", id, value, stdout, stderr, ms}
 *   {type: "error", id, error: {type, message, traceback}, stdout, stderr, ms}
 *
 * Where it cannot run: a page opened from a file (file://: browsers refuse to start a worker or
 * fetch the wasm) or a browser without WebAssembly or workers. RaftLive.unavailable() then says
 * how to serve the book, and the pages keep their still pictures and players.
 */
(function (root) {
  "use strict";
  if (root.RaftLive) return;

  var script = root.document && root.document.currentScript;
  var STATIC = script ? script.src.replace(/[^/]*$/, "") : "_static/";
  var ZIP = (script && script.getAttribute("data-raft-zip")) || "raft-live/raft.zip";
  var SNAPSHOT = (script && script.getAttribute("data-raft-snapshot")) || null;
  // What "Run live" downloads the first time, in bytes (summed at build time from the files
  // shipped: _ext/raft_live.py), or null.
  var BYTES = script && parseInt(script.getAttribute("data-raft-bytes"), 10) || null;
  // How to serve the book: a reader holding the built HTML folder, and a clone (the README's).
  var SERVE_HERE = "python3 -m http.server";
  var SERVE = "python -m http.server -d _build/html --bind 127.0.0.1 8000";

  function unavailable() {
    var loc = root.location || {};
    if (loc.protocol === "file:") {
      return "The live parts need the book served over http, not opened as a file. Serve " +
        "this book's HTML folder (the one that holds index.html), e.g. run  " + SERVE_HERE +
        "  inside it and open http://localhost:8000/ (in a clone of the book's repository: " +
        SERVE + ").";
    }
    if (typeof root.WebAssembly !== "object" || typeof root.Worker !== "function") {
      return "The live parts need a browser with WebAssembly and web workers; the animations " +
        "work without them.";
    }
    return null;
  }

  function failure(error) {
    var e = new Error(error.message);
    e.type = error.type;
    e.traceback = error.traceback || null;
    return e;
  }

  function LiveWorker(options) {
    options = options || {};
    this.staticURL = options.staticURL || STATIC;
    this.indexURL = options.indexURL || this.staticURL + "pyodide/";
    this.zipURL = options.zipURL || this.staticURL + ZIP;
    this.snapshotURL = options.snapshotURL !== undefined ? options.snapshotURL :
      SNAPSHOT && this.staticURL + SNAPSHOT;
    this.workerURL = options.workerURL || this.staticURL + "raft-live-worker.js";
    this.imports = options.imports || ["raft.viz.live", "raft.book.live"];
    this.worker = null;
    this.pending = {};
    this.nextId = 1;
    this.info = null;
    this.starting = null;
    this.restarts = 0;
    this.generation = 0;
    this.listeners = [];
    this.restartListeners = [];
  }

  /* Start Pyodide and the raft package (once; later calls return the same promise). */
  LiveWorker.prototype.start = function (opts) {
    opts = opts || {};
    if (opts.onProgress && this.listeners.indexOf(opts.onProgress) < 0) this.listeners.push(opts.onProgress);
    if (this.starting) return this.starting;
    var reason = unavailable();
    if (reason) {
      var e = new Error(reason);
      e.type = "Unavailable";
      return Promise.reject(e);
    }
    var self = this;
    this.generation++;
    this.worker = new root.Worker(this.workerURL, { type: "module" });
    this.worker.onmessage = function (ev) { self._receive(ev.data); };
    this.worker.onerror = function (ev) {
      ev.preventDefault();
      self._failAll({ type: "WorkerError", message: "the Python worker failed: " + (ev.message || "no reason given") });
    };
    var t0 = root.performance.now();
    this.starting = this._send({ type: "load", indexURL: new URL(this.indexURL, root.location.href).href,
      zipURL: new URL(this.zipURL, root.location.href).href, imports: this.imports,
      snapshotURL: this.snapshotURL ? new URL(this.snapshotURL, root.location.href).href : null }, {
      onProgress: function (p) { self.listeners.forEach(function (fn) { fn(p); }); },
    }).then(function (r) {
      self.info = r.value;
      self.info.startMs = root.performance.now() - t0;
      return self.info;
    }, function (err) {
      self.starting = null;
      throw err;
    });
    return this.starting;
  };

  LiveWorker.prototype._send = function (message, opts) {
    opts = opts || {};
    var self = this, id = this.nextId++;
    message.id = id;
    return new Promise(function (resolve, reject) {
      var entry = { resolve: resolve, reject: reject, opts: opts, timer: null };
      self.pending[id] = entry;
      if (opts.timeout) {
        entry.timer = root.setTimeout(function () {
          delete self.pending[id];
          var e = new Error("stopped after " + (opts.timeout / 1000) + " s (the time limit): " +
            "Python was restarted, so anything defined before is gone");
          e.type = "TimeLimit";
          self.restart();
          reject(e);
        }, opts.timeout);
      }
      self.worker.postMessage(message);
    });
  };

  LiveWorker.prototype._receive = function (m) {
    var entry = this.pending[m.id];
    if (m.type === "progress") {
      if (entry && entry.opts.onProgress) entry.opts.onProgress(m);
      return;
    }
    if (m.type === "stdout" || m.type === "stderr") {
      var fn = entry && entry.opts[m.type === "stdout" ? "onStdout" : "onStderr"];
      if (fn) fn(m.text);
      return;
    }
    if (!entry) return;
    delete this.pending[m.id];
    if (entry.timer) root.clearTimeout(entry.timer);
    if (m.type === "result") {
      entry.resolve({ value: m.value, stdout: m.stdout, stderr: m.stderr, ms: m.ms });
    } else {
      var e = failure(m.error);
      e.stdout = m.stdout;
      e.stderr = m.stderr;
      entry.reject(e);
    }
  };

  LiveWorker.prototype._failAll = function (error) {
    var pending = this.pending;
    this.pending = {};
    Object.keys(pending).forEach(function (id) {
      if (pending[id].timer) root.clearTimeout(pending[id].timer);
      pending[id].reject(failure(error));
    });
  };

  /* Run Python code; see the header. Starts Python first if needed. */
  LiveWorker.prototype.run = function (code, opts) {
    var self = this;
    opts = opts || {};
    return this.start().then(function () {
      return self._send({ type: "run", code: String(code), namespace: opts.namespace || "__main__" }, opts);
    });
  };

  /* Call "module:function" with JSON-like arguments; the promise gives its value. */
  LiveWorker.prototype.call = function (fn, args, opts) {
    var self = this;
    return this.start().then(function () {
      return self._send({ type: "call", fn: fn, args: args || [] }, opts || {});
    }).then(function (r) { return r.value; });
  };

  /* Stop the worker now; requests still waiting reject with .type "WorkerRestarted". */
  LiveWorker.prototype.terminate = function () {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.starting = null;
    this.info = null;
    this._failAll({ type: "WorkerRestarted", message: "Python was restarted before this finished" });
  };

  /* A fresh worker (Python state lost); starts loading Pyodide again at once, and tells the
   * onRestart listeners (after the requests that were waiting have been failed). */
  LiveWorker.prototype.restart = function () {
    this.terminate();
    this.restarts++;
    var p = this.start();
    p.catch(function () { /* reported to whoever waits on start() */ });
    this.restartListeners.forEach(function (fn) {
      try { fn(); } catch (e) { root.console.error(e); }
    });
    return p;
  };

  /* Call fn() after every restart (a time limit, a Stop: the whole page shares one worker). */
  LiveWorker.prototype.onRestart = function (fn) {
    if (this.restartListeners.indexOf(fn) < 0) this.restartListeners.push(fn);
    return this;
  };

  var shared = null;
  root.RaftLive = {
    LiveWorker: LiveWorker,
    shared: function () { return shared || (shared = new LiveWorker()); },
    unavailable: unavailable,
    staticURL: STATIC,
    serveCommand: SERVE,
    serveHere: SERVE_HERE,
    downloadBytes: BYTES,
  };
})(typeof window !== "undefined" ? window : globalThis);
