"""Supervision: idle waits and stalled pathways (the sweep and the stalled list) and the indicators funders ask for.

The feature's use cases take the acting account and check it against the one permission table
(domain.permissions) through parcours_engine.access; the doors (web/, cli/, scheduler/) call them.
"""
