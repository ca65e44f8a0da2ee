"""Fixtures for the web front end: a Control with a scriptable meter/health link, a TestClient and a
real uvicorn server on a free 127.0.0.1 port."""

from __future__ import annotations

import socket
import threading
import time
import warnings
from contextlib import contextmanager
from typing import Any, Iterator, Mapping, Sequence

import pytest
import uvicorn

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 in its TestClient; httpx still works and is what we ship with.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from mixerd.control import Control
from mixerd.model import BusLayout, Layout, ParamTree
from mixerd.web import create_app


class ScriptedLink:
    """An AudioLink whose meters and health the test sets; records apply() calls.

    Meter points follow the engine's snapshot format: ``ch/{n}/input``, ``ch/{n}/post``, ``bus/{b}``
    (one element per bus channel) and ``main`` (L, R), values in dBFS with a -120 floor.
    """

    def __init__(self, layout: Layout):
        self.layout = layout
        self.applied: list[tuple[str, ...]] = []
        self.levels: dict[str, float] = {}
        self.running = True
        self._seq = 0
        self._lock = threading.Lock()

    def set_level(self, point: str, db: float) -> None:
        with self._lock:
            self.levels[point] = db

    def apply(self, state: Mapping[str, Any], changed: Sequence[str]) -> None:
        self.applied.append(tuple(changed))

    def meters(self) -> dict:
        with self._lock:
            self._seq += 1
            levels = dict(self.levels)

        def point(name: str, width: int) -> dict:
            db = levels.get(name, -120.0)
            return {"peak": [db] * width, "hold": [db] * width, "rms": [max(db - 3, -120.0)] * width,
                    "clips": [0] * width}

        points = {}
        for n in range(1, self.layout.n_inputs + 1):
            points[f"ch/{n}/input"] = point(f"ch/{n}/input", 1)
            points[f"ch/{n}/post"] = point(f"ch/{n}/post", 1)
        for b, bus in enumerate(self.layout.buses, start=1):
            points[f"bus/{b}"] = point(f"bus/{b}", bus.width)
        points["main"] = point("main", 2)
        return {"seq": self._seq, "rate": 50, "points": points}

    def health(self) -> dict:
        return {
            "status": "ok" if self.running else "down",
            "engine": {"running": self.running, "cycles": 1000 * self._seq, "cycles_advancing": self.running,
                       "xruns": 2, "sample_rate": 48000, "period": 64, "dsp_load": 4.25},
            "jack": {"server": "dummy"},
        }

    def system(self) -> dict:
        return {"sample_rate": 48000, "period": 64, "ports": {"capture": ["system:capture_1"]}}


@pytest.fixture
def layout() -> Layout:
    return Layout(inputs=("Vocal", "Guitar", "Keys"),
                  buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True)), generators=2)


@pytest.fixture
def link(layout) -> ScriptedLink:
    return ScriptedLink(layout)


@pytest.fixture
def control(layout, link) -> Control:
    return Control(ParamTree.from_layout(layout), link)


@pytest.fixture
def app(control):
    return create_app(control)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def live_server(app, serve_app) -> Iterator[str]:
    with serve_app(app) as url:
        yield url
