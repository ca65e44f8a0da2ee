"""Dependencies for route handlers, as Annotated aliases so signatures read as types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mixerd.control import Control
from mixerd.control.scenes import SceneService


def get_control(request: Request) -> Control:
    """The Control this app was created with (``create_app`` puts it on ``app.state``)."""
    return request.app.state.control


ControlDep = Annotated[Control, Depends(get_control)]


def get_scenes(request: Request) -> SceneService:
    """The SceneService of this app (``create_app`` puts it on ``app.state``)."""
    return request.app.state.scenes


ScenesDep = Annotated[SceneService, Depends(get_scenes)]
