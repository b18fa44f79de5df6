"""Chapter 12's built page, on a phone: after the stale read, a player's sixth light is red.

The scene-level checks are in test_clients_light.py; this one checks that the painter draws
the light beside Figure 3's five (which stay green), with its short label, its accessible name
and the checker's reason under it, inside a 390 px screen.
"""

from __future__ import annotations

import pytest
from site_browser import SITE, browser, http_root, only_loopback  # noqa: F401

PAGE = SITE / "book" / "12_clients.html"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(not PAGE.exists(), reason="build the book first "
                                "(bash scripts/build_book.sh)")

# The first player whose scenes hold a red sixth light, shown at that scene.
SHOW_FIRST_RED = """() => {
    const boxes = [...document.querySelectorAll('.raft-painter')];
    for (let k = 0; k < boxes.length; k++) {
        const p = boxes[k].raftPainter;
        const i = p.scenes.findIndex(s => s.linearizable && s.linearizable.ok === false);
        if (i < 0) continue;
        const before = p.scenes.slice(0, i).filter(s => s.linearizable).map(s => s.linearizable.ok);
        p.show(i);
        return {k, i, step: p.scenes[i].step, before, lit: p.scenes[i].linearizable};
    }
    return null;
}"""


def test_the_stale_read_player_shows_the_red_light(browser, http_root):
    context = browser.new_context(viewport=PHONE, service_workers="block")
    blocked, errors = [], []
    only_loopback(context, blocked.append)
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(http_root + "book/12_clients.html", wait_until="load")
        page.wait_for_function("() => [...document.querySelectorAll('.raft-painter')]"
                               ".every(b => b.raftPainter && b.raftPainter.scenes)")
        found = page.evaluate(SHOW_FIRST_RED)
        assert found, "no player in chapter 12 shows a history that is not linearizable"
        assert found["before"] and all(ok is True for ok in found["before"]), found
        box = page.locator(".raft-painter").nth(found["k"])
        light = box.locator(".rp-clients-light li")
        assert light.count() == 1 and "rp-bad" in light.get_attribute("class")
        assert light.inner_text() == "✗ Not linearizable (clients)"
        assert box.locator(".rp-clients-light").get_attribute("aria-label") == \
            "Beyond Figure 3: the clients' history"
        # Figure 3's five stay green: a stale read breaks no server-side property.
        assert box.locator(".rp-safety li.rp-ok").count() == 5
        assert box.locator(".rp-safety li.rp-bad").count() == 0
        why = box.locator(".rp-light-why")
        assert why.is_visible()
        assert why.inner_text().startswith(f"✗ Not linearizable (step {found['step']}): "
                                           "Stale read:"), why.inner_text()
        # It fits the phone: the light and its reason inside the 390 px viewport, beside the
        # five (in the same row of lights, not pushed out of it).
        light.scroll_into_view_if_needed()
        for part in (light, why):
            r = part.bounding_box()
            assert r["x"] >= 0 and r["x"] + r["width"] <= PHONE["width"], r
        assert not errors and not blocked, (errors, blocked)
    finally:
        context.close()
