"""Dependencies for route handlers, as Annotated aliases so signatures read as types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from mixerd.control import Control
from mixerd.control.access import OPEN, AccessError, Auth, Principal, authorize, authorize_own_undo
from mixerd.control.scenes import SceneService
from mixerd.diagnostics import Diagnostics

#: The cookie the web app keeps its token in (an API client sends ``Authorization: Bearer <token>``).
COOKIE = "mixerd_token"

#: Methods that only read.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_control(request: Request) -> Control:
    """The Control this app was created with (``create_app`` puts it on ``app.state``)."""
    return request.app.state.control


ControlDep = Annotated[Control, Depends(get_control)]


def get_scenes(request: Request) -> SceneService:
    """The SceneService of this app (``create_app`` puts it on ``app.state``)."""
    return request.app.state.scenes


ScenesDep = Annotated[SceneService, Depends(get_scenes)]


def get_diagnostics(request: Request) -> Diagnostics:
    """The problem finder of this app (``create_app`` puts it on ``app.state``)."""
    return request.app.state.diagnostics


DiagnosticsDep = Annotated[Diagnostics, Depends(get_diagnostics)]


def get_auth(request: Request) -> Auth | None:
    """The app's access control, or None when the API is open."""
    return request.app.state.auth


AuthDep = Annotated[Auth | None, Depends(get_auth)]


# -- access control ------------------------------------------------------------------------------------

def public(endpoint):
    """Mark an endpoint that answers without credentials (auth status, login, setup)."""
    endpoint.auth_public = True
    return endpoint


def param_write(endpoint):
    """Mark an endpoint that changes parameters: it calls ``authorize`` with the addresses it sets itself
    (every other writing endpoint is admin only, checked by ``require_access``)."""
    endpoint.auth_param_write = True
    return endpoint


def any_role(endpoint):
    """Mark a writing endpoint every signed-in role may call because it changes only the caller's own
    session (logout)."""
    endpoint.auth_any_role = True
    return endpoint


def own_changes(endpoint):
    """Mark a writing endpoint that acts on the caller's own changes only (undo and redo of one's own steps):
    whoever may change something may call it (``authorize_own_undo``)."""
    endpoint.auth_own_changes = True
    return endpoint


def presented_token(conn: HTTPConnection, query: bool = False) -> str | None:
    """The credentials a request carries: ``Authorization: Bearer``, else (WebSocket only, ``query``)
    ``?token=``, else the ``mixerd_token`` cookie. The query wins over the cookie because a browser sends the
    cookie by itself: an admin's tablet that opens a mix link must get the mix link's socket."""
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if query and conn.query_params.get("token"):
        return conn.query_params["token"]
    return conn.cookies.get(COOKIE) or None


async def require_access(request: Request) -> Principal | None:
    """Run for every /api/v1 request: who is asking (401 ``unauthenticated`` without valid credentials,
    except on public endpoints, where the answer is None), and for a writing request that is not a
    parameter change, ``authorize`` (admin only)."""
    auth: Auth | None = request.app.state.auth
    endpoint = request.scope.get("endpoint")
    if auth is None:
        principal: Principal | None = OPEN
    else:
        principal = auth.identify(presented_token(request))
        if principal is None:
            if getattr(endpoint, "auth_public", False):
                return None
            presented = presented_token(request) is not None
            raise AccessError("unauthenticated",
                            ("the token is not valid (revoked, expired or unknown); " if presented else
                             "this needs credentials; ")
                            + "log in with the admin password (POST /api/v1/auth/login) or open a link from "
                            "the engineer, then send Authorization: Bearer <token> or the mixerd_token cookie",
                            None, "Authorization: Bearer <token>, or the mixerd_token cookie")
    if (request.method not in READ_METHODS and not getattr(endpoint, "auth_public", False)
            and not getattr(endpoint, "auth_param_write", False) and not getattr(endpoint, "auth_any_role", False)):
        if getattr(endpoint, "auth_own_changes", False):
            authorize_own_undo(auth, principal)
        else:
            authorize(auth, principal)
    return principal


#: The caller, for endpoints that are not public (never None there).
PrincipalDep = Annotated[Principal, Depends(require_access)]
#: The caller or None, for public endpoints.
MaybePrincipalDep = Annotated[Principal | None, Depends(require_access)]
