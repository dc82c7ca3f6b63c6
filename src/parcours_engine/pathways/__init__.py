"""Pathways and tasks: start a programme for a person, complete its tasks, fire its timers, transfer its referent, exit; the inbox and caseload; people registration; incidents and notifications.

The feature's use cases take the acting account and check it against the one permission table
(domain.permissions) through parcours_engine.access; the doors (web/, cli/, scheduler/) call them.
"""
