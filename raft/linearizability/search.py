"""The search for an order, the shrinking of a counterexample, and the verdict.

Theory of operation
-------------------
A history is *linearizable* when its operations can be put in one order such that (1) each
operation that returned comes after every operation that returned before it was called (real
time), (2) replaying them in that order through the sequential model gives every recorded
output, and (3) every operation that returned is in it; a pending operation may be in it or not
(Herlihy & Wing 1990).

:func:`linearize` is Wing & Gong's search (1993) with Lowe's memoization (2017), the algorithm
of Porcupine and Knossos. The calls and returns are one list sorted by time (a pending operation
returns at "infinity"). Walking the list from its head, the first call whose operation the model
accepts in the current state is *linearized*: pushed on a stack and taken out of the list with
its return, and the walk starts again from the head. Reaching a return means its operation had
to be linearized by then and nothing that may come first allowed it: undo the last choice and
try the next candidate after it. A cache of configurations (which operations are linearized,
and the model's state), Lowe's addition, skips one already explored: the same configuration
always has the same future. The search succeeds when every operation that returned is
linearized; the pending ones left in the list never took effect. The deepest point reached is
the longest *partial linearization* that Porcupine shows beside a failure.

Four additions keep pending operations and reads cheap, each argued where it is made: a read
that fits is placed at once, without branching; a failed configuration also rules out those
with the same returned operations and state and more pending operations taken; identical
pending operations are taken in the order of their calls; and a model may leave out pending
operations that no output could reflect (``Model.prune``).

:func:`shrink` cuts a failing history down to a 1-minimal set: a small window around the
operation that could not be placed if one fails, the shortest failing prefix by call time (a
binary search), then Zeller's delta debugging (ddmin), whose last round tries without each
operation in turn, so removing any one operation of the result lets the rest be ordered.
A 1-minimal set is often a single read: a read of a value that no write *in the set* wrote
fails on its own. The longest order that works, and the operation it cannot place, tell the
rest of the story.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..errors import HistoryError
from .history import Operation, read_history
from .models import Model, get_model
from .picture import describe_timeline, moment, plural, timeline_svg


class Search(NamedTuple):
    ok: bool
    order: tuple             # a full linearization (ok), else the longest partial one
    blocked: Any             # the operation that could not be placed after `order` (not ok)
    state: Any               # the model's state after `order`
    explored: int            # how many configurations (placed operations, state) were tried


def linearize(ops, model, max_states=None):
    """Wing & Gong's search with Lowe's cache over ``ops`` (one partition), as a Search.

    The search takes exponential time at worst (the problem is NP-complete: Gibbons & Korach
    1997); in practice it grows with how many writes overlap in time, and with how many
    pending writes a failing search must try at every point. ``max_states`` bounds the
    configurations it may try before it gives up with a HistoryError.
    """
    n = len(ops)
    left = sum(1 for op in ops if not op.pending)   # operations that returned, not yet placed
    if left == 0:
        return Search(True, (), None, model.init(), 0)
    events = []
    for i, op in enumerate(ops):
        events.append(((0, op.call, 0, i), i, True))     # calls before returns at one moment
        events.append(((1, 0, 1, i) if op.pending else (0, op.ret, 1, i), i, False))
    events.sort(key=lambda event: event[0])
    # A doubly linked list over node numbers: 0 is the head, 1..2n the events, 2n+1 the tail.
    tail = 2 * n + 1
    nxt = list(range(1, tail + 1)) + [tail]
    prv = [0] + list(range(tail))
    op_at = [0] * (tail + 1)
    is_call = [False] * (tail + 1)
    node_of_call, node_of_ret = [0] * n, [0] * n
    for node, (_, i, call) in enumerate(events, start=1):
        op_at[node], is_call[node] = i, call
        (node_of_call if call else node_of_ret)[i] = node
    match = [0] * (tail + 1)
    for i in range(n):
        match[node_of_call[i]] = node_of_ret[i]
    bits = [1 << i for i in range(n)]
    pending = [op.pending for op in ops]
    # A read (an operation that never changes the state) that fits now may be placed now:
    # in any order that works from here, moving it to the front changes no other output, and
    # every operation that must precede it is already placed. So the search never branches on
    # one, and when it is undone the choice before it is undone too.
    reads = [model.is_read(op) for op in ops]
    # Pending operations with the same f, key and value are interchangeable, so they are
    # taken in the order of their calls: one may be taken only once its previous twin is.
    twin = [-1] * n
    last_of = {}
    for i in sorted(range(n), key=lambda i: (ops[i].call, i)):
        if pending[i]:
            try:
                sig = (ops[i].f, ops[i].key, ops[i].value)
                twin[i] = last_of.get(sig, -1)
                last_of[sig] = i
            except TypeError:                        # an unhashable value: no twins
                pass

    # Lowe's cache, extended to pending operations. A configuration is the set of returned
    # operations placed (`done`), the set of pending ones placed (`taken`) and the state. Once
    # one has failed, any configuration with the same `done` and state and *more* pending
    # operations taken fails too: every order from it also works from the first (a pending
    # operation may always be left out, and none must precede anything). `failed` maps
    # (done, state) to the `taken` sets that failed; each candidate is looked up there.
    step = model.step
    state, done, taken = model.init(), 0, 0
    failed, stack = {}, []
    explored = 0
    best, best_score, best_state, blocked = (), None, state, None
    node = nxt[0]
    while True:
        if is_call[node]:
            i = op_at[node]
            if twin[i] >= 0 and not taken & bits[twin[i]]:
                node = nxt[node]
                continue
            ok, new_state = step(state, ops[i])
            if not ok:
                node = nxt[node]
                continue
            new_done, new_taken = (done, taken | bits[i]) if pending[i] else \
                (done | bits[i], taken)
            seen = failed.get((new_done, new_state))
            if seen is None or not any(t & new_taken == t for t in seen):
                explored += 1
                if max_states is not None and explored > max_states:
                    raise HistoryError(f"gave up after trying {max_states} configurations of "
                                       f"{n} operations: too many overlap in time to check "
                                       "(raise max_states, or check a shorter history)")
                stack.append((node, state, reads[i]))
                state, done, taken = new_state, new_done, new_taken
                ret = match[node]                     # lift the call and its return
                nxt[prv[node]] = nxt[node]
                prv[nxt[node]] = prv[node]
                nxt[prv[ret]] = nxt[ret]
                prv[nxt[ret]] = prv[ret]
                if not pending[i]:
                    left -= 1
                    if left == 0:
                        order = tuple(ops[op_at[entry[0]]] for entry in stack)
                        return Search(True, order, None, state, explored)
                node = nxt[0]
                continue
            if not reads[i]:
                node = nxt[node]
                continue
            # A read that fits but leads to a configuration that failed: this one fails too.
        else:
            # The first return not placed: its operation had to be placed by now, and no
            # candidate before it allowed that. Note the deepest such point (most returned
            # operations placed, then fewest pending ones), and backtrack.
            pending_placed = bin(taken).count("1")
            score = (len(stack) - pending_placed, -pending_placed)
            if best_score is None or score > best_score:
                best = tuple(ops[op_at[entry[0]]] for entry in stack)
                best_score, best_state, blocked = score, state, ops[op_at[node]]
        while True:                                   # backtrack
            if not stack:
                return Search(False, best, blocked, best_state, explored)
            failed.setdefault((done, state), []).append(taken)
            node, state, forced = stack.pop()
            i = op_at[node]
            if pending[i]:
                taken ^= bits[i]
            else:
                done ^= bits[i]
                left += 1
            ret = match[node]                         # unlift, in the reverse order
            nxt[prv[ret]] = ret
            prv[nxt[ret]] = ret
            nxt[prv[node]] = node
            prv[nxt[node]] = node
            if not forced:
                break
        node = nxt[node]


def _fails(ops, model, max_states=None):
    return not linearize(ops, model, max_states).ok


def shrink(ops, model, max_states=None, blocked=None):
    """A 1-minimal non-linearizable subset of ``ops`` (which must not be linearizable).

    ``blocked``, the operation the search could not place, if known, lets it try small
    windows first: that operation and the k operations called last before it returned, for
    k = 1, 2, 4, ... (a failing search costs as much as the history it must exhaust, so small
    failing sets make the rest cheap).
    """
    items = sorted(ops, key=lambda op: (op.call, op.index))
    if blocked is not None:
        before = [op for op in items if op.call <= blocked.ret and op is not blocked]
        k = 1
        while k < len(before):
            window = sorted(before[-k:] + [blocked], key=lambda op: (op.call, op.index))
            if _fails(window, model, max_states):
                items = window
                break
            k *= 2
    lo, hi = 0, len(items)        # the prefix of length lo can be ordered, that of hi cannot
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _fails(items[:mid], model, max_states):
            hi = mid
        else:
            lo = mid
    items = items[:hi]
    parts = 2                                          # ddmin (Zeller & Hildebrandt 2002)
    while len(items) >= 2:
        size = -(-len(items) // parts)
        chunks = [items[k:k + size] for k in range(0, len(items), size)]
        for chunk in chunks:
            if _fails(chunk, model, max_states):
                items, parts = chunk, 2
                break
        else:
            for k in range(len(chunks)):
                rest = [op for j, c in enumerate(chunks) if j != k for op in c]
                if _fails(rest, model, max_states):
                    items, parts = rest, max(parts - 1, 2)
                    break
            else:
                if parts >= len(items):
                    break                              # no single operation can go: 1-minimal
                parts = min(len(items), 2 * parts)
    return tuple(sorted(items, key=lambda op: op.index))


@dataclass(frozen=True)
class Verdict:
    """The answer of :func:`check`. ``bool(verdict)`` is ``verdict.ok``.

    For a history that is not linearizable, about the first partition (key) that fails:
    ``minimal`` (1-minimal: remove any one and the rest can be ordered), ``linearized`` (the
    longest order that works for that key), ``blocked`` (the operation that cannot come after
    it) and ``state`` (the model's state after ``linearized``, in words). When ``blocked``
    would fit earlier in that order (after its first ``fits_after`` operations; a stale read
    fits where the value it read was current), ``in_the_way`` is an operation placed after that
    point which returned before ``blocked`` was called, so it must come first.
    """

    ok: bool
    model: Model
    history: tuple                      # every Operation, in the order given
    orders: dict                        # partition -> an order found, for the partitions that pass
    failing: tuple = ()                 # the partitions that fail
    key: Any = None                     # the partition explained
    minimal: tuple = ()
    linearized: tuple = ()
    blocked: Operation | None = None
    state: str = ""
    fits_after: int | None = None        # the last place in `linearized` where `blocked` fits
    in_the_way: Operation | None = None  # placed after that, yet returned before blocked's call
    _minimal_search: Any = field(default=None, repr=False, compare=False)

    def __bool__(self):
        return self.ok

    def __str__(self):
        return self.explanation

    def _where(self):
        if self.key is None:
            return ""
        return f" on key {self.key!r}" if self.model.uses_key else f" in partition {self.key!r}"

    def _line(self, op):
        ret = "never returned" if op.pending else f"returned at {moment(op.ret)}"
        return (f"  #{op.index} {op.client}: {self.model.describe(op)}, called at "
                f"{moment(op.call)}, {ret}")

    @property
    def explanation(self):
        """The verdict in sentences a student can follow."""
        if self.ok:
            taken = sum(1 for order in self.orders.values() for op in order if op.pending)
            pending = sum(1 for op in self.history if op.pending)
            text = (f"Linearizable: the {plural(len(self.history), 'operation')} can be put in "
                    f"one order that respects real time and the {self.model.name} model.")
            if pending:
                text += (f" Of the {pending} that never returned, the order found has "
                         f"{taken} take effect.")
            return text
        describe = self.model.describe
        count = len(self.minimal)
        if count == 1:
            lines = [f"Not linearizable{self._where()}: this operation fits no order of the "
                     f"{self.model.name} model, even on its own:"]
        else:
            lines = [f"Not linearizable{self._where()}: no order of these {count} operations "
                     f"respects both real time and the {self.model.name} model (remove any "
                     "one and the rest can be ordered):"]
        lines += [self._line(op) for op in self.minimal]
        done = self.linearized
        shown = ", ".join(f"#{op.index} {describe(op)}" for op in done[-6:])
        earlier = f"… ({len(done) - 6} earlier), " if len(done) > 6 else ""
        b = self.blocked
        if done:
            lines.append(f"The longest order that works{self._where()} places "
                         f"{plural(len(done), 'operation')}: {earlier}{shown}. After it "
                         f"{self.state}.")
        else:
            lines.append(f"No operation{self._where()} can even come first: at the start "
                         f"{self.state}.")
        lines.append(f"#{b.index} {describe(b)} must take effect before it returned, at "
                     f"{moment(b.ret)}; but it cannot come next, and no other operation that "
                     "may come first leads to an order where it fits.")
        if self.in_the_way is not None:
            k, w = self.fits_after, self.in_the_way
            where = ("at the very start" if k == 0 else
                     f"just after #{done[k - 1].index} {describe(done[k - 1])}")
            lines.append(f"The last place in that order where #{b.index} fits is {where}; but "
                         f"#{w.index} {describe(w)}, placed after that point, returned at "
                         f"{moment(w.ret)}, before #{b.index} was called at {moment(b.call)}; "
                         f"so #{b.index} cannot go back there.")
        if len(self.failing) > 1:
            what = "keys" if self.model.uses_key else "partitions"
            lines.append(f"Other failing {what}: {', '.join(map(repr, self.failing[1:]))}.")
        return "\n".join(lines)

    def svg(self, view="context", width=360):
        """A timeline (one row per client, a bar from call to return) as an SVG string.

        ``view`` is what it shows of a history that is not linearizable:

        * "context" (the default): the 1-minimal set (outlined in orange), the operation that
          cannot be placed (✗) and the last five operations of the longest order that works
          before it (numbered by their place in that order);
        * "minimal": the 1-minimal set alone, numbered in the longest order that works for it;
        * "key": every operation of the failing partition; "all": the whole history.

        A linearizable history is always shown whole, numbered in the order found when it has
        one partition.
        """
        return timeline_svg(self.model, width=width, **self._picture(view))

    def describe(self, view="context"):
        """The picture :meth:`svg` draws for ``view``, in words (its SVG <desc>)."""
        return describe_timeline(self.model, **self._picture(view))

    @property
    def description(self):
        """The default picture in words, for screen readers."""
        return self.describe()

    def _picture(self, view):
        if view not in ("context", "minimal", "key", "all"):
            raise ValueError(f"view must be 'context', 'minimal', 'key' or 'all', got {view!r}")
        if self.ok:
            order = next(iter(self.orders.values())) if len(self.orders) == 1 else ()
            return dict(ops=self.history, order=order, title="Linearizable: an order that works")
        title = f"Not linearizable{self._where()}"
        if view == "minimal":
            found = self._minimal_search
            return dict(ops=self.minimal, order=found.order, blocked=found.blocked,
                        state=self.model.describe_state(found.state), title=title)
        if view == "context":
            extra = (self.blocked, self.in_the_way)
            if self.fits_after:
                extra += (self.linearized[self.fits_after - 1],)
            shown = {id(op) for op in self.minimal + self.linearized[-5:] + extra}
            chosen = tuple(op for op in self.history if id(op) in shown)
        elif view == "key":
            chosen = tuple(op for op in self.history if self.model.partition(op) == self.key)
        else:
            chosen = self.history
        hint = None
        if self.in_the_way is not None:
            hint = (self.fits_after, self.linearized.index(self.in_the_way) + 1)
        return dict(ops=chosen, order=self.linearized, blocked=self.blocked, marked=self.minimal,
                    state=self.state, title=title, hint=hint)

    def _repr_html_(self):
        from html import escape
        return (f'<figure style="max-width:40em">{self.svg()}<figcaption style="text-align:left">'
                f'<pre style="white-space:pre-wrap">{escape(self.explanation)}</pre></figcaption>'
                "</figure>")


def check(history, model="kv", max_states=None):
    """Whether ``history`` is linearizable under ``model`` ('kv', 'register', or a Model).

    Returns a :class:`Verdict`; raises :class:`~raft.errors.HistoryError` for a malformed history
    (or one too hard to check within ``max_states`` configurations per search, if given).
    """
    model = get_model(model)
    ops = read_history(history, model)
    partitions = {}
    for op in ops:
        partitions.setdefault(model.partition(op), []).append(op)
    orders, failing = {}, []
    for key, part in partitions.items():
        part = model.prune(part)
        found = linearize(part, model, max_states)
        if found.ok:
            orders[key] = found.order
        else:
            failing.append((min(op.call for op in part), key, part, found))
    if not failing:
        return Verdict(True, model, ops, orders)
    failing.sort(key=lambda item: item[0])
    _, key, part, found = failing[0]
    minimal = shrink(part, model, max_states, found.blocked)
    return Verdict(False, model, ops, orders, tuple(f[1] for f in failing), key, minimal,
                   found.order, found.blocked, model.describe_state(found.state),
                   *went_back(model, found.order, found.blocked), linearize(minimal, model))


def went_back(model, order, blocked):
    """``(k, op)``: ``blocked`` fits after the first k operations of ``order`` (the last such
    place), and ``op``, placed after them, returned before ``blocked`` was called. Or
    ``(None, None)`` when no earlier place fits or nothing stands in the way."""
    state, last = model.init(), None
    for k in range(len(order) + 1):
        if model.step(state, blocked)[0]:
            last = k
        if k < len(order):
            state = model.step(state, order[k])[1]
    if last is None:
        return None, None
    in_the_way = next((op for op in order[last:] if not op.pending and op.ret < blocked.call),
                      None)
    return (last, in_the_way) if in_the_way is not None else (None, None)


__all__ = ["check", "Verdict", "linearize", "shrink", "Search"]
