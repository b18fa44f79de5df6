"""Figure 2 of the paper as a one-page card, written from the code when the book is built.

Theory of operation
-------------------
Figure 2 of the paper summarises the whole algorithm on one page: the state a server keeps, the
two RPCs with their arguments, results and receiver rules, and the rules each role follows. The
book's card (``book/appendix/figure2.md``) shows the same page, with every rule linked to the
code that carries it out and to the test that checks it. Nothing on it is typed by hand:

* the rules, in our own words, are :data:`raft.node.RULES`, the table whose keys every note of
  the node (and so every line of the trace) names;
* the state and the RPCs' fields are read from the source of ``Node.__init__`` (the lines under
  its "(Figure 2)" comments) and of the message classes (the fields with a comment);
* :data:`ROWS` says, for each rule, which ``Node`` methods carry it out and which tests check
  it. A method is named as ``Node`` spells it today; the card shows the name of the function
  that is really there (``inspect``), so an old name kept as an alias leads to the new one;
* the link to the code goes to the one place in the book that shows that function: a listing
  (``literalinclude``) in a chapter with a ``(label)=`` just above it, found by reading the
  chapters' sources. Code no chapter shows is listed at the end of the card itself, and so are
  the tests.

``tests/test_book_figure2.py`` checks that every rule of ``RULES`` has a row, that every method
and test named here exists, that each rule's key appears in the code the row links to, and that
each rule fires (is noted by the node or the simulator) while its tests run.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from .. import node as node_module
from ..node import RULES, Node

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
TESTS = ROOT / "tests"
CARD = BOOK / "appendix" / "figure2.md"
FENCE = "`" * 3

RULES_FILE = "test_node_rules.py"
MEMBERSHIP_FILE = "test_node_membership.py"
PRE_VOTE_FILE = "test_mech_pre_vote.py"
CHECK_QUORUM_FILE = "test_mech_check_quorum.py"
TRANSFER_FILE = "test_mech_transfer.py"
SINGLE_SERVER_FILE = "test_mech_single_server.py"


def _rules(*names):
    return tuple(f"{RULES_FILE}::{name}" for name in names)


def _reads(*names):
    return tuple(f"test_clients_node_reads.py::{name}" for name in names)


SNAPSHOT_FILE = "test_mech_snapshot.py"


def _snap(*names):
    return tuple(f"{SNAPSHOT_FILE}::{name}" for name in names)


#: rule key -> (the Node methods that carry it out, the tests that check it as "file::test").
ROWS = {
    # Rules for Servers, all servers
    "all-term": (("adopt_newer_term",),
                 _rules("test_higher_term_makes_any_server_adopt_it_and_follow")),
    "all-apply": (("apply_committed",),
                  _rules("test_leader_commits_when_a_majority_stores_an_entry_of_its_term")
                  + ("test_sim_cluster.py::test_retried_command_is_applied_once",)),
    # Rules for Servers, followers and candidates
    "follower-timeout": (("tick",), _rules("test_follower_times_out_and_campaigns")),
    "candidate-start": (("start_election",), _rules("test_follower_times_out_and_campaigns")),
    "candidate-count": (("handle_request_vote_reply",),
                        _rules("test_counting_a_vote_is_not_winning")),
    "candidate-forced": (("timeout_now",), _rules("test_a_forced_election_is_not_a_timeout")),
    "candidate-win": (("handle_request_vote_reply", "count_votes", "become_leader"),
                      _rules("test_candidate_with_majority_becomes_leader")),
    "candidate-leader-found": (("handle_append_entries",), _rules(
        "test_candidate_steps_down_on_append_entries_from_leader_of_same_term")),
    "candidate-timeout": (("tick",), _rules("test_candidate_starts_new_election_on_timeout")),
    # Rules for Servers, leaders
    "leader-heartbeat": (("tick", "broadcast_append_entries"),
                         _rules("test_leader_sends_heartbeats_when_idle")),
    "leader-noop": (("become_leader",), _rules("test_leader_appends_a_no_op_on_election")),
    "leader-client": (("propose",), _rules("test_leader_replicates_client_command")),
    "leader-replicate": (("send_append_entries",),
                         _rules("test_leader_replicates_client_command",
                                "test_send_records_name_replication_and_heartbeat")),
    "leader-success": (("handle_append_entries_reply",),
                       _rules("test_leader_replicates_client_command")),
    "leader-backoff": (("handle_append_entries_reply",),
                       _rules("test_leader_next_index_backs_off_one_entry_per_rejection")),
    "leader-commit": (("advance_commit_index",),
                      _rules("test_leader_commits_when_a_majority_stores_an_entry_of_its_term",
                             "test_leader_does_not_commit_earlier_term_entries_by_counting")),
    # RequestVote RPC, receiver
    "rv-stale": (("handle_request_vote",), _rules("test_vote_denied_to_stale_term")),
    "rv-grant": (("handle_request_vote", "candidate_log_is_up_to_date"),
                 _rules("test_one_vote_per_term", "test_vote_only_for_an_up_to_date_log",
                        "test_granting_a_vote_resets_the_election_timer")),
    "rv-refuse": (("handle_request_vote", "candidate_log_is_up_to_date"),
                  _rules("test_vote_notes_name_the_outcome_of_receiver_rule_2")),
    "rv-ignore": (("step", "_ignores_request_vote"),
                  (f"{MEMBERSHIP_FILE}::test_disruption_guard_ignores_removed_servers",)),
    # AppendEntries RPC, receiver
    "ae-stale": (("handle_append_entries",),
                 _rules("test_stale_term_messages_are_rejected_with_the_current_term")),
    "ae-mismatch": (("handle_append_entries", "log_matches"),
                    _rules("test_append_entries_consistency_check")),
    "ae-truncate": (("handle_append_entries", "find_conflict"),
                    _rules("test_conflicting_entries_are_truncated_and_replaced",
                           "test_late_append_entries_does_not_cut_off_newer_entries")),
    "ae-append": (("handle_append_entries",),
                  _rules("test_conflicting_entries_are_truncated_and_replaced",
                         "test_late_append_entries_does_not_cut_off_newer_entries")),
    "ae-two-leaders": (("handle_append_entries",),
                       _rules("test_leader_refuses_append_entries_of_its_own_term_as_two_leaders")),
    "ae-commit": (("handle_append_entries",),
                  _rules("test_follower_commit_is_min_of_leader_commit_and_last_new_entry")),
    # Beyond Figure 2
    "reply-stale": (("handle_request_vote_reply", "handle_append_entries_reply"),
                    ("test_node_stale_replies.py::test_replies_from_an_earlier_term_are_ignored",)),
    "config-latest": (("config", "append_entries_to_log"),
                      (f"{MEMBERSHIP_FILE}::"
                       "test_servers_use_the_latest_configuration_even_uncommitted",)),
    "config-begin": (("check_catch_up",), _rules("test_membership_appends_name_their_rule")),
    "config-unsafe": (("change_membership",), _rules("test_membership_appends_name_their_rule")),
    "config-joint": (("after_commit_as_leader",),
                     (f"{MEMBERSHIP_FILE}::test_c_new_is_appended_once_c_old_new_commits",)),
    "config-removed": (("after_commit_as_leader",), (
        f"{MEMBERSHIP_FILE}::test_removed_leader_manages_until_c_new_commits_then_steps_down",)),
    "config-catchup": (("change_membership", "check_catch_up"),
                       (f"{MEMBERSHIP_FILE}::test_new_servers_catch_up_as_non_voters_first",)),
    # Beyond Figure 2: reads without the log (dissertation §6.4, §6.4.1)
    "read-wait": (("leader_read", "start_waiting_reads"), _reads(
        "test_step1_a_new_leader_holds_reads_until_an_entry_of_its_term_is_committed")),
    "read-index": (("leader_read", "start_read_round"), _reads(
        "test_step2_the_read_index_is_the_commit_index_when_the_read_arrived",
        "test_step3_a_round_confirms_only_with_a_majority")),
    "read-confirm": (("handle_heartbeat_reply", "confirm_reads"), _reads(
        "test_step3_a_round_confirms_only_with_a_majority",
        "test_step3_acknowledgments_of_an_earlier_round_do_not_confirm_a_later_read")),
    "read-follower": (("read_index", "handle_read_index_request", "handle_read_index_reply"),
                      _reads("test_follower_reads_ask_the_leader_for_a_read_index")),
    "read-refused": (("end_reads", "handle_read_index_reply"), _reads(
        "test_step3_a_newer_term_in_an_answer_deposes_the_leader_and_refuses_its_reads",
        "test_a_server_that_does_not_lead_refuses_a_read_index_request")),
    "lease-read": (("leader_read", "lease_holds"),
                   _reads("test_a_lease_answers_reads_without_messages_until_it_ends")),
    "lease-extend": (("confirm_reads", "extend_lease"),
                     _reads("test_a_lease_starts_when_the_confirmed_round_was_sent")),
    "lease-end": (("end_lease", "end_reads", "transfer_leadership"),
                  _reads("test_a_lease_ends_when_the_leader_steps_down",
                         "test_a_lease_ends_when_a_leadership_transfer_begins")),
    # Beyond Figure 2: log compaction (§7, Figures 12 and 13)
    "snap-take": (("compact",), _snap(
        "test_compact_discards_the_prefix_and_keeps_index_term_and_configuration")),
    "snap-send": (("send_append_entries", "send_install_snapshot"),
                  _snap("test_leader_sends_install_snapshot_when_the_next_entry_is_gone")),
    "snap-matched": (("handle_install_snapshot_reply",), _snap(
        "test_acknowledged_snapshot_moves_match_index_and_replication_goes_on")),
    "is-stale": (("handle_install_snapshot",),
                 _snap("test_receiver_1_replies_at_once_to_a_stale_term")),
    "is-old": (("handle_install_snapshot",),
               _snap("test_receiver_5_keeps_a_snapshot_at_least_as_new")),
    "is-retain": (("handle_install_snapshot",),
                  _snap("test_receiver_6_keeps_the_entries_after_a_snapshot_its_log_already_has")),
    "is-discard": (("handle_install_snapshot",),
                   _snap("test_receiver_7_discards_the_entire_log_otherwise")),
    "is-restore": (("handle_install_snapshot",),
                   _snap("test_receiver_8_resets_the_state_machine_and_loads_the_configuration")),
    # Beyond Figure 2: the mechanisms of chapter 10, each behind a switch or a request
    "pv-start": (("tick", "start_pre_vote"),
                 (f"{PRE_VOTE_FILE}::test_a_timed_out_server_polls_before_it_campaigns",)),
    "pv-grant": (("handle_pre_vote",),
                 (f"{PRE_VOTE_FILE}::test_a_pre_vote_is_answered_without_changing_anything",)),
    "pv-refuse": (("handle_pre_vote",), (
        f"{PRE_VOTE_FILE}::test_a_pre_vote_is_refused_for_a_stale_term_or_a_log_behind",)),
    "pv-count": (("handle_pre_vote_reply",),
                 (f"{PRE_VOTE_FILE}::test_a_majority_of_yes_starts_a_real_election",)),
    "pv-win": (("handle_pre_vote_reply", "count_pre_votes"),
               (f"{PRE_VOTE_FILE}::test_a_majority_of_yes_starts_a_real_election",)),
    "cq-step-down": (("tick", "lost_quorum"), (
        f"{CHECK_QUORUM_FILE}::test_a_leader_with_no_answer_from_a_majority_steps_down",)),
    "tr-start": (("transfer_leadership",),
                 (f"{TRANSFER_FILE}::test_the_leader_stops_taking_client_requests",)),
    "tr-timeout-now": (("handle_append_entries_reply", "send_timeout_now_if_caught_up"), (
        f"{TRANSFER_FILE}::test_the_leader_brings_the_target_up_to_date_then_sends_timeout_now",)),
    "candidate-transfer": (("handle_timeout_now", "take_over"), (
        f"{TRANSFER_FILE}::test_timeout_now_starts_an_election_at_once_marked_as_a_transfer",)),
    "tr-abort": (("tick", "check_transfer"),
                 (f"{TRANSFER_FILE}::test_the_transfer_is_given_up_after_an_election_timeout",)),
    "ss-change": (("add_server", "promote", "remove_server", "check_membership_change"), (
        f"{SINGLE_SERVER_FILE}::test_a_new_voter_is_used_as_soon_as_its_entry_is_appended",
        f"{SINGLE_SERVER_FILE}::test_no_change_before_the_leader_commits_an_entry_of_its_term")),
}

#: The card's sections, in the order of the paper's figure, and the rule keys each one holds.
SECTIONS = {
    "append-entries": "AppendEntries RPC",
    "request-vote": "RequestVote RPC",
    "all-servers": "Rules for Servers: all servers",
    "followers": "Rules for Servers: followers",
    "candidates": "Rules for Servers: candidates",
    "leaders": "Rules for Servers: leaders",
    "beyond": "Beyond Figure 2",
}
_PREFIX = {"ae-": "append-entries", "rv-": "request-vote", "all-": "all-servers",
           "follower-": "followers", "candidate-": "candidates", "leader-": "leaders"}
#: Rules of RULES that are not in the paper's Figure 2 (besides every "config-" rule and any rule
#: whose text says "Not in Figure 2"): the §6 guard, ignoring stale replies, the §8 no-op, taking
#: over (leadership transfer).
BEYOND = {"rv-ignore", "reply-stale", "leader-noop", "candidate-transfer"}


def is_beyond(key):
    text = RULES[key]
    return (key in BEYOND or key.startswith("config-")
            or text.startswith(("Not in Figure 2", "Not a rule")))


def section_of(key):
    """The card section a rule key belongs to."""
    if is_beyond(key):
        return "beyond"
    for prefix, section in _PREFIX.items():
        if key.startswith(prefix):
            return section
    return "beyond"


def rules_in(section):
    """The rule keys of ``section``, in the order of RULES."""
    return [key for key in RULES if section_of(key) == section]


# -- code and tests ------------------------------------------------------------------------------

def code_object(name):
    """The function behind ``Node.<name>`` (a property's getter for a property)."""
    attr = inspect.getattr_static(Node, name)
    if isinstance(attr, property):
        return attr.fget
    return getattr(Node, name)


def qualname(name):
    """The name the code really has (``Node.x``), following an old name kept as an alias."""
    return code_object(name).__qualname__


def code_source(name):
    return inspect.getsource(code_object(name))


def _test_parts(test):
    file, _, function = test.partition("::")
    return file, function


def slug(text):
    """``Node.count_votes`` -> ``node-count-votes``; ``RequestVote`` -> ``request-vote``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", text)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_LISTING = re.compile(
    r"^\((?P<label>[A-Za-z0-9_-]+)\)=\s*\n+" + FENCE + r"\{literalinclude\}\s+(?P<path>\S+)\s*\n"
    r"(?P<options>(?::[^\n]*\n)*)", re.M)


def listings(book=BOOK):
    """``{qualname: (label, path of the page)}`` for every labelled listing of raft/node.py in
    the book's pages (the card's own listings excluded)."""
    found = {}
    for page in sorted(book.rglob("*.md")):
        if page == CARD or "_build" in page.parts:
            continue
        for m in _LISTING.finditer(page.read_text()):
            if not m.group("path").endswith("raft/node.py"):
                continue
            obj = re.search(r"^:pyobject:\s*(\S+)", m.group("options"), re.M)
            if obj:
                found[obj.group(1)] = (m.group("label"), page)
    return found


def code_label(name, index=None):
    """The label of the listing the card links to for ``Node.<name>``: the chapter's, or the
    card's own (``fig2-code-...``) if no chapter shows that function."""
    index = listings() if index is None else index
    real = qualname(name)
    return index[real][0] if real in index else f"fig2-code-{slug(real)}"


