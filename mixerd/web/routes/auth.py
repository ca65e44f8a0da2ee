"""/auth: the admin password (first-start setup, login, logout) and the links the admin hands out."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from mixerd.control.access import MAX_LABEL, SESSION_DAYS, AccessError, authorize
from mixerd.model.text import TextError, check_name
from mixerd.web.deps import COOKIE, AuthDep, ControlDep, MaybePrincipalDep, PrincipalDep, any_role, public
from mixerd.web.errors import expects_body
from mixerd.web.schemas import ErrorBody

router = APIRouter(prefix="/auth", tags=["auth"])

_PASSWORD_BODY = '{"password": "<the admin password>"}'
_LINK_BODY = '{"role": "mix", "bus": <aux mix number>, "label": "<name>"} or {"role": "viewer", "label": "<name>"}'


def _errors(**described: str) -> dict[int | str, dict[str, Any]]:
    return {int(k[1:]): {"model": ErrorBody, "description": v} for k, v in described.items()}


BAD_REQUEST = "Malformed request body (code malformed_request)"
DISABLED = "Access control is off in this mixer's config (code auth_disabled)"


class AuthStatusOut(BaseModel):
    enabled: bool = Field(description="whether access control is on (off: everyone may change everything)")
    password_set: bool = Field(description="whether an admin password exists (false: POST /auth/setup sets one)")
    role: Literal["admin", "mix", "viewer"] | None = Field(
        description="role of the credentials sent with this request (null: none or not valid; "
                    "\"admin\" when access control is off)")
    bus: int | None = Field(description="the aux mix of a mix token")
    label: str | None = Field(description="the link's label")


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"password": "correct horse"}]})
    password: str


class LoginOut(BaseModel):
    token: str = Field(description="send as Authorization: Bearer <token>; also set as the mixerd_token cookie")
    role: Literal["admin"]


class LogoutOut(BaseModel):
    logged_out: bool = Field(description="true when an admin session ended (a link token stays valid)")


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"role": "mix", "bus": 2, "label": "Drummer"}, {"role": "viewer", "label": "FOH"}]})
    role: Literal["mix", "viewer"]
    bus: int | None = Field(None, description="the aux mix a mix link controls (mix links only)")
    label: str | None = Field(None, description=f"1–{MAX_LABEL} characters under the text rule for names (no "
                              "control, bidirectional or invisible format characters; default: the mix's name / "
                              "\"Viewer\")")


class LinkInfo(BaseModel):
    id: str
    role: Literal["mix", "viewer"]
    bus: int | None
    label: str
    created: datetime
    revoked: datetime | None = Field(description="when it was revoked (null: valid)")


class LinkOut(LinkInfo):
    token: str = Field(description="shown once: only its hash is kept")
    url: str = Field(description="opens the web app with the token: <base>/#/mix/B?token=… or <base>/#/view?token=…")
    qr_svg: str = Field(description="the url as a QR code, an inline <svg> element")


class LinksOut(BaseModel):
    links: list[LinkInfo]


def _utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc)


def _info(link: dict[str, Any]) -> dict[str, Any]:
    return {**link, "created": _utc(link["created"]), "revoked": _utc(link["revoked"])}


def _need(auth):
    if auth is None:
        raise AccessError("auth_disabled", "access control is off ([auth] enabled = false in the config): "
                        "every client may change everything, there is nothing to log in to or hand out")
    return auth


def _signed_in(request: Request, response: Response, token: str) -> dict[str, Any]:
    response.set_cookie(COOKIE, token, max_age=SESSION_DAYS * 86400, path="/", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")
    response.headers["Cache-Control"] = "no-store"
    return {"token": token, "role": "admin"}


@router.get("/status", response_model=AuthStatusOut, summary="Is access control on, and who am I?")
@public
def auth_status(auth: AuthDep, principal: MaybePrincipalDep) -> dict:
    """Answers without credentials. ``role`` is that of the credentials sent (header, cookie)."""
    if auth is None:
        return {"enabled": False, "password_set": False, "role": "admin", "bus": None, "label": None}
    who = principal.to_dict() if principal is not None else {"role": None, "bus": None, "label": None}
    return {"enabled": True, "password_set": auth.password_set, **who}


@router.post("/setup", response_model=LoginOut, summary="Set the admin password on first start",
             responses=_errors(e400=BAD_REQUEST, e409="A password is already set (code password_set), or "
                               + DISABLED, e422="Shorter than 8 characters (code weak_password)"))
@expects_body(_PASSWORD_BODY)
@public
def auth_setup(body: PasswordIn, request: Request, response: Response, auth: AuthDep) -> dict:
    """Only while no admin password exists (none in the config, none set before); logs in at once."""
    token, _ = _need(auth).setup(body.password)
    return _signed_in(request, response, token)


@router.post("/login", response_model=LoginOut, summary="Log in with the admin password",
             responses=_errors(e400=BAD_REQUEST, e401="Wrong password (code bad_password)",
                               e409="No password set yet (code password_not_set), or " + DISABLED,
                               e429="More than 5 wrong passwords from this address in 60 s (code "
                                    "too_many_attempts); Retry-After says when to try again"))
@expects_body(_PASSWORD_BODY)
@public
def auth_login(body: PasswordIn, request: Request, response: Response, auth: AuthDep) -> dict:
    """Answers a token and sets the ``mixerd_token`` cookie (HttpOnly, SameSite=Lax)."""
    client = request.client.host if request.client else "unknown"
    token, _ = _need(auth).login(body.password, client)
    return _signed_in(request, response, token)


@router.post("/logout", response_model=LogoutOut, summary="Log out (ends an admin session, clears the cookie)")
@any_role
def auth_logout(response: Response, auth: AuthDep, principal: PrincipalDep) -> dict:
    ended = auth is not None and principal.token_id is not None and principal.token_id.startswith("s")
    if ended:
        auth.logout(principal)
    response.delete_cookie(COOKIE, path="/")
    return {"logged_out": ended}


@router.get("/links", response_model=LinksOut, summary="The links handed out (admin only)",
            responses=_errors(e409=DISABLED))
def list_links(auth: AuthDep, principal: PrincipalDep) -> dict:
    """Every link with its role, bus, label, when it was created and revoked; never the tokens."""
    authorize(auth, principal)
    return {"links": [_info(link) for link in _need(auth).links()]}


@router.post("/links", response_model=LinkOut, status_code=201, summary="Create a mix or viewer link (admin only)",
             responses=_errors(e400=BAD_REQUEST, e409=DISABLED,
                               e422="Not an aux mix, a bus on a viewer link, or a bad label (code invalid_value)"))
@expects_body(_LINK_BODY)
def create_link(body: LinkIn, request: Request, auth: AuthDep, control: ControlDep) -> dict:
    """A ``mix`` link opens *My mix* for one aux mix and may change only that mix's sends and master; a
    ``viewer`` link reads everything and changes nothing. The token is in the answer only."""
    auth = _need(auth)
    layout = control.tree.layout
    aux = [b for b, bus in enumerate(layout.buses, start=1) if bus.kind == "aux"]
    allowed = ", ".join(map(str, aux)) or "none: this mixer has no aux mix"
    if body.role == "mix":
        if body.bus not in aux:
            raise AccessError("invalid_value", f"bus {body.bus} is not an aux mix of this mixer; a mix link "
                            f"needs one of {allowed}", "bus", f"an aux mix: {allowed}")
        label = body.label if body.label is not None else str(control.get(f"bus/{body.bus}/name"))
    else:
        if body.bus is not None:
            raise AccessError("invalid_value", "a viewer link is for the whole mixer: leave bus out", "bus",
                            "null")
        label = body.label if body.label is not None else "Viewer"
    try:
        label = check_name(label, MAX_LABEL)
    except TextError as e:
        raise AccessError("invalid_value", f"label {e.message}; allowed {e.allowed}", "label", e.allowed) from None
    link, token = auth.create_link(body.role, body.bus, label)
    base = str(request.base_url).rstrip("/")
    url = f"{base}/#/mix/{body.bus}?token={token}" if body.role == "mix" else f"{base}/#/view?token={token}"
    return {**_info(link), "token": token, "url": url, "qr_svg": qr_svg(url)}


@router.delete("/links/{link_id}", response_model=LinkInfo, summary="Revoke a link at once (admin only)",
               responses=_errors(e404="No link with this id (code not_found)", e409=DISABLED))
def revoke_link(link_id: str, auth: AuthDep) -> dict:
    """The token is refused from now on and its open WebSockets are closed (code 4401). Revoking twice is
    harmless; the link stays listed with the time it was revoked."""
    return _info(_need(auth).revoke(link_id))


def qr_svg(text: str) -> str:
    """``text`` as a QR code: an inline ``<svg>`` element (no XML declaration), black on white."""
    import segno

    return segno.make(text, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")
