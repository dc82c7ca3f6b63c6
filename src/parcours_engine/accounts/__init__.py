"""Accounts and administration: sign-in and API tokens, structures and accounts managed by admins with their journal.

The feature's use cases take the acting account and check it against the one permission table
(domain.permissions) through parcours_engine.access; the doors (web/, cli/, scheduler/) call them.
"""
