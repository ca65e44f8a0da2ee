"""Topic names and payloads of the MQTT front end (no networking here).

State ``{base}/{address}`` (retained, the JSON value), commands ``{base}/{address}/set``, actions
``{base}/action/{name}``, errors ``{base}/error``, meters ``{base}/meters``, availability
``{base}/availability``; who this mixerd is ``{base}/info`` (for the fleet), the current scene ``{base}/scene``
and the sparse loudness for Home Assistant ``{base}/loudness`` (all retained). A command's payload may be JSON (``-6``, ``true``, ``"afl"``) or plain text as
automation tools send it (``ON``, ``off``, ``afl``); its meaning comes from the address's type.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from typing import Any

from mixerd.model.errors import MixerError
from mixerd.model.spec import ParamSpec, show_value

SET = "set"
#: The actions under {base}/action/: what each one's payload is.
ACTIONS = {
    "undo": "anything (ignored)",
    "redo": "anything (ignored)",
    "scene_recall": "a scene id (e.g. 3) or name (e.g. \"Verse\")",
    "scene_save": "the new scene's name",
    "generators": "ON or OFF: every signal generator on or off (sound check)",
    "gain_staging": "empty, or JSON {\"channels\": [1, 2], \"listen_s\": 10, \"target_db\": -18, \"apply\": true}: "
                    "listen, propose (and apply) trims; the result goes to {base}/gain_staging",
    "record": "empty (every channel and the main), or JSON {\"sources\": [\"ch/1\", \"bus/2\", \"main\"], "
              "\"name\": \"Rehearsal\", \"tap\": \"trim\" or \"raw\"}: start a take; {base}/recorder follows",
    "record_stop": "anything (ignored): stop the take",
    "marker": "the marker's name (e.g. verse 2), at this moment of the take recorded, or else of the take played back",
    "play": "a take's id, or JSON {\"take\": \"20261203-201500\", \"start\": 62.5, \"loop\": [62.5, 80], "
            "\"channels\": [\"ch/1\", \"ch/2\"]}: play it back into its channels (or those listed; virtual "
            "soundcheck); {base}/player follows",
    "play_stop": "anything (ignored): stop playing back, the channels hear the band again",
    "scene_import": "a scene document as GET /api/v1/scenes/{id}/export writes it (up to 1 MiB), with "
                    "\"replace\": true to replace a scene of that name; another box's copy (several boxes)",
    "channel_import": "JSON {\"channel\": 5, \"mixerd_channel\": 1, \"values\": {\"fader\": -6, \"eq/1/gain\": 3}}: "
                      "a channel's settings from another box onto channel 5, one undo step",
}
#: Actions whose payload is a document (a scene, a channel's settings): read up to MAX_DOCUMENT bytes, answered
#: on {base}/answer when they carry a "request" (another box copying to this one waits for it).
DOCUMENT_ACTIONS = ("scene_import", "channel_import")
_TRUE = ("on", "true", "1", "yes")
_FALSE = ("off", "false", "0", "no")
MAX_PAYLOAD = 1024
MAX_DOCUMENT = 1 << 20


class PayloadError(MixerError):
    """A refused MQTT message: a payload that cannot mean a value of its address's type, an unknown or
    forbidden action."""


@dataclass(frozen=True)
class Topics:
    """The topics under one base topic."""

    base: str

    @property
    def availability(self) -> str:
        return f"{self.base}/availability"

    @property
    def error(self) -> str:
        return f"{self.base}/error"

    @property
    def meters(self) -> str:
        return f"{self.base}/meters"

    @property
    def scene(self) -> str:
        return f"{self.base}/scene"

    @property
    def loudness(self) -> str:
        return f"{self.base}/loudness"

    @property
    def health(self) -> str:
        return f"{self.base}/health"

    @property
    def info(self) -> str:
        """Who this mixerd is (retained JSON: node_id, name, version, web_url, channels, mixes; ``fleet``)."""
        return f"{self.base}/info"

    @property
    def answer(self) -> str:
        """Not retained: the answer to a document action that carried a ``request`` id (``{"request", "action",
        "ok", …}``), for the box that asked."""
        return f"{self.base}/answer"

    @property
    def recorder(self) -> str:
        return f"{self.base}/recorder"

    @property
    def player(self) -> str:
        return f"{self.base}/player"

    @property
    def diagnostics(self) -> str:
        return f"{self.base}/diagnostics"

    @property
    def gain_staging(self) -> str:
        return f"{self.base}/gain_staging"

    def state(self, address: str) -> str:
        return f"{self.base}/{address}"

    def command(self, address: str) -> str:
        return f"{self.base}/{address}/{SET}"

    def action(self, name: str) -> str:
        return f"{self.base}/action/{name}"

    @property
    def hints(self) -> dict[str, str]:
        """MQTT's words for the ways to act an error may point to (see ``mixerd.model.errors.HINTS``)."""
        return {
            "save_scene": f"publish a name to {self.action('scene_save')} to save one",
            "list_scenes": f"Home Assistant's scene select (from {self.scene}) lists them",
            "list_params": f"the retained topics under {self.base}/ are the addresses, with their values",
        }

    def subscriptions(self, max_depth: int) -> list[str]:
        """Filters for every ``…/set`` of an address up to ``max_depth`` segments, and the actions.
        (``+`` per segment, not ``#``: a ``#`` would also bring back every retained state topic.)"""
        return [f"{self.base}/{'/'.join(['+'] * depth)}/{SET}" for depth in range(1, max_depth + 1)] + [
            f"{self.base}/action/+"]

    def parse(self, topic: str) -> tuple[str, str] | None:
        """``("set", address)`` or ``("action", name)`` for one of our command topics, else None."""
        prefix = self.base + "/"
        if not topic.startswith(prefix):
            return None
        rest = topic[len(prefix):]
        if rest.startswith("action/") and rest.count("/") == 1:
            return "action", rest.split("/", 1)[1]
        if rest.endswith("/" + SET) and len(rest) > len(SET) + 1:
            return "set", rest[: -len(SET) - 1]
        return None


