"""The inbox and task forms: my tasks, my team's unclaimed tasks, claim, release, complete."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from parcours_engine import access
from parcours_engine.appointments import agenda, follow_ups
from parcours_engine.domain.errors import InvalidInput
from parcours_engine.domain.permissions import Action, Profile
from parcours_engine.pathways import appointment_tasks, forms, models_cache, worklist
from parcours_engine.persistence.models import Beneficiary, WorkItem
from parcours_engine.studio import versions
from parcours_engine.supervision import supervision
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.counsellors import bp, route_name, schema_form
from parcours_engine.web.errors import field_messages
from parcours_engine.web.params import same_site_path


@bp.get("/")
def home() -> Response:
    """Each account's first page, by role: the inbox (counsellors, reception), the dashboard
    (supervisors), the studio (coordinators), the administration (admins), the people shared with
    the structure (partners)."""
    landing = LANDINGS.get(access.profile_of(current_account()), "counsellors.notification_list")
    return redirect(url_for(landing), code=303)


LANDINGS = {
    Profile.COUNSELLOR: "counsellors.inbox",
    Profile.RECEPTION: "counsellors.inbox",
    Profile.SUPERVISOR: "supervisors.dashboard",
    Profile.COORDINATOR: "studio.programmes",
    Profile.ADMIN: "admin.home",
    Profile.PARTNER: "counsellors.shared_people",
}


@bp.get("/taches")
def inbox() -> Any:
    account = current_account()
    programme = request.args.get("programme") or None
    due = request.args.get("echeance") or None
    box = worklist.inbox(
        db_session(), clock(), account, programme, due, route=route_name(), rows=worklist.INBOX_ROWS
    )
    if request.headers.get("HX-Request"):  # the filtered list only: the banner stays as it was
        template, stalled, to_call = "counsellors/_inbox.html", 0, []
    else:
        template, stalled = (
            "counsellors/inbox.html",
            supervision.stalled_count_for_referent(db_session(), account.id),
        )
        to_call = follow_ups.open_for(db_session(), clock(), account)  # "Relancer la personne"
    return render_template(
        template,
        box=box,
        programme=programme,
        due=due,
        programmes=_programmes(),
        dues=worklist.DUE_FILTERS,
        stalled=stalled,
        follow_ups=to_call,
        done=request.args.get("fait", type=int),
        called=request.args.get("relance", type=int),
    )


def _programmes() -> dict[str, str]:
    return versions.catalogue(db_session())


@bp.post("/taches/<int:item_id>/prendre")
def claim(item_id: int) -> Response:
    worklist.claim(db_session(), clock(), current_account(), item_id, route_name())
    back = same_site_path(request.form.get("next")) or url_for("counsellors.task", item_id=item_id)
    return redirect(back, code=303)


@bp.post("/taches/<int:item_id>/rendre")
def release(item_id: int) -> Response:
    worklist.release(db_session(), clock(), current_account(), item_id, route_name())
    return redirect(url_for("counsellors.inbox"), code=303)


@bp.get("/taches/<int:item_id>")
def task(item_id: int) -> Any:
    account = current_account()
    item = worklist.task(db_session(), clock(), account, item_id, route_name())
    return _render_form(item, {}, {})


@bp.post("/taches/<int:item_id>")
def complete(item_id: int) -> Any:
    account = current_account()
    session = db_session()
    item = worklist.task(session, clock(), account, item_id, route_name())  # logged once, with the change
    schema, _ui = _schema(item)
    data, parse_errors = schema_form.parse(schema, request.form) if schema else ({}, {})
    expected = request.form.get("version", type=int)
    try:
        if parse_errors:
            raise InvalidInput(field_errors=parse_errors)
        pathway = worklist.complete(session, clock(), account, item.id, data, route_name(), expected)
    except InvalidInput as error:  # a 400: the unit of work saves nothing of this attempt
        return _render_form(item, data, error.field_errors, status=400)
    if access.may(session, account, pathway.id):
        return redirect(url_for("counsellors.pathway", pathway_id=pathway.id, fait=item.id), code=303)
    # A team lane's worker (reception, coordination) reads the pathway only while a task of its lane
    # is open there: once its task is done, it goes back to its tasks rather than to a 403.
    return redirect(url_for("counsellors.inbox", fait=item.id), code=303)


def _schema(item: WorkItem) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    if item.form is None:
        return None, {}
    model = models_cache.model_for(item.pathway.process_version)
    schema = forms.schema(model, item.form)
    ui_name = item.form.replace(".schema.json", ".uischema.json")
    ui = json.loads(model.forms[ui_name]) if ui_name in model.forms else {}
    return schema, ui


def _render_form(
    item: WorkItem, values: dict[str, Any], errors: Mapping[str, Sequence[Any]], status: int = 200
) -> Any:
    schema, ui = _schema(item)
    pathway = item.pathway
    shown = field_messages(errors)
    kind = appointment_tasks.kind_of(item)
    body = render_template(
        "counsellors/task.html",
        item=item,
        pathway=pathway,
        person=db_session().get(Beneficiary, pathway.beneficiary_id),
        schema=schema,
        fields=schema_form.fields(schema, ui) if schema else [],
        values=values,
        errors=shown,
        selected=schema_form.selected,
        may_work=worklist.may_work_on(current_account(), item, pathway),
        appointment_kind=kind,
        booked=_booked(item, kind),
    )
    return body, status


def _booked(item: WorkItem, kind: str | None) -> list[agenda.AgendaRow]:
    """An appointment task's appointments of its kind for the pathway, newest first (a missed one
    shows why the task is still open), for those who may read the person's appointments."""
    session, account = db_session(), current_account()
    person_id = item.pathway.beneficiary_id
    if kind is None or not access.may_person(session, account, person_id, Action.READ_APPOINTMENTS):
        return []
    rows = agenda.of_person(session, clock(), account, person_id, route_name())
    return [r for r in rows if r.appointment.pathway_id == item.pathway_id and r.appointment.kind == kind]
