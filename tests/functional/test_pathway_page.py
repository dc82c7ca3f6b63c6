"""Issue 15, point 5: the pathway page is built around the person. The next actions come first, then
the diagram at the page's width (zoom buttons, centred on where the person stands: the browser test
tests/e2e/test_pathway_diagram.py checks the drawing), then one history of tasks and events in date
order, each naming who did it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.functional.conftest import ACCUEIL, World


def _page(world: World, pathway_id: int) -> str:
    answer = world.client("conseiller").get(f"/parcours/{pathway_id}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_next_actions_come_first_then_the_diagram_then_the_history(world: World) -> None:
    pathway_id = world.start()
    page = _page(world, pathway_id)
    order = [page.index(marker) for marker in ('id="next-actions"', 'id="diagram"', 'id="history"')]
    assert order == sorted(order)
    assert page.index('id="next-actions"') < page.index('id="transfer-form"')
    diagram = re.search(r'<div id="diagram" class="([^"]+)"[^>]*>', page)
    assert diagram is not None
    assert "parcours-diagram" in diagram.group(1) and "pathway-diagram" in diagram.group(1)
    assert 'data-centre="true"' in diagram.group(0)
    assert 'data-highlight="Task_accueil"' in diagram.group(0)
    for action in ("zoom-in", "zoom-out", "centre", "fit"):
        assert f'data-diagram-action="{action}"' in page


def test_the_history_merges_tasks_and_events_in_date_order_with_names(world: World) -> None:
    pathway_id = world.start()
    world.clock.advance(timedelta(days=2))
    world.complete(pathway_id, ACCUEIL)
    world.clock.advance(timedelta(days=3))
    world.client("conseiller").post(
        f"/parcours/{pathway_id}/referent", {"referent": str(world.ids["collegue"]), "kind": "permanent"}
    )
    # the counsellor handed the file over: the admin reads it
    history = world.client("administrateur").get(f"/parcours/{pathway_id}").get_data(as_text=True)
    table = history[history.index('id="history"') : history.index("</table>", history.index('id="history"'))]
    stamps = [datetime.fromisoformat(s) for s in re.findall(r'<time datetime="([^"]+)"', table)]
    assert len(stamps) >= 4
    assert stamps == sorted(stamps)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]
    labels = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    assert "Début du parcours" in labels[0]
    assert "Changement de référent · Collegue" in labels[-1]  # names the new referent
    assert not any(re.search(r"\b(conseiller|collegue|demo|cli|scheduler)\b", label) for label in labels)
