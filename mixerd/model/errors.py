"""One error for every refusal: what was wrong, what is allowed, and what kind of refusal it is.

Every part of the mixer that refuses something — a parameter, a scene, access, an MQTT payload, a busy
assistant — raises a ``MixerError`` (or a subclass naming its family). Each front end maps the error's
``kind`` to its own status once (REST: an HTTP status; WebSocket: the same, in the error message; MQTT: the
``{base}/error`` topic) and renders its ``hint`` in its own words, so no message tells an MQTT user to call
the REST API. The message written here is the one a user reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Mapping

#: The kinds of refusal. A front end maps each to its own status (REST: see ``mixerd.web.errors``).
KINDS: dict[str, str] = {
    "malformed": "the request or payload cannot be read at all (not JSON, wrong shape, too big to read)",
    "invalid": "the request is readable but a value in it is not allowed; nothing was changed",
    "not_found": "the address, scene, link or other named thing does not exist",
    "conflict": "the mixer's state does not allow it now (nothing to undo, a name taken, a run going on)",
    "too_large": "more changes in one request than the mixer has parameters",
    "unauthenticated": "no valid credentials",
    "forbidden": "the credentials do not allow it",
    "rate_limited": "too many attempts; try again later",
    "unavailable": "this mixer does not offer it",
}


@dataclass(frozen=True)
class Code:
    """An error code: its ``kind`` and what it means."""

    kind: str
    meaning: str


def _codes(kind: str, **meanings: str) -> dict[str, Code]:
    return {code: Code(kind, meaning) for code, meaning in meanings.items()}


#: Every error code the mixer uses, with its kind. (A code means one thing everywhere.)
CODES: dict[str, Code] = {
    **_codes("malformed",
             malformed_payload="an MQTT payload that cannot be read (not UTF-8, too long, JSON nested too deeply)"),
    **_codes("invalid",
             wrong_type="the value has the wrong JSON type (number, bool or string)",
             out_of_range="a number lies outside its range",
             invalid_value="the value has the right type but is not allowed (format, length, choice, NaN)",
             invalid_name="a scene name must be 1 to 64 characters under the text rule for names (no control, "
                          "bidirectional or invisible format characters)",
             invalid_pattern="an address pattern is malformed",
             no_match="an address pattern matches no address of this mixer",
             invalid_scope="a recall scope must list at least one pattern (omit it to recall everything)",
             invalid_scene="a scene document is not a mixerd scene this mixer can use",
             weak_password="the admin password is too short"),
    **_codes("not_found",
             unknown_address="no parameter has this address",
             not_found="no scene, version, template, link, mix or other named thing of that name or number",
             unknown_action="no action has this name",
             unknown_step="no undo step of this number is in the history (the oldest are forgotten)"),
    **_codes("conflict",
             nothing_to_undo="the undo history has no step of yours (or the one named) left to undo",
             nothing_to_redo="no undone step of yours (or the one named) to redo (a new change of yours forgets "
                             "your undone steps)",
             name_taken="another scene already has this name",
             confirm_required="the operation cannot be undone and must be confirmed",
             ab_active="a comparison is already running",
             ab_not_active="no comparison is running",
             busy="the gain-staging assistant is already listening (one run at a time per mixer)",
             password_set="the admin password is already set",
             password_not_set="no admin password is set yet",
             auth_disabled="access control is off in the config",
             stale_change="a change that reached the mixer too late (its connection was down meanwhile): not applied",
             recording="a take is being recorded (one at a time): stop it first",
             not_recording="no take is being recorded (for a marker: nor played back)",
             playing="the take is being played back: stop it first",
             not_playing="no take is being played back",
             box_offline="the other mixer of the fleet is offline (its availability says so)"),
    **_codes("too_large",
             too_many_changes="a batch names more changes than the mixer has parameters (each address at most once)"),
    **_codes("unauthenticated",
             unauthenticated="no token, or one that is no longer valid",
             bad_password="wrong admin password"),
    **_codes("forbidden", forbidden="the token's role (or MQTT's configuration) does not allow this change"),
    **_codes("rate_limited", too_many_attempts="too many failed logins; wait and try again"),
    **_codes("unavailable", not_available="this mixer does not offer it (e.g. no scene store)",
             no_disk_space="the recorder's disk has no room above its reserve for a take",
             not_connected="this mixer is not on its MQTT broker now, so it cannot reach the other boxes",
             no_answer="the other mixer of the fleet did not answer in time"),
}

#: What a ``hint`` names: a way to act that each front end says in its own words (REST: an endpoint; MQTT: a
#: topic), appended to the message. Front ends that have no such way say nothing.
HINTS: dict[str, str] = {
    "list_scenes": "where the saved scenes are listed",
    "list_versions": "where the kept versions are listed",
    "save_scene": "how to save a scene",
    "list_params": "where every address and its range is listed",
    "export_scene": "how a scene document is written",
    "start_ab": "how to start an A/B comparison",
    "log_in": "how to log in",
    "set_password": "how to set the admin password",
}


class MixerError(ValueError):
    """A refusal; nothing was changed. ``code`` (see CODES), a teaching ``message``, the ``address`` it is
    about, a short ``allowed`` hint, ``errors`` (the single problems when several were wrong at once),
    ``hint`` (a key of HINTS a front end adds in its words) and ``details`` (extras a front end may use,
    such as ``retry_after`` seconds)."""

    #: the codes this family of errors may use (None: any code of CODES)
    family: ClassVar[frozenset[str] | None] = None

    def __init__(self, code: str, message: str, address: str | None = None, allowed: str | None = None, *,
                 errors: Iterable["MixerError"] | None = None, hint: str | None = None,
                 details: Mapping[str, Any] | None = None):
        if code not in CODES:
            raise ValueError(f"unknown error code {code!r}; known: {', '.join(CODES)}")
        if self.family is not None and code not in self.family:
            raise ValueError(f"{type(self).__name__} does not use code {code!r}; it uses {', '.join(sorted(self.family))}")
        if hint is not None and hint not in HINTS:
            raise ValueError(f"unknown hint {hint!r}; known: {', '.join(HINTS)}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.address = address
        self.allowed = allowed
        self.errors = list(errors) if errors else None
        self.hint = hint
        self.details = dict(details or {})

    @property
    def kind(self) -> str:
        """What kind of refusal this is (a key of KINDS)."""
        return CODES[self.code].kind

    def message_with(self, hints: Mapping[str, str]) -> str:
        """The message, with the front end's words for ``hint`` (from ``hints``) when it has some."""
        said = hints.get(self.hint) if self.hint else None
        return f"{self.message}; {said}" if said else self.message

    def to_dict(self, hints: Mapping[str, str] | None = None) -> dict[str, Any]:
        """JSON-ready ``{"code", "message", "address", "allowed"}`` (+ ``errors`` when several), the message
        completed with ``hints`` (a front end's words for HINTS)."""
        hints = hints or {}
        out: dict[str, Any] = {"code": self.code, "message": self.message_with(hints), "address": self.address,
                               "allowed": self.allowed}
        if self.errors:
            out["errors"] = [e.to_dict(hints) for e in self.errors]
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, address={self.address!r})"


class ParamError(MixerError):
    """A rejected address or value (the parameter tree's and the control core's validation)."""

    family = frozenset({"unknown_address", "wrong_type", "out_of_range", "invalid_value", "not_found",
                        "too_many_changes", "nothing_to_undo", "nothing_to_redo", "unknown_step"})


class BatchError(ParamError):
    """A batch of changes was rejected as a whole; ``errors`` names every bad address.

    Its code, address and allowed hint are those of the first error, so a caller that only reads those
    still reports something precise; its kind is always ``invalid`` (the request is fine, its values not).
    """

    #: How many errors the message quotes; ``errors`` has every one.
    QUOTED = 10

    def __init__(self, errors: list[ParamError], total: int):
        if not errors:
            raise ValueError("BatchError needs at least one error")
        first = errors[0]
        detail = "; ".join(e.message for e in errors[: self.QUOTED])
        if len(errors) > self.QUOTED:
            detail += f"; and {len(errors) - self.QUOTED} more (each is in the list of errors)"
        message = f"{len(errors)} of {total} changes rejected, nothing was applied: {detail}"
        super().__init__(first.code, message, first.address, first.allowed, errors=errors)

    @property
    def kind(self) -> str:
        return "invalid"
