"""Histories: what a checker is given, read once into :class:`Operation` tuples and checked.

An operation is a mapping with the keys ``client``, ``f``, ``key``, ``value``, ``output``,
``call`` and ``ret``. ``call`` and ``ret`` are the moments the client sent the request and got
the answer: numbers, or tuples compared item by item such as ``(simulated ms, step)``; the
explanations write a moment as ``str()`` does, so a tuple type of the caller's own may say what
it means (the simulator's read ``143.45 ms (step 21)``: ``raft.sim.clients.Moment``). ``ret``
is None when no answer ever came (the client gave up): such a *pending* operation may have taken
effect at any moment after its call, or never, and its ``output`` is unknown.

Operation A comes *before* B in real time when ``A.ret < B.call``; when ``A.ret == B.call`` they
count as concurrent (the lenient reading, as in Porcupine).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import HistoryError

FIELDS = ("client", "f", "key", "value", "output", "call", "ret")


class Operation(NamedTuple):
    """One operation of a history, as the checker and the models see it."""

    index: int        # its position in the history given to check(), counted from 0
    client: Any
    f: str
    key: Any
    value: Any
    output: Any       # unknown (and ignored) when the operation is pending
    call: Any
    ret: Any          # None: pending (never returned)

    @property
    def pending(self):
        return self.ret is None


def where(index, op=None):
    """``operation #3 (client 'c1')``: how errors and explanations name an operation."""
    client = op.get("client") if isinstance(op, Mapping) else getattr(op, "client", None)
    return f"operation #{index}" + (f" (client {client!r})" if client is not None else "")


def _moment(value, index, raw, field):
    """A call or return moment: a real number, or a tuple (or JSON list) of them."""
    items = value if isinstance(value, (tuple, list)) else (value,)
    if not items or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                            and not (isinstance(x, float) and math.isnan(x)) for x in items):
        raise HistoryError(f"{where(index, raw)}: {field!r} must be a number or a tuple of "
                           f"numbers such as (time, step), got {value!r}", index, field)
    return tuple(value) if isinstance(value, list) else value


def read_history(history, model):
    """Check ``history`` against ``model``'s rules and return it as a tuple of Operations.

    Raises :class:`~raft.errors.HistoryError` naming the first bad operation and field.
    """
    if isinstance(history, (str, bytes, Mapping)) or not isinstance(history, Sequence):
        raise HistoryError("a history is a list of operations (mappings with the keys "
                           f"{', '.join(FIELDS)}), got {type(history).__name__}")
    ops = []
    kind = None  # whether moments are plain numbers or tuples: they must be comparable
    for index, raw in enumerate(history):
        if not isinstance(raw, Mapping):
            raise HistoryError(f"operation #{index} is not a mapping with the keys "
                               f"{', '.join(FIELDS)}: {raw!r}", index)
        for field in FIELDS:
            if field not in raw and not (field == "key" and not model.uses_key):
                raise HistoryError(f"{where(index, raw)} has no {field!r} "
                                   f"(an operation needs {', '.join(FIELDS)}; "
                                   "ret is None for an operation that never returned)",
                                   index, field)
        call = _moment(raw["call"], index, raw, "call")
        ret = None if raw["ret"] is None else _moment(raw["ret"], index, raw, "ret")
        for field, moment in (("call", call), ("ret", ret)):
            this = moment is not None and isinstance(moment, tuple)
            if moment is not None and kind is not None and this != kind:
                raise HistoryError(f"{where(index, raw)}: {field!r} is {moment!r}, but earlier "
                                   "operations' moments are "
                                   f"{'tuples' if kind else 'plain numbers'}; use one kind "
                                   "throughout so that moments can be compared", index, field)
            if moment is not None:
                kind = this
        if ret is not None and ret < call:
            raise HistoryError(f"{where(index, raw)}: 'ret' {ret!r} is before 'call' "
                               f"{call!r}; an operation returns after it is called",
                               index, "ret")
        try:
            hash(raw["client"])
        except TypeError:
            raise HistoryError(f"operation #{index}: 'client' must be a name or a number, "
                               f"got {raw['client']!r}", index, "client") from None
        op = Operation(index, raw["client"], raw["f"], raw.get("key"), raw["value"],
                       None if ret is None else raw["output"], call, ret)
        if op.f not in model.operations:
            raise HistoryError(f"{where(index, raw)}: unknown f {op.f!r}; the {model.name!r} "
                               f"model knows {', '.join(map(repr, model.operations))}",
                               index, "f")
        ops.append(model.validate(op) or op)
    return tuple(ops)
