"""Issue 15, point 8: stall notices reach a referent as one digest a day listing the pathways."""

from __future__ import annotations

import json

from sqlalchemy import select

from parcours_engine.persistence.models import Notification
from parcours_engine.supervision import supervision
from tests.support import supervision as sv


def _digests(sessions, account_id):
    with sessions() as session:
        notes = session.scalars(
            select(Notification)
            .where(Notification.account_id == account_id, Notification.kind == supervision.STALLED_KIND)
            .order_by(Notification.id)
        ).all()
        return [[entry["pathway"] for entry in json.loads(note.detail_json)["pathways"]] for note in notes]


def test_a_referents_new_stalls_of_a_day_make_one_digest_listing_them(sessions, clock):
    sv.publish(sessions, clock)
    referent = sv.account(sessions, clock, "conseillere")
    other = sv.account(sessions, clock, "autre")
    clock.set(clock.now().replace(hour=6, minute=0))
    first = [sv.start(sessions, clock, referent, identifier=f"PE-{n}") for n in range(3)]
    theirs = sv.start(sessions, clock, other, identifier="PE-X")
    clock.advance(days=2, minutes=1)  # each one's reception task is overdue

    assert sv.sweep(sessions, clock).flagged == 4
    assert _digests(sessions, referent) == [first]
    assert _digests(sessions, other) == [[theirs]]

    later = sv.start(sessions, clock, referent, identifier="PE-L")
    clock.advance(days=2, minutes=1)  # two days on: a new day, a new digest
    assert sv.sweep(sessions, clock).flagged == 1
    assert _digests(sessions, referent) == [first, [later]]


def test_stalls_found_later_the_same_day_join_the_unread_digest(sessions, clock):
    sv.publish(sessions, clock)
    referent = sv.account(sessions, clock, "conseillere")
    clock.set(clock.now().replace(hour=1, minute=0))
    early = sv.start(sessions, clock, referent, identifier="PE-1")
    clock.advance(hours=5)
    late = sv.start(sessions, clock, referent, identifier="PE-2")
    clock.advance(days=1, hours=19, minutes=1)  # 01:01, two days on: the first task is overdue
    assert sv.sweep(sessions, clock).flagged == 1
    clock.advance(hours=5)  # 06:01: the second one too
    assert sv.sweep(sessions, clock).flagged == 1
    assert _digests(sessions, referent) == [[early, late]]
