"""The closed lists the code compares against: account roles, lanes, pathway and task statuses.

Each is a `StrEnum`, so a member equals the string stored in the database (`AccountRole.ADMIN ==
"admin"`) and the columns keep their plain strings; the code names members instead of repeating
literals that a typo would silently break.
"""

from __future__ import annotations

from enum import StrEnum


class AccountRole(StrEnum):
    """Who signs in (`Account.role`)."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    COUNSELLOR = "counsellor"
    SUPERVISOR = "supervisor"
    PARTNER = "partner"
    BENEFICIARY = "beneficiary"


class Lane(StrEnum):
    """The work roles tasks are routed to (a BPMN lane; `Account.team`, `WorkItem.lane`)."""

    ACCUEIL = "accueil"  # reception
    REFERENT = "referent"
    COMMISSION = "commission"
    PARTENAIRE = "partenaire"
    COORDINATION = "coordination"
    EMPLOYEUR = "employeur"


class PathwayStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class WorkItemStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class SystemActor(StrEnum):
    """Who acts when no person does (the `actor` of an event, a completion, a resolved incident).

    Pages never show these technical names: they read "Automatique".
    """

    SCHEDULER = "scheduler"
    CLI = "cli"
    DEMO = "demo"  # the demo data loader (parcours-engine demo load)
