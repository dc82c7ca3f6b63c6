"""Issue 15, point 4: no dead end in developer English. A temporary transfer without its end date
comes back as the pathway's page with a French error next to the date field and the form as typed;
the dashboard's period ending before it starts comes back as the dashboard with the error next to
"Au" and both dates kept; the error pages (403, 404, 405, 409, 422) read in French, and in English
when English is chosen; every error code a page may show has its two texts."""

from __future__ import annotations

import re

import pytest

from parcours_engine.domain import errors as domain_errors
from parcours_engine.domain.messages import MESSAGES, render
from tests.functional.conftest import World

ENGLISH_WORDS = re.compile(r"\b(invalid|ends_on|the period|forbidden|not found|before it starts)\b", re.I)


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def test_a_temporary_transfer_without_an_end_date_is_refused_next_to_the_date_field(world: World) -> None:
    pathway_id = world.start()
    colleague = str(world.ids["collegue"])
    answer = world.client("conseiller").post(
        f"/parcours/{pathway_id}/referent", {"referent": colleague, "kind": "temporary", "ends_on": ""}
    )
    assert answer.status_code == 400
    main = _main(answer.get_data(as_text=True))
    assert 'id="transfer-form"' in main  # the pathway's page, not an error page
    error = re.search(r'<p class="error" id="err-transfer-ends-on">([^<]+)</p>', main)
    assert error is not None and "date de fin" in error.group(1)
    assert 'aria-describedby="err-transfer-ends-on"' in main
    assert re.search(rf'<option value="{colleague}" selected>', main)  # the choice kept
    assert re.search(r'value="temporary" checked', main)
    assert not ENGLISH_WORDS.search(re.sub(r"<[^>]+>", " ", main))


def test_a_transfer_end_date_that_is_no_date_is_kept_as_typed(world: World) -> None:
    pathway_id = world.start()
    answer = world.client("conseiller").post(
        f"/parcours/{pathway_id}/referent",
        {"referent": str(world.ids["collegue"]), "kind": "temporary", "ends_on": "31/02/2026"},
    )
    assert answer.status_code == 400
    main = _main(answer.get_data(as_text=True))
    assert 'value="31/02/2026"' in main
    assert "Saisissez une date" in main


def test_the_dashboards_reversed_period_is_a_french_error_at_the_field_with_the_dates_kept(
    world: World,
) -> None:
    answer = world.client("superviseur").get("/supervision/?from=2026-05-01&to=2026-01-01")
    assert answer.status_code == 400
    main = _main(answer.get_data(as_text=True))
    assert "Tableau de bord" in main
    assert re.search(r'<p class="error" id="err-to">La fin de la période précède son début\.</p>', main)
    assert 'value="2026-05-01"' in main and 'value="2026-01-01"' in main
    assert 'aria-describedby="err-to"' in main
    assert not ENGLISH_WORDS.search(re.sub(r"<[^>]+>", " ", main))


@pytest.mark.parametrize(
    ("username", "url", "status"),
    [
        ("conseiller", "/supervision/", 403),
        ("conseiller", "/parcours/999999", 404),
        ("conseiller", "/nulle-part", 404),
        ("superviseur", "/studio", 403),
    ],
)
def test_error_pages_read_in_french_and_in_english_when_chosen(
    world: World, username: str, url: str, status: int
) -> None:
    client = world.client(username)
    french = client.get(url)
    assert french.status_code == status
    text = re.sub(r"<[^>]+>", " ", _main(french.get_data(as_text=True)))
    assert not ENGLISH_WORDS.search(text), text
    assert re.search(r"[àâéèêîôûç]|Cette page|accès", text), text
    client.post("/langue", {"lang": "en", "next": "/"})
    english = client.get(url)
    assert english.status_code == status
    assert re.search(r"This page|You do not have access", english.get_data(as_text=True))


def test_every_error_code_of_the_domain_has_a_french_and_an_english_text() -> None:
    defaults = {
        cls.default_code
        for cls in vars(domain_errors).values()
        if isinstance(cls, type) and issubclass(cls, domain_errors.ParcoursError)
    }
    for code in sorted(defaults):
        assert code in MESSAGES, code
        french, english = MESSAGES[code]
        assert french != english and render(code, None, "fr") == french
