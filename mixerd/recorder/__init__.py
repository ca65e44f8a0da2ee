"""Multitrack recording: every source of the mixer to a Broadcast WAV (RF64 past 4 GiB) file of its own."""

from mixerd.recorder.wavfile import BroadcastWav, repair

__all__ = ["BroadcastWav", "repair"]
