"""Tables of parcours-engine, one module per area; every name is re-exported here.

The engine state of a pathway is one JSON document (`pathway_state`) that nothing queries. Everything a
screen filters or sorts on lives in the narrow projection rows (`pathway`, `work_item`,
`waiting_element`), written in the same transaction as the state.

- `base`: the declarative base, its naming convention, `partial_index`;
- `accounts`: structures, accounts, API tokens, throttles, notifications;
- `people`: the people followed, identity corrections, erasures, the access log;
- `catalogue`: published process versions and their elements;
- `pathways`: pathways, their state, work items, waiting elements, events, incidents, referents;
- `figures`: idle periods and objectives;
- `operations`: the health check row;
- `consent`: the columns every consent table has;
- the features' own tables, imported by their module path (`from parcours_engine.persistence.models.
  appointments import Appointment`): `appointments` (contact details, appointments, their messages,
  follow-ups, agenda feeds), `passport` (the employment passport and the person's portal access),
  `studio` (model drafts), `second_factor`, `admin` (the administration's journal).

Importing the package imports every module, so `Base.metadata` holds every table (Alembic's env, the
privacy register).
"""

from __future__ import annotations

# The features' modules: imported so that Base.metadata holds their tables (their names are read from
# their own modules).
from parcours_engine.persistence.models import admin, appointments, passport, second_factor, studio
from parcours_engine.persistence.models.accounts import Account, ApiToken, Notification, Structure, Throttle
from parcours_engine.persistence.models.base import NAMING, Base, partial_index
from parcours_engine.persistence.models.catalogue import ProcessElement, ProcessVersion
from parcours_engine.persistence.models.figures import IdlePeriod, Objective
from parcours_engine.persistence.models.operations import HealthCheck
from parcours_engine.persistence.models.pathways import (
    Incident,
    Pathway,
    PathwayEvent,
    PathwayState,
    ReferentAssignment,
    WaitingElement,
    WorkItem,
)
from parcours_engine.persistence.models.people import AccessLog, Beneficiary, Erasure, IdentityCorrection

__all__ = [
    "NAMING",
    "AccessLog",
    "Account",
    "ApiToken",
    "Base",
    "Beneficiary",
    "Erasure",
    "HealthCheck",
    "IdentityCorrection",
    "IdlePeriod",
    "Incident",
    "Notification",
    "Objective",
    "Pathway",
    "PathwayEvent",
    "PathwayState",
    "ProcessElement",
    "ProcessVersion",
    "ReferentAssignment",
    "Structure",
    "Throttle",
    "WaitingElement",
    "WorkItem",
    "admin",
    "appointments",
    "partial_index",
    "passport",
    "second_factor",
    "studio",
]
