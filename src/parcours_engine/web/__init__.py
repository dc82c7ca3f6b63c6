"""Flask only: the app factory, one blueprint per audience, templates and error handlers."""

from parcours_engine.web.app import create_app

__all__ = ["create_app"]
