"""Routes of /api/v1. Same services and access rules as the pages; JSON in, JSON out."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue

from parcours_engine import access
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways import beneficiaries, pathways, worklist
from parcours_engine.persistence.models import Beneficiary, Pathway, WorkItem
from parcours_engine.web.api import bp
from parcours_engine.web.api.inputs import json_body, one_of, positive, query_bounds, query_date
from parcours_engine.web.api.openapi import document
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.counsellors import route_name
from parcours_engine.web.errors import json_error
from parcours_engine.web.params import whole_number


def _declared_query() -> dict[tuple[str, str], frozenset[str]]:
    """The query parameters the document declares, per (path with `{}` for each variable, method)."""
    return {
        (re.sub(r"\{[^}]*\}", "{}", path), method.upper()): frozenset(
            p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"
        )
        for path, item in document()["paths"].items()
        for method, operation in item.items()
    }


_QUERY = _declared_query()


@bp.before_request
def _known_query_only() -> None:
    """A query parameter the document does not declare is refused (400), not silently ignored."""
    if request.url_rule is None or not request.args:
        return
    path = re.sub(r"<[^>]*>", "{}", request.url_rule.rule.removeprefix(bp.url_prefix or ""))
    declared = _QUERY.get((path, request.method))
    if declared is None:
        return
    unknown = sorted(set(request.args) - declared)
    if unknown:
        raise InvalidInput(field_errors={name[:64]: [FieldError("field.unknown")] for name in unknown[:10]})


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document())


# -- beneficiaries ---------------------------------------------------------------------------------


@bp.get("/beneficiaries")
def search_beneficiaries() -> ResponseReturnValue:
    _query_limits(name=120, identifier=32)
    born = query_date("birth_date")
    found = worklist.search_beneficiaries(
        db_session(),
        clock(),
        current_account(),
        route=route_name(),
        name=request.args.get("name"),
        birth_date=born,
        identifier=request.args.get("identifier"),
    )
    return jsonify({"items": [_found(p) for p in found]})


@bp.post("/beneficiaries")
def create_beneficiary() -> ResponseReturnValue:
    account = current_account()
    access.require(account, Action.REGISTER_PERSON)
    data = json_body(
        required={"last_name": str, "first_name": str, "birth_date": date, "sex": str},
        limits={"last_name": 120, "first_name": 120, "departement": 3, "territory": 40},
        optional={
            "qualification_level": str,
            "departement": str,
            "territory": str,
            "priority_district": bool,
            "ase": bool,
            "mna": bool,
            "confirm_duplicate": bool,
        },
    )
    confirmed = bool(data.pop("confirm_duplicate", False))
    try:
        person = beneficiaries.register(
            db_session(), clock(), account, route_name(), confirm_duplicate=confirmed, **data
        )
    except beneficiaries.DuplicateSuspected as suspected:
        # 409 with the people the caller may see; others only counted, never described.
        response = json_error(409, suspected.code)
        body = response.get_json()
        body["candidates"] = [_found(found) for found in suspected.duplicates.visible]
        body["followed_elsewhere"] = suspected.duplicates.elsewhere
        response.set_data(jsonify(body).get_data())
        return response
    return jsonify(_beneficiary(person)), 201, {"Location": url_for(".get_beneficiary", person_id=person.id)}


@bp.get("/beneficiaries/<int:person_id>")
def get_beneficiary(person_id: int) -> ResponseReturnValue:
    session = db_session()
    account = current_account()
    person = access.beneficiary_for(session, clock(), account, person_id, Action.READ_PERSON, route_name())
    body = _beneficiary(person)
    body["pathways"] = [
        _pathway(row.pathway, row.referent_name)
        for row in worklist.pathways_of(session, account, person.id)  # those this reader may see
    ]
    return jsonify(body)


# -- pathways ---------------------------------------------------------------------------------------


@bp.get("/pathways")
def list_pathways() -> ResponseReturnValue:
    _query_limits(programme=64)
    status = request.args.get("status")
    one_of(status, "status", worklist.STATUSES)
    rows = worklist.pathway_list(
        db_session(),
        clock(),
        current_account(),
        route=route_name(),
        programme=request.args.get("programme") or None,
        referent_id=positive(whole_number(request.args, "referent_id"), "referent_id"),
        status=status,
    )
    return jsonify({"items": [_pathway(row.pathway, row.referent_name) for row in rows]})


@bp.post("/pathways")
def start_pathway() -> ResponseReturnValue:
    account = current_account()
    access.require(account, Action.START_PATHWAY)
    data = json_body(
        required={"programme": str, "beneficiary_id": int},
        optional={"referent_id": int},
        limits={"programme": 64},
    )
    started = pathways.start_for(
        db_session(),
        clock(),
        account,
        data["programme"],
        data["beneficiary_id"],
        route_name(),
        referent_id=data.get("referent_id"),
    )
    return jsonify(_pathway(started, None)), 201, {"Location": url_for(".get_pathway", pathway_id=started.id)}


@bp.get("/pathways/<int:pathway_id>")
def get_pathway(pathway_id: int) -> ResponseReturnValue:
    session = db_session()
    found = access.pathway_for(
        session, clock(), current_account(), pathway_id, Action.READ_PATHWAY, route_name()
    )
    detail = worklist.pathway_detail(session, found)
    body = _pathway(found, None)
    body["work_items"] = [_work_item(item, found.programme) for item in detail.items]
    return jsonify(body)


@bp.post("/pathways/<int:pathway_id>/referent")
def transfer_referent(pathway_id: int) -> ResponseReturnValue:
    account = current_account()
    data = json_body(required={"referent_id": int}, optional={"kind": str, "ends_on": date})
    changed = pathways.set_referent(
        db_session(),
        clock(),
        account,
        pathway_id,
        data["referent_id"],
        route_name(),
        data.get("kind", "permanent"),
        data.get("ends_on"),
    )
    return jsonify(_pathway(changed, None))


# -- work items -------------------------------------------------------------------------------------


@bp.get("/work-items")
def my_work_items() -> ResponseReturnValue:
    _query_limits(programme=64)
    due = request.args.get("due")
    one_of(due, "due", worklist.DUE_FILTERS)
    box = worklist.inbox(
        db_session(),
        clock(),
        current_account(),
        request.args.get("programme") or None,
        due,
        route=route_name(),
    )
    return jsonify(
        {
            "mine": [_work_item(row.item, row.programme) for row in box.mine],
            "team": [_work_item(row.item, row.programme) for row in box.team],
            "counts": box.counts,
        }
    )


@bp.post("/work-items/<int:item_id>/claim")
def claim(item_id: int) -> ResponseReturnValue:
    item = worklist.claim(db_session(), clock(), current_account(), item_id, route_name())
    return jsonify(_work_item(item, None))


@bp.post("/work-items/<int:item_id>/complete")
def complete(item_id: int) -> ResponseReturnValue:
    data = json_body(required={"data": dict}, optional={"expected_version": int})
    pathway = worklist.complete(
        db_session(),
        clock(),
        current_account(),
        item_id,
        data["data"],
        route_name(),
        data.get("expected_version"),
    )
    return jsonify(_pathway(pathway, None))


# -- helpers ----------------------------------------------------------------------------------------


def _query_limits(**limits: int) -> None:
    query_bounds(limits, dates=("birth_date",))


def _beneficiary(person: Beneficiary) -> dict[str, Any]:
    return {
        "id": person.id,
        "identifier": person.identifier,
        "last_name": person.last_name,
        "first_name": person.first_name,
        "birth_date": person.birth_date.isoformat(),
        "sex": person.sex,
        "qualification_level": person.qualification_level,
        "priority_district": person.priority_district,
        "departement": person.departement,
        "territory": person.territory,
        "ase": person.ase,
        "mna": person.mna,
    }


def _found(person: Beneficiary) -> dict[str, Any]:
    """A search result: who the person is, nothing of their situation (no ASE/MNA flags)."""
    return {key: value for key, value in _beneficiary(person).items() if key not in ("ase", "mna")}


def _pathway(pathway: Pathway, referent_name: str | None) -> dict[str, Any]:
    return {
        "id": pathway.id,
        "programme": pathway.programme,
        "version": pathway.process_version.version,
        "beneficiary_id": pathway.beneficiary_id,
        "referent_id": pathway.referent_id,
        "referent_name": referent_name,
        "structure_id": pathway.structure_id,
        "status": pathway.status,
        "current_elements": [e for e in pathway.current_elements.split(",") if e],
        "idle_since": _iso(pathway.idle_since),
        "started_at": _iso(pathway.started_at),
        "ended_at": _iso(pathway.ended_at),
        "outcome": pathway.outcome,
        "row_version": pathway.version,
    }


def _work_item(item: WorkItem, programme: str | None) -> dict[str, Any]:
    return {
        "id": item.id,
        "pathway_id": item.pathway_id,
        "programme": programme,
        "element_id": item.element_id,
        "name": item.name,
        "lane": item.lane,
        "form": item.form,
        "assignee_id": item.assignee_id,
        "status": item.status,
        "due_at": _iso(item.due_at),
        "created_at": _iso(item.created_at),
        "completed_at": _iso(item.completed_at),
        "completed_by": item.completed_by,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
