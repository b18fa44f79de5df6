"""Sequential models: what one correct, one-at-a-time object would answer.

A model is a small class. It needs two methods, the rest have defaults:

* ``init()``: the state before any operation (hashable);
* ``step(state, op)``: ``(ok, new_state)``, where ``ok`` says whether ``op`` with its recorded
  ``output`` could have happened in ``state``. For a pending operation (``op.pending``) the
  output is unknown and ``step`` must not look at it.

and may override:

* ``partition(op)``: operations in different partitions never affect each other, so each
  partition is checked on its own (P-compositionality: a history is linearizable when each
  partition is, Herlihy & Wing 1990). The key-value model partitions by key.
* ``validate(op)``: raise :class:`~raft.errors.HistoryError` for a malformed operation, or
  return a tidied copy (lists turned into tuples).
* ``is_read(op)``: True when ``op``, with its recorded output, never changes the state in any
  state where it fits (a read; a compare-and-set that failed). The search then places it as
  soon as it fits, without trying other orders. The default, False, is always safe.
* ``prune(ops)``: one partition's operations without the pending ones that cannot matter. By
  default it leaves out the pending reads (taking one or not changes nothing). Pending
  operations are what makes a search long: each may be taken at any moment, or never.
* ``describe(op)``, ``describe_state(state)``: short words for pictures and explanations.
"""

from __future__ import annotations

from ..errors import ConfigurationError, HistoryError
from .history import where


def show(value, limit=14):
    """A value as it reads in a label: quoted strings, long ones cut with an ellipsis."""
    text = repr(value) if not isinstance(value, str) else '"' + value + '"'
    return text if len(text) <= limit else text[:limit - 2] + '…"'


class Model:
    """Base class of the models; subclass it and write ``init`` and ``step``."""

    name = "model"
    operations = ()          # the values of op.f this model knows
    uses_key = False         # whether operations must carry a 'key'

    def init(self):
        raise NotImplementedError

    def step(self, state, op):
        raise NotImplementedError

    def partition(self, op):
        return None

    def validate(self, op):
        return op

    def is_read(self, op):
        return False

    def prune(self, ops):
        return [op for op in ops if not (op.pending and self.is_read(op))]

    def describe(self, op):
        args = ", ".join(show(x) for x in (op.key, op.value) if x is not None)
        out = "" if op.pending or op.output is None else f"→{show(op.output)}"
        return f"{op.f}({args}){out}"

    def describe_state(self, state):
        return f"the state is {state!r}"

    @staticmethod
    def bad(op, field, message):
        """A HistoryError about ``op``'s ``field``."""
        return HistoryError(f"{where(op.index, op)}: {message}", op.index, field)


class KeyValue(Model):
    """A key-value store of strings: ``put`` sets a key, ``append`` adds to its end, ``get``
    reads it; a key never written reads as the empty string (MIT 6.824's KV service)."""

    name = "kv"
    operations = ("get", "put", "append")
    uses_key = True

    def init(self):
        return ""              # the state of one partition: the value of its one key

    def step(self, state, op):
        f = op.f
        if f == "get":
            return op.pending or op.output == state, state
        if f == "put":
            return True, op.value
        return True, state + op.value

    def partition(self, op):
        return op.key

    def validate(self, op):
        if not isinstance(op.key, str):
            raise self.bad(op, "key", f"'key' must be a string, got {op.key!r}")
        if op.f != "get" and not isinstance(op.value, str):
            raise self.bad(op, "value", f"{op.f} needs a string 'value', got {op.value!r}")
        if op.f == "get" and not op.pending and not isinstance(op.output, str):
            raise self.bad(op, "output", "a get that returned has a string 'output' (a key "
                           f"never written reads as ''), got {op.output!r}")
        return op

    def is_read(self, op):
        return op.f == "get"

    def prune(self, ops):
        """Also leave out a pending put or append that no get could have seen. Once a put of v
        takes effect, every get until the next put reads a string that starts with v; once an
        append of w does, every such get reads one that contains w. So if no get's output
        shows it, no get came between it and the next put, and leaving it out changes no
        output (values made unique, as in 6.824's tests, let this drop most of them)."""
        ops = super().prune(ops)
        seen = "\0" + "\0".join(op.output for op in ops if op.f == "get" and not op.pending)

        def shown(op):
            value = op.value
            return "\0" in value or (("\0" + value) if op.f == "put" else value) in seen
        return [op for op in ops if not op.pending or shown(op)]

    def describe(self, op):
        if op.f == "get":
            out = "" if op.pending else f"→{show(op.output)}"
            return f"get({op.key}){out}"
        return f"{op.f}({op.key},{show(op.value)})"

    def describe_state(self, state):
        return f"the key holds {show(state, 30)}"


class Register(Model):
    """One register: ``read`` (output None while nothing was written yet), ``write``, and
    ``cas`` (compare-and-set) with ``value = [expected, new]`` and output True or False."""

    name = "register"
    operations = ("read", "write", "cas")

    def init(self):
        return None

    def step(self, state, op):
        f = op.f
        if f == "read":
            return op.pending or op.output == state, state
        if f == "write":
            return True, op.value
        expected, new = op.value
        if op.pending:                         # it did what a cas does, or nothing at all
            return True, new if state == expected else state
        if op.output:
            return state == expected, new
        return state != expected, state

    def validate(self, op):
        value = op.value
        if op.f == "cas":
            if not isinstance(value, (list, tuple)) or len(value) != 2:
                raise self.bad(op, "value", "a cas needs 'value' = [expected, new], "
                               f"got {value!r}")
            value = tuple(value)
            if not op.pending and not isinstance(op.output, bool):
                raise self.bad(op, "output", "a cas that returned has 'output' True or False, "
                               f"got {op.output!r}")
        elif op.f == "write" and value is None:
            raise self.bad(op, "value", "a write needs a 'value' (None means 'no value yet')")
        field, item = ("output", op.output) if op.f == "read" else ("value", value)
        try:
            hash(item)
        except TypeError:
            raise self.bad(op, field, f"{field!r} must be hashable (a number or a string), "
                           f"got {item!r}") from None
        return op._replace(value=value)

    def is_read(self, op):
        return op.f == "read" or (op.f == "cas" and op.output is False)

    def describe(self, op):
        if op.f == "read":
            return "read()" + ("" if op.pending else f"→{show(op.output)}")
        if op.f == "write":
            return f"write({show(op.value)})"
        expected, new = op.value
        out = "" if op.pending else ("→ok" if op.output else "→fail")
        return f"cas({show(expected)}→{show(new)}){out}"

    def describe_state(self, state):
        return "the register is empty" if state is None else f"the register holds {show(state)}"


MODELS = {"kv": KeyValue, "register": Register}


def get_model(model):
    """A Model instance from a name ('kv', 'register'), a Model subclass or an instance."""
    if isinstance(model, Model):
        return model
    if isinstance(model, type) and issubclass(model, Model):
        return model()
    if isinstance(model, str) and model in MODELS:
        return MODELS[model]()
    raise ConfigurationError(f"unknown model {model!r}: use 'kv', 'register', or an instance "
                             "of a raft.linearizability.Model subclass")
