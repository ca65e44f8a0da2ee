"""Dependencies for route handlers, as Annotated aliases so signatures read as types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mixerd.control import Control


def get_control(request: Request) -> Control:
    """The Control this app was created with (``create_app`` puts it on ``app.state``)."""
    return request.app.state.control


ControlDep = Annotated[Control, Depends(get_control)]
