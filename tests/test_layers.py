"""The package's layers import only downward, and ARCHITECTURE.md's drawing of them is true.

Every import in raft/ (function-level ones included) is read with ``ast``; each module belongs to
one layer (LAYERS, lowest first); an import may go to the same layer or a lower one, never up.
The table of which layer imports which is regenerated here and must equal the one between the
markers in ARCHITECTURE.md (``python tests/test_layers.py`` prints it).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAFT = ROOT / "raft"

#: The layers, lowest first, and the modules (by name prefix) in each. The public names kept for
#: older code (raft.grade, raft.bugs, raft.labs, raft.scenario) sit in the layer they re-export.
LAYERS = (
    ("base", ("raft.errors", "raft.checks")),
    ("node", ("raft.node",)),
    ("check", ("raft.check", "raft.linearizability")),   # checks of runs and of histories
    ("sim", ("raft.sim",)),
    ("script", ("raft.script", "raft.scenario")),
    ("fuzz", ("raft.fuzz",)),
    ("mc", ("raft.mc",)),   # beside fuzz: another way of searching runs (the model checker)
    ("classroom", ("raft.classroom", "raft.grade", "raft.bugs", "raft.labs")),
    ("viz", ("raft.viz", "raft.player")),
    ("book", ("raft.book",)),
    ("raft", ("raft",)),   # the package itself: its public names (from raft import Cluster)
)


def modules():
    found = {}
    for path in RAFT.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def layer_of(module):
    best = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (rank, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def imports(name, path, known):
    """The modules of raft/ that module ``name`` imports (a package's own parents left out)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            # "from x import y": y is a module of package x, or a name defined in module x
            targets = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
            targets = targets or [base]
        else:
            continue
        out |= {t for t in targets
                if t in known and t != name and not name.startswith(t + ".")}
    return out


def edges():
    known = modules()
    return {(name, target) for name, path in known.items()
            for target in imports(name, path, known)}


def table():
    """Which layer imports which (directly), one line per layer, top layer first."""
    uses = {}
    for a, b in edges():
        la, lb = layer_of(a), layer_of(b)
        if la != lb:
            uses.setdefault(la, set()).add(lb)
    lines = []
    for rank in range(len(LAYERS) - 1, -1, -1):
        below = ", ".join(LAYERS[r][0] for r in sorted(uses.get(rank, ()), reverse=True))
        lines.append(f"{LAYERS[rank][0]:<10} -> {below or '(nothing)'}")
    return lines


def test_every_import_goes_down_or_stays_in_its_layer():
    upward = sorted((a, b) for a, b in edges() if layer_of(b) > layer_of(a))
    assert not upward, "imports that go up a layer: " + ", ".join(f"{a} -> {b}" for a, b in upward)


def test_the_algorithm_imports_nothing_of_the_layers_above():
    """raft/node.py reads like Figure 2: the standard library, the checks and the errors only."""
    known = modules()
    assert imports("raft.node", known["raft.node"], known) <= {"raft.checks", "raft.errors"}


def test_architecture_md_draws_the_imports_as_they_are():
    text = (ROOT / "ARCHITECTURE.md").read_text()
    match = re.search(r"<!-- imports: begin.*?-->\n```text\n(.*?)```\n<!-- imports: end -->",
                      text, re.S)
    assert match, "ARCHITECTURE.md has no imports table between its markers"
    assert match.group(1).splitlines() == table(), (
        "ARCHITECTURE.md's imports table is out of date; print the new one with "
        "`python tests/test_layers.py`")


if __name__ == "__main__":
    print("\n".join(table()))