def state_payload(value: Any) -> str:
    """A value as the state topics carry it: JSON (``-6.0``, ``true``, ``"Kick"``)."""
    return json.dumps(value, ensure_ascii=False)


def decode(raw: bytes, limit: int = MAX_PAYLOAD) -> str:
    """The payload as text; PayloadError when it is not UTF-8 or longer than ``limit`` bytes."""
    if len(raw) > limit:
        raise PayloadError("malformed_payload", f"the payload is {len(raw)} bytes; at most {limit} are read")
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise PayloadError("malformed_payload", "the payload is not UTF-8 text") from None


#: What read_json returns for text that is not JSON (plain text such as ON or Lead vox).
NOT_JSON = object()


def read_json(text: str) -> Any:
    """``text`` read as JSON, or ``NOT_JSON``. PayloadError for JSON that no value here can be: nested too
    deeply to read, or holding a lone UTF-16 surrogate (``"\\ud800"``: no UTF-8 text, so it could be neither
    stored nor published)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise PayloadError("malformed_payload", "the payload's JSON is nested too deeply") from None
    except ValueError:
        return NOT_JSON
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise PayloadError("malformed_payload", "the payload's JSON has a lone UTF-16 surrogate (\\ud800-\\udfff), "
                           "which is no text") from None
    return value


def read_document(raw: bytes) -> dict[str, Any]:
    """A document action's payload: a JSON object of at most MAX_DOCUMENT bytes; PayloadError otherwise."""
    value = read_json(decode(raw, MAX_DOCUMENT))
    if not isinstance(value, dict):
        raise PayloadError("malformed_payload", "the payload must be a JSON object (a scene or channel document)")
    return value


def parse_payload(raw: bytes, spec: ParamSpec) -> Any:
    """The value a command payload means for ``spec``: JSON first, then the plain spellings automation
    tools use. The control core still checks the value (range, choices); this only reads it."""
    text = decode(raw)
    value = read_json(text) if text else None
    if value is NOT_JSON:
        value = text  # plain text: "ON", "afl", "Lead vox"
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower() if isinstance(value, (str, int, float)) else None
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise PayloadError("wrong_type", f"{spec.address}: {show_value(text)} is not on or off",
                           spec.address, "true/false, ON/OFF, 1/0")
    if spec.kind == "number":
        if isinstance(value, str):  # "-6" sent as a JSON string, or "-6 dB"
            word = value.strip().removesuffix(spec.unit).strip() if spec.unit else value.strip()
            try:
                value = float(word)
            except ValueError:
                raise PayloadError("wrong_type", f"{spec.address}: {show_value(text)} is not a number",
                                   spec.address, spec.allowed) from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)):
            raise PayloadError("wrong_type", f"{spec.address}: {show_value(text)} is not a number", spec.address, spec.allowed)
        if isinstance(value, int) and abs(value) > sys.float_info.max:  # JSON integers have no size limit
            raise PayloadError("out_of_range", f"{spec.address}: {show_value(text)} is out of range", spec.address, spec.allowed)
        return value
    if isinstance(value, (dict, list)) or value is None:
        raise PayloadError("wrong_type", f"{spec.address}: {show_value(text)} is not text", spec.address, spec.allowed)
    return value if isinstance(value, str) else text
