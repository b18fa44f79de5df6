"""How much the default test run does, and how to ask for everything.

The default run (``bash scripts/test.sh``, CI) must stay well under CI's 15 minutes on 2 cores,
so a few sweeps do less by default and everything with ``RAFT_SLOW=1``:

- the seeded fuzz schedules (tests/test_fuzz_schedules.py, test_mech_fuzz.py,
  test_mech_snapshot_fuzz.py) run a quarter of their seeds (the same seeds, 0, 1, 2, ...);
- hypothesis runs fewer derandomized examples in its slowest properties;
- chapters are not executed a second time when the build just executed them
  (tests/test_book_execute.py reads the build's own record instead);
- the browser sweeps that repeat one code path page after page (the live explorer driven on
  every page with one, every page over file://) take a representative subset that still has
  every kind of player, explorer, question block and workbench (``representative`` in
  tests/site_browser.py), and full-page screenshots are taken only when asked for.

Each such test says what still covers the rest by default. A variable that names a count
(``RAFT_FUZZ_SCHEDULES=100000``) still wins over both.
"""

from __future__ import annotations

import os

#: True when RAFT_SLOW is set to anything but "" or "0": run every sweep in full.
SLOW = os.environ.get("RAFT_SLOW", "") not in ("", "0")

#: True when full-page screenshots are wanted (RAFT_SCREENSHOTS=1, or RAFT_SLOW=1).
SCREENSHOTS = SLOW or os.environ.get("RAFT_SCREENSHOTS", "") not in ("", "0")


def scaled(default: int, full: int) -> int:
    """``full`` under RAFT_SLOW=1, else ``default``."""
    return full if SLOW else default
