"""The employment passport and the person's portal: entries, evaluations, consents to share, access cards, the PDF and the funders' passport figures.

The feature's use cases take the acting account and check it against the one permission table
(domain.permissions) through parcours_engine.access; the doors (web/, cli/, scheduler/) call them.
"""
