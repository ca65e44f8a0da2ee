"""The single mutation path: every change is validated, applied, sent to the engine and emitted here, with
typed notices (undo, history, scenes, problems, health) on the same stream."""

from mixerd.control.core import Control
from mixerd.control.events import NOTICE_KINDS, ORIGINS, Event, EventHub, Lagged, Notice, Subscription
from mixerd.control.history import HistoryEntry, StartingState, StepEvents, UndoError, starting_state
from mixerd.control.link import AudioLink

__all__ = ["NOTICE_KINDS", "ORIGINS", "AudioLink", "Control", "Event", "EventHub", "HistoryEntry", "Lagged", "Notice",
           "StartingState", "StepEvents", "Subscription", "UndoError", "starting_state"]
