"""Issue 15, point 8: each notice names the people and programmes and links to the files; referent
changes made together are one notice; a day's stalls are one digest per referent."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from parcours_engine.accounts import accounts
from parcours_engine.pathways import pathways
from parcours_engine.persistence.models import Notification
from parcours_engine.supervision import supervision
from tests.functional.conftest import World

try:
    from parcours_engine.persistence.uow import unit_of_work
except ImportError:  # before the unit of work moved
    from parcours_engine.persistence.db import unit_of_work  # type: ignore[no-redef]

PEOPLE = (("Arnaud", "Inès"), ("Barbier", "Yanis"), ("Colin", "Maëlle"))


def _count(world: World, username: str, kind: str) -> int:
    with world.sessions() as session:
        query = select(func.count(Notification.id)).where(
            Notification.account_id == world.ids[username], Notification.kind == kind
        )
        return session.scalar(query) or 0


def _items(page: str) -> list[str]:
    return re.findall(r'<li class="[^"]*" data-kind="[^"]+">.*?</ul>', page, flags=re.S)


def test_a_batch_of_transfers_is_one_notice_naming_each_person_and_programme(world: World) -> None:
    started = [world.start(last_name=last, first_name=first) for last, first in PEOPLE]
    with unit_of_work(world.sessions) as session:
        admin = accounts.by_username(session, "administrateur")
        assert admin is not None
        for pathway_id in started:
            pathways.set_referent(session, world.clock, admin, pathway_id, world.ids["collegue"], "/t")

    assert _count(world, "collegue", "referent_received") == 1
    assert _count(world, "conseiller", "referent_released") == 1
    page = world.client("collegue").get("/notifications").get_data(as_text=True)
    (received,) = _items(page)
    assert "Vous êtes le nouveau référent (3 parcours)" in received
    for (last, first), pathway_id in zip(PEOPLE, started, strict=True):
        assert (
            f'<a href="/parcours/{pathway_id}">{last.upper()} {first}</a> · Parcours de référence' in received
        )
    assert "reference" not in re.sub(r'href="[^"]*"', "", page)

    released = world.client("conseiller").get("/notifications").get_data(as_text=True)
    assert "Confié à un autre référent (3 parcours)" in released
    assert "ARNAUD Inès · Parcours de référence" in released


def test_a_days_stalls_reach_the_referent_as_one_digest_with_step_names(world: World) -> None:
    started = [world.start(last_name=last, first_name=first) for last, first in PEOPLE]
    world.clock.advance(days=2, minutes=1)  # every reception task is overdue
    with unit_of_work(world.sessions) as session:
        assert supervision.sweep(session, world.clock.now()).flagged == 3

    assert _count(world, "conseiller", supervision.STALLED_KIND) == 1
    page = world.client("conseiller").get("/notifications").get_data(as_text=True)
    (digest,) = [item for item in _items(page) if 'data-kind="pathway_stalled"' in item]
    assert "Signalés bloqués dans votre file active (3 parcours)" in digest
    for (last, first), pathway_id in zip(PEOPLE, started, strict=True):
        assert f'<a href="/parcours/{pathway_id}">{last.upper()} {first}</a>' in digest
    assert "étape : Accueil" in digest
    assert "Task_" not in page and "stalled" not in re.sub(r'data-kind="[^"]*"', "", page)
