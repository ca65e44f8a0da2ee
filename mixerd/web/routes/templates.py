"""/templates: session layouts (names, colours, routing, groups) to start from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from mixerd.control.templates import Templates
from mixerd.web.deps import ControlDep
from mixerd.web.errors import responses
from mixerd.web.schemas import BatchOut, ParamValue, name_schema

router = APIRouter(prefix="/templates", tags=["templates"])


def get_templates(control: ControlDep) -> Templates:
    return Templates(control)


TemplatesDep = Annotated[Templates, Depends(get_templates)]


class TemplateName(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Sunday band"}]})
    name: str = Field(json_schema_extra=name_schema(64, "/"),
                      description="1–64 characters under the text rule for names (no control, bidirectional or "
                                  "invisible format characters), without '/'")


class TemplateSummary(BaseModel):
    name: str
    saved: float = Field(description="when it was saved (Unix time)")
    addresses: int = Field(description="how many layout addresses it keeps")


class TemplateOut(BaseModel):
    name: str
    saved: float
    values: dict[str, ParamValue]


class TemplateList(BaseModel):
    templates: list[TemplateSummary]


@router.get("", response_model=TemplateList, summary="Saved templates")
def list_templates(templates: TemplatesDep) -> dict:
    return {"templates": templates.list()}


@router.post("", response_model=TemplateSummary, responses=responses(400, 422),
             summary="Save the current layout as a template")
def save_template(body: TemplateName, templates: TemplatesDep) -> dict:
    """Keeps names, colours, main assigns, send switches (on, pre-fader, "me"), insert order, group
    memberships, FX types and generator targets; a template of the same name is replaced."""
    return templates.save(body.name)


@router.get("/{name}", response_model=TemplateOut, responses=responses(404), summary="One template")
def read_template(name: str, templates: TemplatesDep) -> dict:
    return templates.get(name)


@router.delete("/{name}", status_code=204, responses=responses(404), summary="Delete a template")
def delete_template(name: str, templates: TemplatesDep) -> None:
    templates.delete(name)


@router.post("/{name}/apply", response_model=BatchOut, responses=responses(404),
             summary="Start from a template")
def apply_template(name: str, templates: TemplatesDep, control: ControlDep) -> dict:
    """The template's layout, everything else back to its default; one undoable change."""
    events = templates.apply(name)
    return {"seq": events[-1].seq if events else control.seq, "events": [e.to_dict() for e in events]}
