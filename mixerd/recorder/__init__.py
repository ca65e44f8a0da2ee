"""Multitrack recording: every source of the mixer to a Broadcast WAV (RF64 past 4 GiB) file of its own, takes
with their moves and markers, started and stopped from any front end."""

from mixerd.recorder.player import Player, PlayerError
from mixerd.recorder.service import Recorder, RecorderError
from mixerd.recorder.takes import Source, TakeError, Takes
from mixerd.recorder.wavfile import BroadcastWav, repair

__all__ = ["BroadcastWav", "Player", "PlayerError", "Recorder", "RecorderError", "Source", "TakeError", "Takes",
           "repair"]