def test_label(test):
    return f"fig2-{slug(_test_parts(test)[1])}"   # fig2-test-...: the name starts with test_


# -- the card, as MyST Markdown --------------------------------------------------------------------

class Markdown:
    """Text that Jupyter and MyST-NB show as Markdown (the card's cells return these)."""

    def __init__(self, text):
        self.text = text

    def _repr_markdown_(self):
        return self.text

    def __str__(self):
        return self.text


def _split(text):
    """``"RequestVote receiver 1: reply false ..."`` -> ``("receiver 1", "Reply false ...")``."""
    head, sep, body = text.partition(": ")
    if not sep or len(head) > 45:
        return "", text
    for words in ("RequestVote ", "AppendEntries "):
        head = head.replace(words, "")
    head = head[:1].upper() + head[1:]
    if head in ("All servers", "Followers", "Candidates", "Leaders"):
        head = ""
    return head, body[:1].upper() + body[1:]


def _link(name, label):
    """A link to ``label`` whose text is ``name`` in code type (the build checks the target)."""
    return f"[`{name}`](#{label})"


def rule_markdown(key, index=None):
    """One rule of the card: the words, then its code and its tests."""
    index = listings() if index is None else index
    names, tests = ROWS[key]
    head, body = _split(RULES[key])
    code = ", ".join(_link(qualname(n), code_label(n, index)) for n in names)
    # A test's name is a sentence: shown as one (with spaces, so it wraps on a phone).
    checks = ", ".join(f"[{_test_parts(t)[1].removeprefix('test_').replace('_', ' ')}]"
                       f"(#{test_label(t)})" for t in tests)
    lead = f"**{head}.** " if head else ""
    return (f"- {lead}{body}  \n"
            f"  <small>code: {code} · test: {checks} · rule `{key}`</small>")


