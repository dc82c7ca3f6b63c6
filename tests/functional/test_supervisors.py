"""The supervisors' pages: dashboard figures, CSV exports, the stalled list, the diagram overlay, and
the same figures at /api/v1/indicators."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest

from parcours_engine.pathways import pathways
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.supervision import indicators
from tests.functional.conftest import World
from tests.support import supervision as sv


def _pathway(world: World, referent: str = "conseiller", by: str = "accueil", **person: object) -> int:
    """A pathway of the supervision programme in `by`'s structure, its accueil done."""
    structure = "ml_sud" if by == "ailleurs" else "ml_nord"
    person_id = world.person(structure, **person)
    with unit_of_work(world.sessions) as session:
        started = pathways.start_pathway(
            session, world.clock, sv.PROGRAMME, person_id, by, world.ids[referent]
        ).id
    sv.accueil(world.sessions, world.clock, started)
    return started


@pytest.fixture
def dataset(world: World) -> dict[str, int]:
    """Five people in 2026: two exits (a CDI, a drop-out), three stalled (one in another structure).

    Objectives for 2026: 10 entries for the organisation, 8 for ml_nord (the supervisor's structure).
    """
    sv.publish(world.sessions, world.clock)
    with unit_of_work(world.sessions) as session:
        indicators.set_objective(session, world.clock, sv.PROGRAMME, 2026, 10, "test")
        indicators.set_objective(
            session, world.clock, sv.PROGRAMME, 2026, 8, "test", world.structures["ml_nord"]
        )
    hired = _pathway(world, sex="F", qualification_level="V")
    sv.exit_with(world.sessions, world.clock, hired, "cdi")
    dropped = _pathway(world, sex="M", qualification_level="IV")
    sv.exit_with(world.sessions, world.clock, dropped, "abandon")
    first = _pathway(world, sex="F", qualification_level="VI", last_name="Premier")
    world.clock.advance(days=2)
    second = _pathway(world, referent="collegue", sex="M", qualification_level="IV", last_name="Second")
    elsewhere = _pathway(world, referent="ailleurs", by="ailleurs", last_name="Sud")
    world.clock.advance(days=31)
    assert sv.sweep(world.sessions, world.clock).flagged == 3
    return {"first": first, "second": second, "elsewhere": elsewhere}


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # Excel reads the accents
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_dashboard_shows_the_programmes_figures(world, dataset):
    page = world.client("superviseur").get(f"/supervision/?programme={sv.PROGRAMME}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="table-summary"' in html and "dist/charts.js" in html
    summary = _csv(
        world.client("superviseur").get(f"/supervision/?programme={sv.PROGRAMME}&format=csv&table=summary")
    )
    assert summary[0][:3] == ["Programme", "Personnes présentes", "Entrées"]
    # Their structure's figures only: ml_sud's pathway and the organisation's objective are not theirs.
    #           present entries objective  done %  exits positive  %   durable  %
    assert summary[1][1:10] == ["4", "4", "8", "50", "2", "1", "50", "1", "50"]
    exits = _csv(world.client("superviseur").get("/supervision/?format=csv&table=exits"))
    assert sorted(row[1:] for row in exits[1:]) == [["Abandon", "1"], ["CDI", "1"]]


def test_breakdowns_and_caseloads_export_to_csv(world, dataset):
    client = world.client("coordination")  # counts only: coordinators read them too
    rows = _csv(client.get(f"/supervision/?programme={sv.PROGRAMME}&format=csv&table=breakdowns"))
    assert rows[0][1:] == [
        "Population",
        "Personnes",
        "Femmes",
        "Hommes",
        "Infra-bac",
        "Quartier prioritaire",
        "Renforcé",
    ]
    assert rows[1][1:] == ["Présentes", "4", "2", "2", "2", "0", "1"]  # ml_nord's people only
    caseloads = _csv(client.get(f"/supervision/?programme={sv.PROGRAMME}&format=csv&table=caseloads"))
    assert sorted(row[1:] for row in caseloads[1:]) == [["Collegue", "1"], ["Conseiller", "1"]]
    assert client.get("/supervision/?format=csv&table=nope").status_code == 400


def test_stalled_list_is_sorted_filtered_and_scoped_to_the_structure(world, dataset):
    client = world.client("superviseur")
    html = client.get("/supervision/blocages").get_data(as_text=True)
    assert f'/parcours/{dataset["first"]}"' in html and f'/parcours/{dataset["second"]}"' in html
    assert f'/parcours/{dataset["elsewhere"]}"' not in html  # another structure's pathway
    oldest_first = html.index(f'data-pathway="{dataset["first"]}"') < html.index(
        f'data-pathway="{dataset["second"]}"'
    )
    assert oldest_first
    newest = client.get("/supervision/blocages?sort=stalled_since&order=desc").get_data(as_text=True)
    assert newest.index(f'data-pathway="{dataset["second"]}"') < newest.index(
        f'data-pathway="{dataset["first"]}"'
    )
    mine = client.get(f"/supervision/blocages?referent={world.ids['collegue']}").get_data(as_text=True)
    assert f'data-pathway="{dataset["second"]}"' in mine and f'data-pathway="{dataset["first"]}"' not in mine
    other_reason = client.get("/supervision/blocages?reason=task_overdue").get_data(as_text=True)
    assert "data-pathway=" not in other_reason
    rows = _csv(client.get("/supervision/blocages?format=csv&sort=referent"))
    assert [row[3] for row in rows[1:]] == ["Collegue", "Conseiller"]
    assert rows[1][4] == "Sans mesure depuis trop longtemps"
    admin = world.client("administrateur").get("/supervision/blocages").get_data(as_text=True)
    assert f'data-pathway="{dataset["elsewhere"]}"' in admin


def test_counsellors_get_403_and_coordinators_may_not_read_the_stalled_list(world, dataset):
    counsellor = world.client("conseiller")
    for url in (
        "/supervision/",
        "/supervision/blocages",
        f"/supervision/programmes/{sv.PROGRAMME}/modele.bpmn",
    ):
        assert counsellor.get(url).status_code == 403, url
    assert world.client("coordination").get("/supervision/blocages").status_code == 403
    assert world.client().get("/supervision/").status_code in (302, 401)


def test_diagram_overlay_and_its_access_checked_xml(world, dataset):
    client = world.client("superviseur")
    page = client.get(f"/supervision/programmes/{sv.PROGRAMME}/diagramme")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "dist/viewer.js" in html and 'id="waits"' in html
    found = re.search(r"data-overlays='([^']*)'", html)
    assert found, "no overlays on the diagram"
    overlays = json.loads(unescape(found.group(1)))
    (waiting,) = [o for o in overlays if "parcours-waits" in o["html"]]  # ml_nord's two stalled, one task
    assert ">2 · 33,0 j<" in waiting["html"]  # waiting 33 and 31 days: the nearest-rank median is 33
    everyone = world.client("administrateur").get(f"/supervision/programmes/{sv.PROGRAMME}/diagramme")
    found = re.search(r"data-overlays='([^']*)'", everyone.get_data(as_text=True))
    assert found and ">3 · " in json.loads(unescape(found.group(1)))[0]["html"]  # every structure's three
    xml = client.get(f"/supervision/programmes/{sv.PROGRAMME}/modele.bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert b"bpmn:definitions" in xml.get_data()
    assert client.get("/supervision/programmes/inconnu/modele.bpmn").status_code == 404


def test_api_indicators_json_and_401_without_token(world, dataset):
    body = world.api("superviseur").get(f"/indicators?programme={sv.PROGRAMME}&from=2026-01-01&to=2026-12-31")
    assert body.status_code == 200
    (figures,) = body.get_json()["programmes"]
    assert (figures["present"]["people"], figures["objective"], figures["exits"]) == (4, 8, 2)
    assert figures["exits_by_outcome"] == {"abandon": 1, "cdi": 1}
    assert figures["positive_share"] == 0.5 and figures["durable_employment_share"] == 0.5
    assert "company_periods" in figures["passport"]
    assert world.app.test_client().get("/api/v1/indicators").status_code == 401
    assert world.api("conseiller").get("/indicators").status_code == 403
    too_early = world.api("superviseur").get("/indicators?from=0001-01-01")
    assert too_early.status_code == 400 and too_early.get_json()["code"] == "supervision.period_invalid"
    assert [e["code"] for e in too_early.get_json()["field_errors"]["from"]] == ["field.date_after"]


def test_a_wrong_period_is_told_in_french_on_the_page(world, dataset):
    client = world.client("superviseur")
    reversed_ = client.get("/supervision/?from=2026-06-01&to=2026-01-31")
    page = reversed_.get_data(as_text=True)
    assert reversed_.status_code == 400
    assert (
        "La période demandée n'est pas valide" in page.replace("&#39;", "'")
        and "La fin de la période précède son début." in page
    )
    assert "ends before" not in page and "must not be" not in page
    typo = client.get("/supervision/?from=31/02/2026").get_data(as_text=True)
    assert "Saisissez une date (jj/mm/aaaa)." in typo
    french = client.get("/supervision/?from=01/02/2026&to=28/02/2026")  # the French form is read too
    assert french.status_code == 200


def test_inbox_banner_counts_the_referents_stalled_pathways(world, dataset):
    html = world.client("conseiller").get("/taches").get_data(as_text=True)
    assert 'id="stalled-banner"' in html and 'id="stalled-count">1<' in html
    notes = world.client("conseiller").get("/notifications").get_data(as_text=True)
    # one daily digest naming the person, the programme and why
    assert "Signalés bloqués dans votre file active (1 parcours) :" in notes
    assert "Sans mesure depuis trop longtemps" in notes
    digest = world.client("superviseur").get("/notifications").get_data(as_text=True)
    assert "2 parcours viennent d'être signalés bloqués." in digest  # their structure's two


def test_figures_are_scoped_to_the_readers_structure(world, dataset):
    """A supervisor reads their structure's figures; an admin reads every structure's or picks one."""
    url = f"/indicators?programme={sv.PROGRAMME}&from=2026-01-01&to=2026-12-31"

    def read(who: str, extra: str = "") -> tuple[object, ...]:
        body = world.api(who).get(url + extra).get_json()
        (figures,) = body["programmes"]
        return body["structure"], figures["present"]["people"], figures["objective"], figures["exits"]

    assert read("superviseur") == ("ml_nord", 4, 8, 2)
    assert read("superviseur_sud") == ("ml_sud", 1, None, 0)
    assert read("coordination") == ("ml_nord", 4, 8, 2)
    assert read("administrateur") == (None, 5, 10, 2)  # the organisation's own objective
    assert read("administrateur", "&structure=ml_sud") == ("ml_sud", 1, None, 0)
    assert read("superviseur", "&structure=ml_nord") == ("ml_nord", 4, 8, 2)
    refused = world.api("superviseur").get(url + "&structure=ml_sud")
    assert refused.status_code == 403 and refused.get_json()["message"]
    unknown = world.api("administrateur").get(url + "&structure=nulle_part")
    assert unknown.status_code == 400 and "structure" in unknown.get_json()["field_errors"]
    page = world.client("administrateur").get(f"/supervision/?programme={sv.PROGRAMME}&structure=ml_sud")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="structure"' in html and "ML_SUD" in html
    assert 'id="structure"' not in world.client("superviseur").get("/supervision/").get_data(as_text=True)
    assert world.client("superviseur").get("/supervision/?structure=ml_sud").status_code == 403


def test_without_an_organisation_objective_every_structure_reads_the_sum(world, dataset):
    with unit_of_work(world.sessions) as session:
        indicators.set_objective(
            session, world.clock, sv.PROGRAMME, 2027, 8, "t", world.structures["ml_nord"]
        )
        indicators.set_objective(session, world.clock, sv.PROGRAMME, 2027, 5, "t", world.structures["ml_sud"])
    with world.sessions() as session:
        assert indicators.objective(session, sv.PROGRAMME, 2027) == 13
        assert indicators.objective(session, sv.PROGRAMME, 2027, world.structures["ml_sud"]) == 5
        assert indicators.objective(session, sv.PROGRAMME, 2028) is None


def test_supervisors_set_their_structures_objective_on_the_dashboard(world, dataset):
    client = world.client("superviseur")
    page = client.get(f"/supervision/?programme={sv.PROGRAMME}").get_data(as_text=True)
    assert 'id="objectives"' in page and f'id="objective-{sv.PROGRAMME}"' in page
    form = {"programme": sv.PROGRAMME, "year": "2026", "entries": "12", "programme_filter": sv.PROGRAMME}
    done = client.post("/supervision/objectifs", form)
    assert done.status_code == 302 and f"programme={sv.PROGRAMME}" in done.headers["Location"]
    with world.sessions() as session:
        assert indicators.objective(session, sv.PROGRAMME, 2026, world.structures["ml_nord"]) == 12
        assert indicators.objective(session, sv.PROGRAMME, 2026) == 10  # the organisation's is untouched
    # Another structure's objective is not theirs to set; bad numbers are field errors; CSRF is checked.
    assert client.post("/supervision/objectifs", {**form, "structure": "ml_sud"}).status_code == 403
    bad = client.post("/supervision/objectifs", {**form, "entries": "-3"})
    assert bad.status_code == 400 and "Saisissez un nombre entier." in bad.get_data(as_text=True)
    assert client.post("/supervision/objectifs", {**form, "programme": "inconnu"}).status_code == 400
    assert client.post("/supervision/objectifs", form, csrf=False).status_code == 400
    coordinator = world.client("coordination")
    assert 'id="objectives"' not in coordinator.get("/supervision/").get_data(as_text=True)
    assert coordinator.post("/supervision/objectifs", form).status_code == 403
    admin = world.client("administrateur")
    assert (
        admin.post("/supervision/objectifs", {**form, "structure": "ml_sud", "entries": "4"}).status_code
        == 302
    )
    with world.sessions() as session:
        assert indicators.objective(session, sv.PROGRAMME, 2026, world.structures["ml_sud"]) == 4


def test_the_page_shows_the_largest_caseloads_and_the_csv_every_referent(world, dataset, monkeypatch):
    """A service with hundreds of referents: the page shows each programme's largest caseloads and says
    so; the CSV export still lists every referent (bench.pages: 28,861 rows took 1 s to render)."""
    from parcours_engine.web.supervisors import tables

    monkeypatch.setattr(tables, "CASELOADS_ON_PAGE", 1)
    person = world.person("ml_nord")
    with unit_of_work(world.sessions) as session:  # Conseiller's caseload becomes the larger one
        pathways.start_pathway(session, world.clock, sv.PROGRAMME, person, "accueil", world.ids["conseiller"])
    client = world.client("superviseur")
    html = client.get(f"/supervision/?programme={sv.PROGRAMME}").get_data(as_text=True)
    shown = html.split('id="table-caseloads"', 1)[1].split("</table>", 1)[0]
    assert "Conseiller" in shown and "Collegue" not in shown
    assert "Les 1 plus grandes files actives de chaque programme : l'export CSV" in unescape(html)
    caseloads = _csv(client.get(f"/supervision/?programme={sv.PROGRAMME}&format=csv&table=caseloads"))
    assert sorted(row[1:] for row in caseloads[1:]) == [["Collegue", "1"], ["Conseiller", "2"]]


def test_the_passport_counts_the_same_people_as_the_dashboard_in_french_days(world, dataset):
    """A pathway that ended at 00:30 on 1 January in Paris (23:30 UTC the day before) was followed on
    1 January: the passport's people and the dashboard's people present agree on it."""
    from datetime import UTC, date, datetime

    from parcours_engine.passport import indicators as passport_indicators

    world.clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # 1 January 2027, 00:30 in Paris
    sv.exit_with(world.sessions, world.clock, dataset["first"], "abandon")
    period = indicators.Period(date(2027, 1, 1), date(2027, 12, 31))
    with world.sessions() as session:
        present = indicators.indicators(session, sv.PROGRAMME, period, world.structures["ml_nord"]).present
        passport = passport_indicators.indicators(
            session, sv.PROGRAMME, period.start, period.end, world.structures["ml_nord"]
        )
    assert present.people == passport["people"] == 2  # "first", and "second" still followed
