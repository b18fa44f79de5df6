/* The live page's web worker: Pyodide and the book's raft package, off the page's main thread.
 *
 * Started by raft-live.js (read its header for the protocol); nothing else talks to it. It
 * loads Pyodide from the book's own _static/pyodide/ (vendored from npm: no CDN), starting
 * Python from the memory snapshot made when the book was built (Python already running, the
 * raft package imported: about 1 s instead of about 3 s of work), writes the raft package
 * zipped at build time to BOOK_ZIP, on sys.path (Python imports from the zip itself; there the
 * modules of the snapshot find their source for tracebacks), and then runs what the page asks:
 * Python code (stdout and stderr captured and streamed), or a call of a Python function by
 * name. A Python exception
 * goes back with its traceback. A request that runs too long is stopped by the page, which
 * terminates this worker and starts a fresh one: a worker cannot be interrupted from inside.
 */
/* A module worker (Pyodide refuses classic workers): started with {type: "module"}. */

/* Where the raft zip goes, and sys.path's first entry: the path the build's snapshot imported
 * the package from (_ext/pyodide_snapshot.mjs), so it must not change without it. */
var BOOK_ZIP = "/home/pyodide/book/raft.zip";
var pyodide = null;
var loading = null;
var current = null;           // the id of the request being served (for stdout and progress)
var out = { stdout: [], stderr: [] };
var namespaces = {};

function post(message) { self.postMessage(message); }

function progress(stage, text, fraction) {
  post({ type: "progress", id: current, stage: stage, text: text,
    fraction: fraction === undefined ? null : fraction });
}

function stream(name) {
  return function (text) {
    out[name].push(text);
    post({ type: name, id: current, text: text + "\n" });
  };
}

/* A JS error or a Python exception as data. A PythonError's message is the whole traceback. */
function errorOf(e) {
  if (e && e.constructor && e.constructor.name === "PythonError") {
    var lines = String(e.message).trim().split("\n");
    return { type: e.type || "PythonError", message: lines[lines.length - 1],
      traceback: String(e.message) };
  }
  return { type: (e && e.name) || "Error", message: String((e && e.message) || e),
    traceback: e && e.stack ? String(e.stack) : null };
}

/* A Python value for the page: numbers, strings, lists and dicts as they are; anything that
 * does not convert, as {repr: "..."}. */
function valueOf(v) {
  if (v === undefined || v === null) return null;
  if (typeof v !== "object" && typeof v !== "function") return v;
  if (!v.toJs) return String(v);
  var result;
  try {
    result = v.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  } catch (e) {
    result = { repr: pyodide.globals.get("repr")(v) };
  }
  if (v.destroy) v.destroy();
  return result;
}

/* The memory of a Python that has already started and imported the raft package, saved when
 * the book was built (_ext/pyodide_snapshot.mjs), gzipped: a Uint8Array. */
async function fetchSnapshot(url) {
  var response = await fetch(url);
  if (!response.ok) throw new Error("could not fetch " + url + " (HTTP " + response.status + ")");
  var stream = response.body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function load(m) {
  if (loading) return loading;
  loading = (async function () {
    var t0 = performance.now(), times = {};
    progress("pyodide", "Loading Python (Pyodide)…", 0.05);
    var zip = fetch(m.zipURL);           // the raft package comes while Python starts
    zip.catch(function () { /* reported when awaited below */ });
    var snapshot = m.snapshotURL ? fetchSnapshot(m.snapshotURL).then(function (bytes) {
      times.snapshotRead = performance.now() - t0;   // fetched and unzipped
      return bytes;
    }) : null;
    if (snapshot) snapshot.catch(function () { /* reported when loadPyodide awaits it */ });
    var loader = await import(m.indexURL + "pyodide.mjs");
    times.loader = performance.now() - t0;
    progress("python", "Starting Python…", 0.2);
    var options = { indexURL: m.indexURL, stdout: stream("stdout"), stderr: stream("stderr") };
    times.snapshot = false;
    if (snapshot) {
      try {
        pyodide = await loader.loadPyodide(Object.assign({ _loadSnapshot: snapshot }, options));
        times.snapshot = true;
      } catch (e) {
        // A snapshot this Pyodide cannot use (or could not fetch): boot Python the long way.
        times.snapshotError = String((e && e.message) || e);
        console.warn("raft-live: starting Python without its snapshot: " + times.snapshotError);
      }
    }
    if (!pyodide) pyodide = await loader.loadPyodide(options);
    times.python = performance.now() - t0;
    pyodide.registerJsModule("raft_live_page", {
      progress: function (fraction, text) { progress("python", text || "", fraction); },
    });
    progress("raft", "Adding the raft package…", 0.85);
    var response = await zip;
    if (!response.ok) throw new Error("could not fetch " + m.zipURL + " (HTTP " + response.status + ")");
    var bytes = new Uint8Array(await response.arrayBuffer());
    times.zipFetched = performance.now() - t0;
    pyodide.FS.mkdirTree(BOOK_ZIP.slice(0, BOOK_ZIP.lastIndexOf("/")));
    pyodide.FS.writeFile(BOOK_ZIP, bytes);
    pyodide.runPython("import sys\nif " + JSON.stringify(BOOK_ZIP) + " not in sys.path:\n" +
      "    sys.path.insert(0, " + JSON.stringify(BOOK_ZIP) + ")");
    times.zip = performance.now() - t0;        // the package in place
    progress("import", "Importing the raft package…", 0.92);
    (m.imports || []).forEach(function (name) { pyodide.pyimport(name); });
    times.ready = performance.now() - t0;
    return { python: pyodide.runPython("import sys; sys.version.split()[0]"),
      pyodide: pyodide.version, times: times };
  })();
  return loading;
}

async function run(m) {
  var name = m.namespace || "__main__";
  if (!namespaces[name]) {
    namespaces[name] = name === "__main__" ? pyodide.globals : pyodide.globals.get("dict")();
  }
  return valueOf(await pyodide.runPythonAsync(m.code, { globals: namespaces[name] }));
}

function call(m) {
  var dot = m.fn.lastIndexOf(":");
  var module = pyodide.pyimport(m.fn.slice(0, dot));
  var fn = module[m.fn.slice(dot + 1)];
  if (typeof fn !== "function") throw new Error(m.fn + " is not a Python function");
  var args = (m.args || []).map(function (a) { return typeof a === "object" && a !== null ? pyodide.toPy(a) : a; });
  return valueOf(fn.apply(null, args));
}

var queue = Promise.resolve();

self.onmessage = function (event) {
  var m = event.data || {};
  // One request at a time, in order: Python is single-threaded anyway.
  queue = queue.then(async function () {
    current = m.id;
    out = { stdout: [], stderr: [] };
    var t0 = performance.now();
    try {
      var value;
      if (m.type === "load") value = await load(m);
      else if (!pyodide) throw new Error("Python is not loaded yet: send 'load' first");
      else if (m.type === "run") value = await run(m);
      else if (m.type === "call") value = call(m);
      else throw new Error("unknown request type " + m.type);
      post({ type: "result", id: m.id, value: value, stdout: out.stdout.join("\n"),
        stderr: out.stderr.join("\n"), ms: performance.now() - t0 });
    } catch (e) {
      if (m.type === "load") loading = null;
      post({ type: "error", id: m.id, error: errorOf(e), stdout: out.stdout.join("\n"),
        stderr: out.stderr.join("\n"), ms: performance.now() - t0 });
    }
    current = null;
  });
};
