"""The web front end: REST API (FastAPI) and the static page, built per Control by ``create_app``."""

from mixerd.web.app import create_app
from mixerd.web.deps import ControlDep

__all__ = ["ControlDep", "create_app"]
