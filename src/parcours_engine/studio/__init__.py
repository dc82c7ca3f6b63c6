"""Models and their versions: drafts edited in the browser, checks, publishing, the version catalogue and diff, moving running pathways to a newer version.

The feature's use cases take the acting account and check it against the one permission table
(domain.permissions) through parcours_engine.access; the doors (web/, cli/, scheduler/) call them.
"""
