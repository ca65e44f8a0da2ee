"""The single mutation path: every change is validated, applied, sent to the engine and emitted here."""

from mixerd.control.core import Control
from mixerd.control.events import ORIGINS, Event, EventHub, Lagged, Subscription
from mixerd.control.history import HistoryEntry, StartingState, StepEvents, UndoError, starting_state
from mixerd.control.link import AudioLink

__all__ = ["ORIGINS", "AudioLink", "Control", "Event", "EventHub", "HistoryEntry", "Lagged", "StartingState", "StepEvents",
           "Subscription", "UndoError", "starting_state"]
