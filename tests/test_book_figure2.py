"""The Figure 2 card (book/appendix/figure2.md, written by raft/book/figure2.py) cannot drift.

Every rule of ``raft.node.RULES`` is on the card; every function and test a rule links to
exists; the rule's key appears in the code it links to; each rule really fires (the node or the
simulator notes it) while the tests it links to run; and in the built page every link lands on a
listing. The last part of this file also checks the book's listings of raft/node.py: each function
is shown once, with a label the card can link to.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from raft.book import figure2
from raft.node import RULES, Node

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("RAFT_BOOK_SITE", ROOT / "_build" / "html"))
RAFT = ROOT / "raft"


def test_every_rule_has_a_row_and_every_row_a_rule():
    missing = sorted(set(RULES) - set(figure2.ROWS))
    stale = sorted(set(figure2.ROWS) - set(RULES))
    assert not missing, (f"rules of raft.node.RULES missing from the Figure 2 card: {missing}; "
                         "add a row for each to ROWS in raft/book/figure2.py")
    assert not stale, f"rows of raft/book/figure2.py ROWS for rules RULES no longer has: {stale}"


def test_every_rule_is_in_exactly_one_section():
    placed = [key for name in figure2.SECTIONS for key in figure2.rules_in(name)]
    assert sorted(placed) == sorted(RULES)
    assert all(figure2.rules_in(name) for name in figure2.SECTIONS), "an empty card section"


def test_the_card_page_shows_every_section():
    page = figure2.CARD.read_text()
    shown = re.findall(r'figure2\.section\("([\w-]+)"\)', page)
    assert sorted(shown) == sorted(figure2.SECTIONS)
    for call in ("figure2.state()", "figure2.appendix()", 'figure2.messages("RequestVote"',
                 'figure2.messages("AppendEntries"'):
        assert call in page


@pytest.mark.parametrize("key", sorted(figure2.ROWS))
def test_code_links_name_functions_of_raft_node(key):
    names, _ = figure2.ROWS[key]
    assert names, key
    for name in names:
        obj = figure2.code_object(name)
        assert Path(inspect.getsourcefile(obj)) == RAFT / "node.py", (key, name)
        assert figure2.qualname(name).startswith("Node."), (key, name)


def emitted_rules():
    """The rule keys that some code of raft/ writes into a note or a trace record: a quoted key
    anywhere in raft/*.py outside the RULES table itself (and outside raft/book)."""
    found = set()
    for path in RAFT.rglob("*.py"):
        if "book" in path.relative_to(RAFT).parts:
            continue
        text = path.read_text()
        if path.name == "node.py":
            start = text.index("RULES = {")
            text = text[:start] + text[text.index("\n}\n", start):]
        found |= {key for key in RULES if f'"{key}"' in text}
    return found


def _callees(source):
    return set(re.findall(r"self\.(\w+)\(", source))


@pytest.mark.parametrize("key", sorted(figure2.ROWS))
def test_the_rule_is_in_the_code_it_links_to(key):
    """The key of an emitted rule appears in a linked function, or in a Node method one of
    them calls: the link goes where the rule is carried out."""
    if key not in emitted_rules():
        pytest.skip(f"{key}: no code of raft/ notes this rule yet")
    names, _ = figure2.ROWS[key]
    sources = [figure2.code_source(n) for n in names]
    for source in list(sources):
        for callee in _callees(source):
            if hasattr(Node, callee) and callable(getattr(Node, callee)):
                sources.append(inspect.getsource(getattr(Node, callee)))
    node_source = (RAFT / "node.py").read_text()
    simulator = (RAFT / "sim" / "cluster.py").read_text()
    if f'"{key}"' in simulator and node_source.count(f'"{key}"') == 1:
        # Only the simulator notes this rule, on the node's behalf (all-apply: it applies the
        # entries the node hands over): the link goes to the node code whose output it records.
        sources.append(simulator)
    assert any(f'"{key}"' in s for s in sources), (
        f"{key}: not in {[figure2.qualname(n) for n in names]} nor in what they call")


def functions_in(file):
    tree = ast.parse((ROOT / "tests" / file).read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("key", sorted(figure2.ROWS))
def test_test_links_name_tests_that_exist(key):
    _, tests = figure2.ROWS[key]
    assert tests, f"{key} has no test"
    for test in tests:
        file, _, function = test.partition("::")
        assert function.startswith("test_"), test
        assert function in functions_in(file), f"{key}: no {function} in tests/{file}"


PROBE = r"""
import json, sys
import pytest
import raft.node, raft.sim.trace

fired, current = {}, [None]
node_note = raft.node.Node.note

def recording_note(self, kind, rule, **data):
    if current[0]:
        fired.setdefault(current[0], set()).add(rule)
    return node_note(self, kind, rule, **data)

raft.node.Node.note = raft.node.Node._note = recording_note

# The simulator's own records (sends, applies) are read from every trace a test makes.
traces, trace_init = [], raft.sim.trace.Trace.__init__

def recording_trace(self, *args, **kwargs):
    trace_init(self, *args, **kwargs)
    traces.append(self)

raft.sim.trace.Trace.__init__ = recording_trace

class Probe:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        current[0] = item.nodeid.split("[")[0].rsplit("/", 1)[-1]
        traces.clear()
        yield
        for trace in traces:
            fired.setdefault(current[0], set()).update(r.rule for r in trace)
        traces.clear()
        current[0] = None

code = pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", *sys.argv[2:]],
                   plugins=[Probe()])
with open(sys.argv[1], "w") as out:
    json.dump({k: sorted(r for r in v if r) for k, v in fired.items()}, out)
sys.exit(int(code))
"""


@pytest.fixture(scope="module")
def fired(tmp_path_factory):
    """Which rules fired during each test the card names (one pytest run, in a subprocess)."""
    tests = sorted({t for _, ts in figure2.ROWS.values() for t in ts})
    out = tmp_path_factory.mktemp("probe") / "fired.json"
    result = subprocess.run([sys.executable, "-c", PROBE, str(out),
                             *(f"tests/{t}" for t in tests)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize("key", sorted(figure2.ROWS))
def test_each_rule_fires_while_its_tests_run(key, fired):
    if key not in emitted_rules():
        pytest.skip(f"{key}: no code of raft/ notes this rule yet")
    _, tests = figure2.ROWS[key]
    seen = {t: fired.get(t, []) for t in tests}
    assert any(key in rules for rules in seen.values()), (
        f"{key} never fired in its tests {tests}; they noted {seen}")


def test_the_probe_sees_a_rule_that_a_test_does_not_fire(fired):
    """The probe is not vacuous: a test about votes never fires the AppendEntries rules."""
    rules = fired[f"{figure2.RULES_FILE}::test_vote_denied_to_stale_term"]
    assert "rv-stale" in rules and "ae-mismatch" not in rules


# -- listings of raft/node.py in the book --------------------------------------------------------

CHAPTERS = sorted((ROOT / "book").glob("0*.md"))


def node_listings(path):
    """``[(pyobject, label or None), ...]`` for each listing of raft/node.py on a page."""
    text = path.read_text()
    out = []
    for m in re.finditer(r"^```\{literalinclude\}\s+\S*raft/node\.py\s*\n((?::[^\n]*\n)*)",
                         text, re.M):
        obj = re.search(r"^:pyobject:\s*(\S+)", m.group(1), re.M)
        label = re.search(r"\(([\w-]+)\)=\s*\n+$", text[:m.start()][-100:])
        out.append((obj.group(1) if obj else None, label.group(1) if label else None))
    return out


def test_each_function_of_raft_node_is_shown_once_in_the_chapters():
    """Code is shown once, in the chapter that teaches it; other chapters link to it."""
    seen = {}
    for path in CHAPTERS:
        for obj, _ in node_listings(path):
            seen.setdefault(obj, []).append(path.name)
    twice = {obj: pages for obj, pages in seen.items() if len(pages) > 1}
    assert not twice, f"listed more than once: {twice}"


def test_every_chapter_listing_of_raft_node_has_a_label():
    unlabelled = [(p.name, obj) for p in CHAPTERS for obj, label in node_listings(p)
                  if label is None]
    assert not unlabelled, f"listings without a (label)= line above them: {unlabelled}"


def test_the_card_lists_only_what_no_chapter_shows():
    shown = figure2.listings()
    card = figure2.appendix().text
    listed = re.findall(r"^:pyobject:\s*(\S+)", card, re.M)
    code = [obj for obj in listed if "." in obj and obj.startswith("Node.")]
    assert code and not set(code) & set(shown)
    assert len(listed) == len(set(listed))


def test_chapter_four_teaches_concepts_before_code():
    """Chapter 4 is the map: it shows no listing of raft/node.py."""
    assert node_listings(ROOT / "book" / "04_parts.md") == []


# -- the built page -----------------------------------------------------------------------------

CARD_HTML = SITE / "book" / "appendix" / "figure2.html"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids, self.text = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if attrs.get("id"):
            self.ids.add(attrs["id"])

    def handle_data(self, data):
        self.text.append(data)


def parse(path):
    parser = _Links()
    parser.feed(path.read_text())
    return parser


@pytest.mark.skipif(not CARD_HTML.is_file(), reason="the book is not built (scripts/build_book.sh)")
def test_built_card_shows_every_rule_and_every_link_lands():
    card = parse(CARD_HTML)
    text = " ".join(card.text)
    for key in RULES:
        assert f"rule {key}" in re.sub(r"\s+", " ", text), f"rule {key} is not on the built card"
    internal = [h for h in card.hrefs if "#" in h and not h.startswith(("http", "#pst", "#main"))]
    code_links = [h for h in internal if "#code-" in h or "#fig2-code-" in h]
    test_links = [h for h in internal if "#fig2-test-" in h]
    assert len(test_links) >= len(RULES) and len(code_links) >= len(RULES)
    cache = {}
    for href in code_links + test_links:
        page, anchor = href.split("#", 1)
        target = (CARD_HTML.parent / page).resolve() if page else CARD_HTML
        if target not in cache:
            cache[target] = parse(target).ids
        assert anchor in cache[target], f"{href} leads nowhere"


@pytest.mark.skipif(not CARD_HTML.is_file() or not Path("/usr/bin/chromium").exists(),
                    reason="needs the built book and /usr/bin/chromium")
def test_following_a_test_link_opens_its_listing_offline():
    """In Chromium with every non-local request refused: a test link on the card scrolls to the
    test's listing and opens the dropdown that holds it; a code link leads to a chapter's
    listing."""
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    label = figure2.test_label(figure2.ROWS["rv-stale"][1][0])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.route("**/*", lambda route: route.abort() if route.request.url.startswith("http")
                   else route.continue_())
        page.goto(CARD_HTML.as_uri())
        closed = page.evaluate(f"document.getElementById('{label}').closest('details').open")
        page.locator(f'a[href="#{label}"]').first.click()
        page.wait_for_timeout(300)
        opened = page.evaluate(f"document.getElementById('{label}').closest('details').open")
        visible = page.locator(f"#{label}").is_visible()
        page.locator('a[href$="#code-node-handle-request-vote"]').first.click()
        page.wait_for_load_state()
        chapter = page.url
        browser.close()
    assert closed is False and opened is True and visible
    assert chapter.endswith("05_leader_election.html#code-node-handle-request-vote")
