"""The demo mixer's starting mix: tones on every channel and a plausible monitor mix on every bus.

Used by ``mixerd demo`` (``make run``) so a newcomer sees meters move and mixes that make sense
without any hardware. Every value goes through the same validation as a user's change.
"""

from __future__ import annotations

from typing import Any

from mixerd.model.layout import Layout

# A chord spread over the channels, so each meter and each mix has its own tone.
_FREQS = (55.0, 196.0, 82.4, 329.6, 440.0, 554.4, 659.3, 880.0)
_LEVELS = (-14.0, -16.0, -18.0, -20.0, -22.0, -18.0, -16.0, -20.0)
_MODS = (2.0, 1.0, 0.5, 0.0, 0.25, 0.25, 1.5, 0.75)


def demo_changes(layout: Layout) -> dict[str, Any]:
    """Address → value changes that turn the default state into the demo mix for ``layout``."""
    changes: dict[str, Any] = {}
    n_in = layout.n_inputs
    for k in range(1, min(layout.generators, n_in) + 1):
        i = (k - 1) % len(_FREQS)
        changes.update({
            f"gen/{k}/on": True,
            f"gen/{k}/target": f"ch/{k}",
            f"gen/{k}/freq": _FREQS[i],
            f"gen/{k}/level": _LEVELS[i],
            f"gen/{k}/mod": _MODS[i],
        })
    for n in range(1, n_in + 1):
        changes[f"ch/{n}/pan"] = round(-60.0 + 120.0 * (n - 1) / max(1, n_in - 1))
    changes["main/fader"] = -6.0
    # Each mix: its "own" channel loud, a bed of the others lower, alternating pre/post like a
    # real rig (wedges usually pre-fader, in-ears sometimes post).
    aux = [b for b, bus in enumerate(layout.buses, start=1) if bus.is_aux]
    for i, b in enumerate(aux):
        own = i % n_in + 1
        for n in range(1, n_in + 1):
            changes[f"ch/{n}/send/{b}/level"] = 0.0 if n == own else -12.0 - 2.0 * ((n + b) % 4)
            changes[f"ch/{n}/send/{b}/pre"] = b % 2 == 1
    # The last channels (vocals in the demo) go to the FX: reverb in the main and in the first mix.
    fx = [b for b, bus in enumerate(layout.buses, start=1) if bus.is_fx]
    for i, b in enumerate(fx):
        changes[f"ch/{max(1, n_in - i)}/send/{b}/level"] = -10.0
        if aux:
            changes[f"bus/{b}/return/{aux[0]}/level"] = -12.0
    # Some processing to see and hear: a high-pass and a compressor on the vocals.
    for n in range(max(1, n_in - 1), n_in + 1):
        changes.update({f"ch/{n}/hpf/on": True, f"ch/{n}/hpf/freq": 100.0, f"ch/{n}/dyn/on": True,
                        f"ch/{n}/dyn/threshold": -24.0})
    return changes
