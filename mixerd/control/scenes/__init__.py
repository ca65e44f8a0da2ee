"""Snapshots: named scenes, recall with scope and safes, the scene the mix is at, automatic versions and A/B
comparison."""

from mixerd.control.scenes.current import CurrentScene
from mixerd.control.scenes.errors import SceneError
from mixerd.control.scenes.patterns import compile_patterns
from mixerd.control.scenes.service import (FADE_MAX_MS, NAME_MAX, SCENE_FORMAT, RecallResult, SceneService,
                                           Source, memory_store)
from mixerd.control.scenes.versions import VersionKeeper

__all__ = ["FADE_MAX_MS", "NAME_MAX", "SCENE_FORMAT", "CurrentScene", "RecallResult", "SceneError", "SceneService",
           "Source", "VersionKeeper", "compile_patterns", "memory_store"]
