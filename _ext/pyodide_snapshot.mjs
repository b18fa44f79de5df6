// Make a Pyodide memory snapshot with the book's raft package already imported.
//
//   node _ext/pyodide_snapshot.mjs <pyodide folder>/ <raft zip> <output .snap.gz>
//
// Run by _ext/raft_live.py when the book is built. Pyodide (npm `pyodide`) starts here under
// node, puts the same zip the pages get at /home/pyodide/book/raft.zip and on sys.path (Python
// imports the package from the zip itself: zipimport), imports raft.viz.live and raft.book.live
// (the explorer; the exercises, labs and zoo), opens and closes one small session (so the
// modules an explorer uses are all loaded), and writes its memory, gzipped. The page's worker
// then starts Python from that memory instead of booting it (about 1 s instead of about 3 s of
// CPU), and writes the zip again at the same path (the file system is not in the snapshot):
// one file, not a folder to unpack, and there the imported modules find their source for
// tracebacks and the modules not imported yet are found. `_makeSnapshot` / `_loadSnapshot` are
// Pyodide options marked experimental: the snapshot is tied to the pinned Pyodide version, and
// the page falls back to a plain start if it cannot use one (raft-live-worker.js).
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const [indexURL, zipPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node pyodide_snapshot.mjs <pyodide folder>/ <raft zip> <output .snap.gz>");
  process.exit(2);
}
const { loadPyodide } = await import(new URL("pyodide.mjs", "file://" + indexURL).href);
const py = await loadPyodide({ indexURL, _makeSnapshot: true });
// The path the worker writes the zip to (raft-live-worker.js, BOOK_ZIP): the same, or the
// modules imported here could not find their files.
py.FS.mkdirTree("/home/pyodide/book");
py.FS.writeFile("/home/pyodide/book/raft.zip", new Uint8Array(readFileSync(zipPath)));
py.runPython(`
import sys
sys.path.insert(0, "/home/pyodide/book/raft.zip")
import json
import raft.viz.live as live
import raft.book.live
reply = json.loads(live.request(json.dumps(
    {"op": "open", "key": "warm-up", "scenario": "cluster size=3 seed=1\\nelect 1\\n"})))
assert reply["ok"], reply
live.request(json.dumps({"op": "perform", "key": "warm-up", "line": "crash 1"}))
live.SESSIONS.clear()
del json, live, reply, raft
`);
const snapshot = py.makeMemorySnapshot();
writeFileSync(outPath, gzipSync(snapshot, { level: 6 }));
console.log(`pyodide snapshot: ${(snapshot.length / 1e6).toFixed(1)} MB of memory, ` +
  `${(readFileSync(outPath).length / 1e6).toFixed(1)} MB gzipped`);
