"""Issue 15, point 5 in Chromium: the pathway page's diagram takes the page's width, opens centred on
where the person stands at a readable zoom (a task about 100 px wide, not a thumbnail), and its
buttons zoom in, out, back to the current step and to the whole diagram."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Live, sign_in
from tests.functional.conftest import ACCUEIL

pytestmark = pytest.mark.e2e


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _current(page: Page) -> dict[str, float]:
    return _box(page, "#diagram .djs-element.parcours-current .djs-visual")


def _offset_from_centre(page: Page) -> tuple[float, float]:
    frame, step = _box(page, "#diagram"), _current(page)
    return (
        abs(step["x"] + step["width"] / 2 - (frame["x"] + frame["width"] / 2)),
        abs(step["y"] + step["height"] / 2 - (frame["y"] + frame["height"] / 2)),
    )


def test_the_diagram_is_full_width_centred_on_the_current_step_and_zoomable(page: Page, live: Live) -> None:
    pathway_id = live.world.start(last_name="Lambert")
    live.world.complete(pathway_id, ACCUEIL)  # now at the diagnostic, away from the start event
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live, "conseiller")
    page.goto(f"{live.url}/parcours/{pathway_id}")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")

    frame, main = _box(page, "#diagram"), _box(page, "main")
    assert frame["width"] >= 0.9 * main["width"] - 40  # the page's width, not a thumbnail
    assert frame["height"] >= 400
    step = _current(page)
    assert step["width"] >= 80  # a task drawn about 100 px wide: its name can be read
    dx, dy = _offset_from_centre(page)
    assert dx < frame["width"] * 0.1 and dy < frame["height"] * 0.1

    page.click("#zoom-in")
    bigger = _current(page)["width"]
    assert bigger > step["width"] * 1.1
    page.click("#zoom-out")
    page.click("#zoom-out")
    smaller = _current(page)["width"]
    assert smaller < bigger * 0.75
    page.mouse.move(frame["x"] + 40, frame["y"] + 40)
    page.mouse.down()
    page.mouse.move(frame["x"] + 340, frame["y"] + 240, steps=5)  # drag the diagram away
    page.mouse.up()
    page.click("#zoom-centre")
    dx, dy = _offset_from_centre(page)
    assert dx < frame["width"] * 0.1 and dy < frame["height"] * 0.1
    assert abs(_current(page)["width"] - step["width"]) < 2
    page.click("#zoom-fit")
    assert page.locator("#diagram .djs-element.parcours-current").count() == 1
