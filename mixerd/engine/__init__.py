"""Python side of the realtime core: layout → core, addressed values → core commands, meters back."""

from mixerd.engine.engine import AudioDriver, Engine

__all__ = ["AudioDriver", "Engine"]