def section(name):
    """The rules of one section of the card."""
    index = listings()
    return Markdown("\n".join(rule_markdown(key, index) for key in rules_in(name)))


_FIELD = re.compile(r"^\s+(\w+): [^#\n]+#\s*(.+)$", re.M)
_STATE = re.compile(r"^\s+self\.(\w+) = [^#\n]+#\s*(.+)$")


def message_fields(cls):
    """``[(field, comment), ...]`` for the fields of a message class that carry a comment."""
    return _FIELD.findall(inspect.getsource(cls))


def state_fields():
    """``{heading: [(field, comment), ...]}`` for the blocks of ``Node.__init__`` whose comment
    names Figure 2 ("# Persistent state on all servers (Figure 2)" and the like)."""
    out, heading = {}, None
    for line in inspect.getsource(Node.__init__).splitlines():
        comment = re.match(r"^\s+#\s*(.+?)\s*\(Figure 2\)\s*$", line)
        if comment:
            heading = comment.group(1)
            out[heading] = []
            continue
        if heading is None:
            continue
        field = _STATE.match(line)
        if field:
            out[heading].append(field.groups())
        elif not line.strip() or line.strip().startswith("#"):
            heading = None   # a blank line or another comment ends the block
    return out


def state():
    """The State box of Figure 2, from ``Node.__init__``."""
    index = listings()
    lines = []
    for heading, fields in state_fields().items():
        lines.append(f"**{heading}.** " + "; ".join(f"`{f}`: {c}" for f, c in fields) + ".")
        lines.append("")
    lines.append(f"<small>code: {_link('Node.__init__', code_label('__init__', index))}"
                 "</small>")
    return Markdown("\n".join(lines))


