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
- `operations`: the health check row.

The other features' tables (appointments, passport, studio drafts, second factor, administration) are
in the sibling `*_models` modules, which derive from the same `Base`.
"""

from __future__ import annotations

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
    "partial_index",
]
