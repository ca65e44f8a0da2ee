"""GET /fleet: every mixerd announced on this box's MQTT broker, this one marked (issue 22)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from mixerd.web.schemas import FleetOut

router = APIRouter(prefix="/fleet", tags=["fleet"])


@router.get("", response_model=FleetOut, summary="Every mixerd on the MQTT broker")
def read_fleet(request: Request) -> dict:
    """Every mixerd that announced itself on this box's MQTT broker (``{base}/info``): its name, version, web app,
    whether it is online, its health and when it was last heard; ``this`` marks this box. With MQTT off the list is
    empty and ``mqtt`` says ``off``."""
    fleet = request.app.state.fleet
    if fleet is None:
        return {"mqtt": "off", "connected": False, "nodes": []}
    return fleet.status()