def messages(*names):
    """The arguments and results of one RPC, from its message classes."""
    index = listings()
    lines = []
    for name in names:
        cls = getattr(node_module, name)
        fields = [(f, c) for f, c in message_fields(cls) if not c.startswith("Not in Figure 2")]
        label = index.get(name, (f"fig2-code-{slug(name)}",))[0]
        lines.append(f"- {_link(name, label)}: "
                     + "; ".join(f"`{f}`: {c.rstrip('.')}" for f, c in fields) + ".")
    return Markdown("\n".join(lines))


def _listing(path, pyobject, label, title):
    # The label is inside the dropdown, so that following a link to it opens the dropdown (a
    # browser reveals a closed <details> around the target of a #fragment).
    return (f":::{{dropdown}} {title}\n({label})=\n"
            f"{FENCE}{{literalinclude}} {path}\n:pyobject: {pyobject}\n:language: python\n"
            f"{FENCE}\n:::\n")


def appendix():
    """The code no chapter shows, and every test the card names, each once, with its label."""
    index = listings()
    code, seen = [], set()
    wanted = [n for names, _ in ROWS.values() for n in names] + ["__init__"]
    for name in wanted:
        real = qualname(name)
        if real in index or real in seen:
            continue
        seen.add(real)
        code.append(_listing("../../raft/node.py", real, code_label(name, index), real))
    for cls in ("RequestVote", "RequestVoteReply", "AppendEntries", "AppendEntriesReply"):
        if cls not in index and cls not in seen:
            seen.add(cls)
            code.append(_listing("../../raft/node.py", cls, f"fig2-code-{slug(cls)}", cls))
    tests, seen = [], set()
    for key in RULES:
        for test in ROWS[key][1]:
            if test in seen:
                continue
            seen.add(test)
            file, function = _test_parts(test)
            tests.append(_listing(f"../../tests/{file}", function, test_label(test),
                                  f"{function} ({file})"))
    return Markdown("**Code that no chapter shows**\n\n" + "\n".join(code)
                    + "\n**The tests**\n\n" + "\n".join(tests))
