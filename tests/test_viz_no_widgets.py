"""raft.viz works where there are no widgets: the live page runs it in Pyodide, which has no
ipywidgets, IPython, numpy or networkx. A fresh interpreter that refuses to import those
modules must still import raft.viz, build scenes, a player's HTML and a still picture, and
run a Session; only explore() (the notebook widget) needs them, and says so."""

import subprocess
import sys
import textwrap

BLOCKED = ("ipywidgets", "IPython", "numpy", "networkx", "anywidget", "traitlets", "matplotlib")

SCRIPT = textwrap.dedent(f"""
    import sys

    BLOCKED = {BLOCKED!r}

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{{name}} is blocked in this test")
            return None

    sys.meta_path.insert(0, Blocker())

    import raft.viz
    from raft import Cluster
    from raft.viz import play, scene_of, show, validate_scene, Session
    from raft.viz import embed, scene, svg, player, view, checks, session

    c = Cluster(seed=2)
    c.run(400)
    c.submit("x=1")
    c.run(50)
    s = validate_scene(scene_of(c.snapshot()))
    p = play(c, start=c.steps - 20)
    html = p.html()
    assert 'class="raft-painter"' in html and "RaftPainter" in html
    assert 'class="raft-painter"' in show(c).html(inline_js=False)
    sess = Session(c)
    result, new, forked = sess.do("crash", 2)
    assert new and new[-1]["servers"][1]["crashed"] and forked is None
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not loaded, loaded
    try:
        raft.viz.explore(c)
    except ImportError as e:
        print("explore needs widgets:", e)
    print("ok", len(p.scenes), s["leader"])
""")


def test_scenes_players_and_sessions_import_and_run_without_widget_libraries():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1].startswith("ok ")
    assert "explore needs widgets: ipywidgets is blocked" in out.stdout or \
        "explore needs widgets: anywidget is blocked" in out.stdout


def test_the_blocker_really_blocks():
    """Guard: the same blocker makes importing the widgets fail (so the test above can fail)."""
    script = SCRIPT.split("import raft.viz")[0] + "import raft.viz.widgets\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode != 0 and "is blocked in this test" in out.stderr
