"""/params: what each address accepts, its value, and the ways to change values."""

from __future__ import annotations

from fastapi import APIRouter

from mixerd.control.access import actor_of, authorize
from mixerd.web.deps import AuthDep, ControlDep, PrincipalDep, param_write
from mixerd.web.errors import responses
from mixerd.web.schemas import BatchOut, ChangeSet, EventOut, ParamOut, ParamsOut, SetValue

router = APIRouter(prefix="/params", tags=["params"])


@router.get("", response_model=ParamsOut, response_model_exclude_none=True, summary="Every parameter's spec")
def list_params(control: ControlDep) -> dict:
    """Type, range, unit, default and meaning of every address of this mixer."""
    return {"params": control.tree.describe()}


@router.patch("", response_model=BatchOut, responses=responses(400, 413, 422),
              summary="Change several values at once")
@param_write
def change_params(body: ChangeSet, control: ControlDep, auth: AuthDep, principal: PrincipalDep) -> dict:
    """Apply all changes or none; a rejected batch names every bad address in ``error.errors`` (the first few
    unknown ones with a "did you mean"). A batch holds at most one change per parameter of this mixer."""
    authorize(auth, principal, body.changes)
    events = control.set_many(body.changes, origin="rest", actor=actor_of(principal))
    return {"seq": events[-1].seq if events else control.seq, "events": [e.to_dict() for e in events]}


@router.get("/{address:path}", response_model=ParamOut, response_model_exclude_none=True,
            responses=responses(404), summary="One parameter's value and spec")
def read_param(address: str, control: ControlDep) -> dict:
    """Current value and spec of ``address`` (e.g. ``ch/1/fader``)."""
    spec = control.tree.spec(address)
    return {"address": address, "value": control.get(address), "spec": spec.to_dict()}


@router.put("/{address:path}", response_model=EventOut, responses=responses(400, 404, 422),
            summary="Set one parameter")
@param_write
def write_param(address: str, body: SetValue, control: ControlDep, auth: AuthDep, principal: PrincipalDep) -> dict:
    """Set ``address`` to ``value``; the answer is the applied (coerced) value and its seq."""
    authorize(auth, principal, [address])
    return control.set(address, body.value, origin="rest", actor=actor_of(principal)).to_dict()
