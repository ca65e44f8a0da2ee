"""AudioLink: what control needs from the audio engine. The engine implements it; control never imports it."""

from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

from mixerd.model.meters import MeterFrame


@runtime_checkable
class AudioLink(Protocol):
    """The engine as control sees it. Calls come from control threads, never from the audio callback."""

    def apply(self, state: Mapping[str, Any], changed: Sequence[str], fade_ms: float | None = None) -> None:
        """Bring the audio in line with ``state`` (every current value) after ``changed`` addresses
        changed. Called under control's lock in apply order; must not block for long. ``state`` is a
        live read-only view of control's values: it always shows the current state, so the engine may
        keep it (e.g. to re-send everything after an audio restart) but must copy what it needs frozen.
        ``fade_ms`` stretches the ramps of these changes (a scene recall's crossfade); None keeps the
        normal short click-free ramp."""
        ...

    def meter_frame(self) -> MeterFrame:
        """This tick's meter readings, one immutable frame shared by every reader (``mixerd.model.meters``)."""
        ...

    def meters(self) -> dict:
        """JSON-ready meter snapshot ``{"seq", "rate", "points": {point: {"peak", "hold", "rms", "clips"}}}``."""
        ...

    def health(self) -> dict:
        """JSON-ready ``{"status": "ok"|"degraded"|"down", "engine": {...}, "jack": {...}}``."""
        ...

    def ports(self) -> dict:
        """JSON-ready audio ports by what they carry: ``{"ch/N" | "main" | "bus/B" | "solo": [{"port",
        "connections": [...]}]}``; empty when the audio is not connected."""
        ...

    def system(self) -> dict:
        """JSON-ready facts about the running system: layout, ports, sample rate."""
        ...
