"""Follow the signal: ``GET /trace/{address}``, ``GET /diagnostics``, ``POST /gain-staging``."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter

from mixerd.control.access import may_write
from mixerd.diagnostics import CODES, take, trace
from mixerd.diagnostics import gainstaging
from mixerd.web.deps import ControlDep, DiagnosticsDep, PrincipalDep
from mixerd.web.errors import expects_body, responses
from mixerd.web.schemas import DiagnosticsOut, GainStagingIn, GainStagingOut, TraceOut

router = APIRouter(tags=["diagnostics"])


@router.get("/trace/{address:path}", response_model=TraceOut, responses=responses(404),
            summary="The signal path of a channel, bus or the main, with live levels")
def read_trace(address: str, control: ControlDep, diagnostics: DiagnosticsDep, principal: PrincipalDep) -> dict:
    """Every stage the signal of ``address`` (``ch/3``, ``bus/2``, ``main``; ``ch/3/fader`` traces ch/3)
    passes, in order, with its state, its control and the level after it; for a bus or the main, the
    sources feeding it and how much each contributes, and every channel ``missing`` from it: why, in plain
    words, and the fix, marked with whether the caller may make it (a mix link: its own mix's sends).
    Problems found on the path mark their stage. A channel an audio link brings in says so at its input (``link``:
    the link's name, its stream's state, latency, buffer and dropouts)."""
    links = diagnostics.links.status() if getattr(diagnostics, "links", None) is not None else None
    return trace(take(control), address, diagnostics.problems()["problems"], may_change=partial(may_write, principal),
                 links=links)


@router.get("/diagnostics", response_model=DiagnosticsOut, summary="Signal-flow problems found now")
def read_diagnostics(diagnostics: DiagnosticsDep) -> dict:
    """The lasting problems (each with code, address, explanation and fix), errors first, and the table
    of codes. The same list is pushed over the WebSocket (``diagnostics``) and MQTT (``{base}/diagnostics``)."""
    return {**diagnostics.problems(), "codes": {c: {"severity": s, "meaning": m} for c, (s, m) in CODES.items()}}


@router.post("/gain-staging", response_model=GainStagingOut, responses=responses(400, 409, 422),
             summary="Listen, then propose (or apply) the trims that put peaks at the target")
@expects_body('{"channels": [<channel>, ...], "listen_s": <1-60>, "target_db": <-30 to -6>, "apply": <true|false>} '
              "(all optional)")
def gain_staging(diagnostics: DiagnosticsDep, body: GainStagingIn | None = None):
    """Listen to ``channels`` (all by default) for ``listen_s`` seconds; propose the trim that puts each
    one's peaks at ``target_db``, within the trim's range, and say which channels it cannot fix (no
    signal, clipped before the trim, beyond the range). With ``apply`` the changes are made as one undo
    step; otherwise ``PATCH /params`` with ``{"changes": <its changes>}`` applies them. No body (or ``{}``)
    listens to every channel for 10 s and proposes. One run at a time: 409 ``busy`` while the assistant
    listens (for any front end)."""
    body = body or GainStagingIn()
    request = gainstaging.Request(tuple(body.channels) if body.channels is not None else None, body.listen_s,
                                  body.target_db)
    return diagnostics.assistant.run(request, body.apply, origin="rest")
