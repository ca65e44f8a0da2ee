"""Request and response bodies of the REST API (they are what OpenAPI publishes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: A parameter value as stored: numbers are floats, switches bools, names and colours strings.
ParamValue = bool | float | str

# Bodies take any JSON value so that a wrong type reaches the model and gets its teaching error
# (422 wrong_type) instead of a generic parse error; the schema still documents what is valid.
_VALUE_SCHEMA: dict[str, Any] = {"anyOf": [{"type": "number"}, {"type": "boolean"}, {"type": "string"}]}


class SetValue(BaseModel):
    """Body of ``PUT /params/{address}``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"value": -6}]})
    value: Any = Field(json_schema_extra=_VALUE_SCHEMA, description="new value: number, bool or string")


class ChangeSet(BaseModel):
    """Body of ``PATCH /params``: changes applied all together or not at all."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"changes": {"ch/1/fader": -6, "ch/1/mute": False}}]}
    )
    changes: dict[str, Any] = Field(
        json_schema_extra={"additionalProperties": _VALUE_SCHEMA}, description="address → new value"
    )


class EventOut(BaseModel):
    """One applied change."""

    seq: int
    address: str
    value: ParamValue
    origin: str = Field(description="which front end: rest, ws, mqtt, scene, undo, system")
    actor: str | None = Field(description="who (see HistoryEntryOut.actor); for an undo's changes, who undid")


class BatchOut(BaseModel):
    """Result of ``PATCH /params``: ``seq`` after the batch and one event per change."""

    seq: int
    events: list[EventOut]


class StateOut(BaseModel):
    """Every current value and the seq of the last change they include."""

    seq: int
    values: dict[str, ParamValue]


class SpecOut(BaseModel):
    """What one address accepts."""

    address: str
    kind: Literal["number", "bool", "string"]
    unit: str
    default: ParamValue
    description: str
    allowed: str = Field(description="short human description of the allowed values")
    min: float | None = None
    max: float | None = None
    note: str | None = Field(None, description="what special values mean, e.g. '-90 = closed'")
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = Field(None, description="regex a string must fully match")
    choices: list[str | float] | None = Field(
        None, description="the only values accepted: strings (e.g. EQ band types) or numbers (e.g. HPF slope 12 or 24)"
    )
    template: str | None = Field(None, description="table row the address comes from, e.g. 'ch/{n}/fader'")
    scene: bool = Field(True, description="stored in scenes and recalled by them (false for solo)")


class ParamsOut(BaseModel):
    """Every parameter of this mixer, in display order."""

    params: list[SpecOut]


class ParamOut(BaseModel):
    """One parameter: current value and spec."""

    address: str
    value: ParamValue
    spec: SpecOut


class MeterPoint(BaseModel):
    """Levels at one metering point in dBFS (floor -120), one element per audio channel."""

    model_config = ConfigDict(extra="allow")
    peak: list[float]
    hold: list[float]
    rms: list[float]
    clips: list[int]


class MetersOut(BaseModel):
    """Meter snapshot: points like ``ch/1/input``, ``ch/1/post``, ``bus/1``, ``main``."""

    model_config = ConfigDict(extra="allow")
    seq: int
    rate: float = Field(description="snapshots per second the engine produces")
    points: dict[str, MeterPoint]


class EngineHealth(BaseModel):
    model_config = ConfigDict(extra="allow")
    running: bool
    cycles: int
    cycles_advancing: bool
    xruns: int
    sample_rate: int
    period: int
    dsp_load: float = Field(description="JACK's DSP load: % of the period every client's callbacks used")
    core_load: float = Field(0.0, description="% of one core mixerd's own audio callback used over the last "
                                              "second (0 offline)")


class MdnsHealth(BaseModel):
    """This box on the local network (``[mdns]``)."""

    announced: str | None = Field(description="the mDNS instance it is announced as (None: no web app to announce)")
    running: bool = Field(description="announcing and looking (false: the network refused multicast; see error)")
    error: str | None


class HealthOut(BaseModel):
    """Engine and JACK health; ``GET /health`` answers 503 when the engine is not running."""

    model_config = ConfigDict(extra="allow")
    status: Literal["ok", "degraded", "down"]
    engine: EngineHealth
    jack: dict[str, Any]
    recorder: RecorderHealth | None = Field(None, description="left out when the mixer has no recorder")
    osc: OscHealth | None = Field(None, description="the X AIR OSC front end; left out when it does not run")
    links: list[LinkHealth] | None = Field(None, description="the audio links to other boxes ([[link]] in the "
                                                             "config); left out when there are none")
    mdns: MdnsHealth | None = Field(None, description="this box on the LAN by mDNS; left out when [mdns] is off")


class LinkHealth(BaseModel):
    """One audio link in ``/health``: where it goes and, per end, whether its process runs; the receiving end's
    stream (``state`` waiting/syncing/receiving, its latency, dropouts) and the channels it feeds."""

    model_config = ConfigDict(extra="allow")
    name: str
    engine: str
    peer: str | None = Field(description="the other box's address (None: this box only receives)")
    send: dict[str, Any] | None = Field(None, description="what this box sends: running, to, sources, channels")
    receive: dict[str, Any] | None = Field(None, description="what it receives: running, state, channels, "
                                                             "latency_ms, dropouts, dropouts_last_minute, resyncs")


class OscHealth(BaseModel):
    """The OSC front end in ``/health``: where X AIR apps reach it, who follows, and its counters (datagrams
    received, answered, changes made and refused, meter subscriptions, …)."""

    model_config = ConfigDict(extra="allow")
    listening: str = Field(description="host:port of its UDP socket")
    read_only: bool
    mixes: list[int] = Field(description="the only mixes apps may change (empty: every parameter)")
    followers: int = Field(description="apps following the changes (/xremote within the last 10 s)")
    subscriptions: int = Field(description="live meter and value subscriptions")


class RecorderHealth(BaseModel):
    """The recorder in ``/health``: a take that ended by itself (the disk full, failed) is a problem the mixing
    goes on through."""

    recording: bool
    problem: RecorderProblem | None = Field(description="what ended the last take early")


class BusOut(BaseModel):
    name: str
    stereo: bool
    kind: str
    width: int = Field(description="audio channels the bus puts out (1 or 2; an FX bus is stereo)")
    effect: str | None = Field(None, description="effect of an FX bus (reverb, delay); left out for other buses")


class LayoutOut(BaseModel):
    inputs: list[str]
    buses: list[BusOut]
    generators: int


class FleetHealth(BaseModel):
    """What a box says on ``{base}/health``."""

    status: Literal["ok", "degraded", "down"]
    running: bool
    xruns: int = Field(ge=0)


class FleetNode(BaseModel):
    """One mixerd on the broker, as its ``{base}/info`` announced it."""

    node_id: str
    name: str = Field(description="the box's name: its audio interface's")
    version: str | None = Field(description="its mixerd version")
    web_url: str | None = Field(description="where its web app is (None: it serves none)")
    channels: int | None
    mixes: int | None = Field(description="its monitor (aux) mixes")
    base_topic: str | None = Field(description="its MQTT base topic (None: found on the LAN only, with MQTT off)")
    online: bool | None = Field(description="its availability (None: not said yet)")
    health: FleetHealth | None = Field(description="None: not said yet")
    last_heard: float = Field(description="when it last said something, Unix time (seconds)")
    this: bool = Field(description="this box")
    broker: bool = Field(description="heard on this box's MQTT broker (a scene or channel can be copied to it)")
    lan: bool = Field(description="found on the local network by mDNS (_mixerd._tcp)")


class FleetOut(BaseModel):
    """Every mixerd announced on this box's MQTT broker, this box first."""

    mqtt: Literal["on", "off"] = Field(description="off: MQTT is off in this box's config (it knows the boxes on "
                                       "the LAN only)")
    mdns: Literal["on", "off"] = Field(description="on: this box looks for the others on the LAN by mDNS")
    connected: bool = Field(description="on the broker now (else the list is what was last heard)")
    nodes: list[FleetNode]


class SystemOut(BaseModel):
    """Layout, ports, sample rate and other facts from the engine."""

    model_config = ConfigDict(extra="allow")
    layout: LayoutOut


class ErrorInfo(BaseModel):
    code: str = Field(description="unknown_address, wrong_type, out_of_range, invalid_value, malformed_request, …")
    message: str = Field(description="what was wrong and how to fix it")
    address: str | None = Field(description="the address the error is about, if any")
    allowed: str | None = Field(description="short hint of what is allowed, if known")
    errors: list["ErrorInfo"] | None = Field(None, description="every rejected change of a batch")


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer of the API."""

    error: ErrorInfo


class KeptOut(BaseModel):
    """A value an undo or redo left alone because someone changed it after the step."""

    address: str
    value: ParamValue = Field(description="its value now (kept)")
    by: str | None = Field(description="the actor of the change since (null: an undo or redo)")


class StepOut(BaseModel):
    """Result of ``POST /undo`` and ``POST /redo``: the step undone or redone and the changes applied."""

    step: int = Field(description="the undo step that was undone or redone")
    seq: int = Field(description="seq after the operation")
    events: list[EventOut] = Field(description="one event per restored value (origin 'undo')")
    kept: list[KeptOut] = Field(description="the step's values someone changed since: left as they are")


class HistoryEntryOut(BaseModel):
    """One recorded change: who changed what, when, from which value to which."""

    seq: int
    when: datetime = Field(description="when the change was applied (UTC); a fader drag: its last move")
    origin: str = Field(description="which front end: rest, ws, mqtt, scene, system")
    actor: str = Field(description="who: admin:<session>, mix:<bus>:<link>, viewer:<link>, browser:<id> (access "
                       "control off), rest, mqtt; an actor's undo takes back only its own steps")
    address: str
    old: ParamValue = Field(description="value before the change (before the drag began)")
    new: ParamValue
    step: int = Field(description="undo step; the changes of one request or one fader drag share it")
    undone: bool = Field(description="the step is undone (redo would re-apply it)")


class HistoryOut(BaseModel):
    """The newest recorded changes, newest first, and what the caller's undo/redo would do now."""

    entries: list[HistoryEntryOut]
    can_undo: bool = Field(description="the caller has a step to undo")
    can_redo: bool = Field(description="the caller has an undone step to redo")
    undo_step: int | None = Field(description="the step the caller's undo would take back")
    undo_seq: int | None = Field(description="the seq of that step's newest change")
    redo_step: int | None = Field(description="the step the caller's redo would re-apply")
    next_before: int | None = Field(description="pass as ?before= for the next older page; null at the end")
    seq: int = Field(description="the history as of this seq: a WebSocket `history` message with a seq up to "
                     "this one is already in it")


# -- scenes, safes, versions, A/B ------------------------------------------------------------------------

_FADE_SCHEMA: dict[str, Any] = {"minimum": 0, "maximum": 60000}


def name_schema(max_length: int, forbidden: str = "") -> dict[str, Any]:
    """The schema of a name: 1–``max_length`` characters, no control characters (C0, DEL, C1) nor any of
    ``forbidden``, at least one that is not blank. The text rule for names (mixerd/model/text.py) refuses
    more (bidirectional and invisible format characters, lone surrogates): those are 422 answers."""
    allowed = f"[^{forbidden}\\x00-\\x1f\\x7f-\\x9f]"
    visible = f"[^{forbidden}\\s\\x00-\\x1f\\x7f-\\x9f]"
    return {"minLength": 1, "maxLength": max_length, "pattern": f"^{allowed}*{visible}{allowed}*$"}


_NAME_SCHEMA = name_schema(64)
#: An address pattern (mixerd/control/scenes/patterns.py): segments of an address, '*' or '**', joined by '/',
#: no blanks or control characters, at most 200 characters; it must also match some address of this mixer.
_SEGMENT = r"(?:\*\*?|[^/*\s\x00-\x1f]+)"
PATTERN_SCHEMA: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 200,
                                  "pattern": f"^{_SEGMENT}(?:/{_SEGMENT})*$", "examples": ["ch/*/send/3/*"]}
_SCOPE_SCHEMA: dict[str, Any] = {"minItems": 1, "maxItems": 256, "items": PATTERN_SCHEMA}


class SceneName(BaseModel):
    """Body of ``POST /scenes`` (save the current state) and ``PATCH /scenes/{id}`` (rename)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Verse"}]})
    name: str = Field(json_schema_extra=_NAME_SCHEMA,
                      description="1–64 characters, unique among the scenes (case-insensitive)")


class SceneInfo(BaseModel):
    """A scene without its values."""

    id: int
    name: str
    created: datetime = Field(description="when the scene was saved or imported (UTC)")
    updated: datetime = Field(description="when it was last renamed or updated with the mix (UTC)")
    size: int = Field(description="how many parameter values the scene holds")


class CurrentSceneOut(BaseModel):
    """The scene the mix is at: the one last recalled, saved or updated."""

    id: int
    name: str
    modified: bool = Field(description="a value the scene holds is different now (not counting safe values); "
                           "changed back, it is false again")


class ScenesOut(BaseModel):
    scenes: list[SceneInfo]
    current: CurrentSceneOut | None = Field(description="the scene the mix is at, or was at last; null before "
                                            "any, or once that scene is deleted")


class SceneOut(SceneInfo):
    """A scene with every value it holds."""

    values: dict[str, ParamValue]


class SceneDeletedOut(BaseModel):
    deleted: SceneInfo


class SceneDocument(BaseModel):
    """A scene as exported: give it to ``POST /scenes/import`` on this or another mixer."""

    mixerd_scene: Literal[1] = Field(description="format version")
    name: str
    values: dict[str, ParamValue]


class SceneImport(BaseModel):
    """Body of ``POST /scenes/import``: a scene document as ``GET /scenes/{id}/export`` writes it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"mixerd_scene": 1, "name": "Verse", "values": {"ch/1/fader": -6.0, "ch/1/mute": False}}]})
    mixerd_scene: int = Field(strict=True, json_schema_extra={"enum": [1]},
                              description="format version; this mixerd reads 1")
    name: str = Field(json_schema_extra=_NAME_SCHEMA, description="name of the new scene")
    values: dict[str, Any] = Field(json_schema_extra={"additionalProperties": _VALUE_SCHEMA, "minProperties": 1},
                                   description="address → value; values that do not fit this mixer are skipped "
                                   "(refused with ?strict=true), and at least one must fit")


class SkippedValue(BaseModel):
    """A value that does not fit this mixer (unknown address or invalid value)."""

    address: str
    code: str
    message: str


class SceneImportOut(BaseModel):
    scene: SceneInfo
    imported: int = Field(description="values stored in the new scene")
    skipped: list[SkippedValue] = Field(description="values left out because they do not fit this mixer")


class CopySceneIn(BaseModel):
    """Body of ``POST /fleet/{node_id}/scenes``: which scene of this box to copy to that one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scene": 3}, {"scene": 3, "replace": True}]})
    scene: int = Field(strict=True, ge=1, description="the id of the scene on this box")
    replace: bool = Field(False, strict=True, description="replace a scene of the same name on the other box (default: "
                          "refused there with name_taken)")


class SceneRef(BaseModel):
    id: int
    name: str


class CopySceneOut(BaseModel):
    """What the other box did with the scene: stored it as ``scene`` (recall it there when you choose)."""

    node: str = Field(description="the other box's node_id")
    scene: SceneRef = Field(description="the scene on the other box")
    imported: int = Field(description="values stored in it")
    skipped: list[SkippedValue] = Field(description="values left out because they do not fit the other box (the "
                                        "first 20)")
    skipped_count: int


class CopyChannelIn(BaseModel):
    """Body of ``POST /fleet/{node_id}/channels``: a channel of this box onto a channel of that one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"channel": 3, "to": 5},
                                                                              {"channel": 1, "routing": True}]})
    channel: int = Field(strict=True, ge=1, description="the channel on this box")
    to: int | None = Field(None, strict=True, ge=1, description="the channel on the other box (default: the same "
                           "number)")
    routing: bool = Field(False, strict=True, description="also its sends, DCA and mute-group assignments (they name "
                          "this box's mixes and groups); default: the strip only (name, colour, trim, HPF, EQ, "
                          "dynamics, order, fader, pan, mute, main)")


class CopyChannelOut(BaseModel):
    """What the other box applied (one undo step there)."""

    node: str
    channel: int = Field(description="the channel on the other box")
    applied: int = Field(description="values set there")
    skipped: list[SkippedValue] = Field(description="values left out because they do not fit the other box (the "
                                        "first 20)")
    skipped_count: int


class RecallIn(BaseModel):
    """Body of ``POST /scenes/{id}/recall`` and ``POST /versions/{id}/recall`` (optional)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"fade_ms": 1000}, {"fade_ms": 0, "scope": ["ch/*/send/3/*", "bus/3/**"]}]})
    fade_ms: float = Field(0.0, strict=True, json_schema_extra=_FADE_SCHEMA,
                           description="crossfade time in ms, 0…60000; 0 uses the normal short click-free ramp")
    scope: list[str] | None = Field(None, json_schema_extra={"anyOf": [{"type": "array", **_SCOPE_SCHEMA},
                                                                       {"type": "null"}]},
                                    description="address patterns to recall ('*': one segment, '**': one or more), "
                                    "each matching some address; left out or null: everything")


class SourceOut(BaseModel):
    """Where recalled values came from."""

    kind: Literal["scene", "version", "ab", "live"] = Field(
        description="scene, version, ab (an A/B slot, named A or B) or live (the state when a comparison began)")
    id: int | None = None
    name: str | None = None


class RecallOut(BaseModel):
    """What a recall changed, what it kept because it is safe, what did not fit this mixer."""

    source: SourceOut
    seq: int = Field(description="seq after the recall")
    fade_ms: float
    changed: dict[str, ParamValue] = Field(description="address → new value, for every value that changed")
    safe: list[str] = Field(description="addresses in scope whose value differed but were kept: they are safe")
    ignored: list[SkippedValue] = Field(description="values of the scene that do not fit this mixer")


class SafesIn(BaseModel):
    """Body of ``PUT /safes``: replaces every safe pattern (an empty list clears them)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"patterns": ["ch/*/send/3/*", "bus/3/*"]}]})
    patterns: list[str] = Field(json_schema_extra={"maxItems": 256, "items": PATTERN_SCHEMA},
                                description="address patterns ('*': one segment, '**': one or more); each must "
                                "match at least one address; [] clears the safes")


class SafesOut(BaseModel):
    patterns: list[str]
    addresses: int = Field(description="how many addresses the patterns make safe")


class VersionInfo(BaseModel):
    id: int
    time: datetime = Field(description="when the version was kept (UTC)")
    seq: int = Field(description="seq of the last change the version includes")


class VersionsOut(BaseModel):
    """Automatic versions, newest first."""

    versions: list[VersionInfo]
    interval_minutes: float = Field(description="a version is kept this long after the first change not in the "
                                    "previous one")


class VersionOut(VersionInfo):
    values: dict[str, ParamValue]


def _an_id(schema: dict[str, Any]) -> None:
    """A field that is None only when left out: published as an integer, without the null."""
    schema.pop("anyOf", None)
    schema.pop("default", None)
    schema["type"] = "integer"


class CompareWith(BaseModel):
    """What B is: exactly one of a scene or a version."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1, "maxProperties": 1})
    scene: int | None = Field(None, strict=True, json_schema_extra=_an_id, description="a scene id")
    version: int | None = Field(None, strict=True, json_schema_extra=_an_id, description="a version id")

    @model_validator(mode="before")
    @classmethod
    def _exactly_one(cls, data: Any) -> Any:
        if isinstance(data, dict) and (len(data) != 1 or None in data.values()):
            raise ValueError('give exactly one of "scene" or "version", with an id')
        return data


class ABStart(BaseModel):
    """Body of ``POST /ab``: keep the current state as A and recall B."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra={"examples": [
        {"with": {"scene": 1}}, {"with": {"version": 12}, "fade_ms": 500}]})
    target: CompareWith = Field(alias="with", description='{"scene": <id>} or {"version": <id>}')
    fade_ms: float = Field(0.0, strict=True, json_schema_extra=_FADE_SCHEMA,
                           description="crossfade for every switch, ms")
    scope: list[str] | None = Field(None, json_schema_extra={"anyOf": [{"type": "array", **_SCOPE_SCHEMA},
                                                                       {"type": "null"}]},
                                    description="limit the comparison to these address patterns")


class ABToggle(BaseModel):
    """Optional body of ``POST /ab/toggle``."""

    model_config = ConfigDict(extra="forbid")
    fade_ms: float | None = Field(None, strict=True, json_schema_extra=_FADE_SCHEMA,
                                  description="crossfade for this switch; left out: the comparison's")


class ABStatusOut(BaseModel):
    """The running comparison (``active`` null: none)."""

    active: Literal["A", "B"] | None = Field(description="the slot that is playing")
    slots: dict[str, SourceOut] | None = Field(description="what A and B started from")
    fade_ms: float | None
    scope: list[str] | None


class ABOut(ABStatusOut):
    recall: RecallOut = Field(description="the switch that was just made")


class ABEndOut(ABStatusOut):
    kept: Literal["A", "B"] = Field(description="the slot that was playing and stays")


# -- diagnostics: trace, problems, gain staging ----------------------------------------------------------

class ProblemOut(BaseModel):
    """One signal-flow problem (codes: ``GET /diagnostics`` lists them with what they mean)."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(description="stable code, e.g. muted, fader_closed, clipping_at_stage")
    address: str = Field(description="where: ch/N, bus/B, main, solo, or audio (the engine)")
    severity: Literal["error", "warning", "info"]
    message: str = Field(description="what is wrong, in one line")
    fix: str = Field(description="what to do about it, in one line")
    fix_address: str | None = Field(None, description="the control that fixes it, when it is in the mixer")
    stage: str | None = Field(None, description="the stage of the path, as in the trace (trim, eq, fader, …)")
    details: dict[str, Any] = Field(default_factory=dict)
    since: float | None = Field(None, description="Unix time the problem was raised")


class CodeInfo(BaseModel):
    severity: Literal["error", "warning", "info"]
    meaning: str


class DiagnosticsOut(BaseModel):
    """The problems now (lasting ones: hysteresis), and what the last change raised and cleared."""

    version: int = Field(description="grows by one whenever the list changes")
    problems: list[ProblemOut]
    raised: list[ProblemOut]
    cleared: list[ProblemOut]
    codes: dict[str, CodeInfo]


class StageLevel(BaseModel):
    peak: float
    hold: float
    rms: float
    clips: int


class TraceStage(BaseModel):
    """One stage of the path: its state, the control that changes it and the live level after it."""

    model_config = ConfigDict(extra="allow")
    stage: str = Field(description="input, trim, hpf, eq, gate, dyn, mute, fader, sends, main, outputs; for a "
                                   "bus: sources, effect, eq, fader, limiter, returns, main, outputs")
    label: str
    address: str | None = Field(description="the control of this stage")
    state: dict[str, Any]
    meter: str | None = Field(description="the meter point after this stage, if it has one")
    level: StageLevel | None
    passes: bool = Field(description="false when this stage stops the signal (mute, closed fader, nothing connected)")
    problems: list[str] = Field(description="codes of the problems found at this stage")


class SourceFix(BaseModel):
    """The one change that takes a reason away: ``PUT /params/{address}`` with ``{"value": value}``."""

    address: str
    value: bool | float
    label: str = Field(description="what it does, in words: \"unmute Snare\", \"switch Snare's send to Drummer on\"")


class MissingReason(BaseModel):
    """One thing that keeps a channel out of the bus or the main."""

    code: Literal["unconnected", "no_signal", "muted", "dca_muted", "mute_group", "fader_closed", "dca_closed",
                  "send_off", "send_closed", "not_assigned"]
    stage: str = Field(description="where in the channel's path it stops: input, mute, fader, sends, main")
    control: str | None = Field(description="the control that stops it (none for the input)")
    message: str = Field(description="in plain words, with names: \"Snare: its send to Drummer is off\"")
    fix: SourceFix | None = Field(description="the change that brings it back; none when the fix is outside the mixer")
    hint: str | None = Field(description="what to do when no control fixes it (a silent or unplugged source)")
    allowed_fix: bool = Field(description="whether the caller may make the fix (a mix link: its own sends only)")
    fix_refused: str | None = Field(description="when there is a fix the caller may not make, why, in plain words")


class MissingSource(BaseModel):
    """A channel that does not reach the bus or the main (with signal), and why."""

    address: str = Field(description="the channel, ch/N")
    name: str
    code: str = Field(description="the first reason's code (where the signal stops first)")
    stage: str = Field(description="the first reason's stage")
    message: str = Field(description="every reason in plain words: \"Snare: muted; its send to Drummer is off\"")
    reasons: list[MissingReason] = Field(description="in signal order")
    changes: dict[str, bool | float] = Field(description="every fix at once, for PATCH /params {\"changes\": …}")
    cut: bool = Field(description="the mix had this channel and lost it (the mix_source_cut problem)")


class TraceOut(BaseModel):
    """The signal path of a channel, a bus or the main."""

    address: str
    kind: str = Field(description="channel, main, aux, fx or group")
    name: str
    stages: list[TraceStage]
    missing: list[MissingSource] | None = Field(description="a bus or the main: every channel that does not reach "
                                                            "it, why and the fix; null for a channel")
    problems: list[ProblemOut]
    first_problem: int | None = Field(description="index of the first stage with a problem")
    seq: int


class GainStagingIn(BaseModel):
    """Body of ``POST /gain-staging`` (optional: no body, or ``{}``, listens to every channel for 10 s)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={
        "examples": [{"channels": [1, 2], "listen_s": 10, "target_db": -18, "apply": False}]})
    channels: list[int] | None = Field(None, json_schema_extra={
        "anyOf": [{"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}}, {"type": "null"}]},
        description="channel numbers (1 up to this mixer's channel count); null or absent: every channel")
    listen_s: float = Field(10.0, json_schema_extra={"minimum": 1, "maximum": 60},
                            description="how long to listen (1…60 s)")
    target_db: float = Field(-18.0, json_schema_extra={"minimum": -30, "maximum": -6},
                             description="where the peaks should sit (-30…-6 dBFS)")
    apply: bool = Field(False, description="make the proposed changes (one undo step) after listening")


class GainChannel(BaseModel):
    model_config = ConfigDict(extra="allow")
    channel: int
    name: str
    address: str
    status: Literal["adjust", "ok", "out_of_range", "no_signal", "clipping_before_trim"]
    message: str
    trim_db: float
    input_peak_db: float | None = Field(description="loudest peak heard, before the trim (dBFS)")
    proposed_trim_db: float | None


class GainStagingOut(BaseModel):
    """What the assistant heard and proposes; ``PATCH /params`` with ``{"changes": changes}`` applies it."""

    target_db: float
    listen_s: float
    channels: list[GainChannel]
    changes: dict[str, float]
    unfixable: list[int] = Field(description="channels it could not bring to the target")
    applied: bool
    seq: int | None = Field(description="seq of the applied change (null when not applied)")


# -- the recorder ---------------------------------------------------------------------------------------

class RecordIn(BaseModel):
    """Body of ``POST /recorder/start`` (every field optional)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"sources": ["ch/1", "ch/2", "bus/1", "main"], "name": "Rehearsal", "tap": "trim"}]})
    sources: list[str] | None = Field(None, description='"ch/N", "bus/N" (a mix, FX or group bus; a stereo one is '
                                      'one stereo file) or "main"; absent or empty: every channel and the main')
    name: str | None = Field(None, json_schema_extra=_NAME_SCHEMA, description="the take's name (default: its time)")
    tap: Literal["trim", "raw"] = Field("trim", description="channels after their trim (polarity and gain), or "
                                        "raw as the input came")


class MarkerIn(BaseModel):
    """Body of ``POST /recorder/marker``: a marker in the take being recorded or, when none is, in the take
    played back."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "verse 2"}]})
    name: str = Field(json_schema_extra=_NAME_SCHEMA, description="1–64 characters")


class MarkerOut(BaseModel):
    position: int = Field(description="samples since the take began")
    name: str


class RecorderSpace(BaseModel):
    free: int = Field(description="free bytes on the recorder's disk")
    reserve: int = Field(description="bytes never recorded into (a take stops first)")
    usable: int = Field(description="bytes a take may fill")
    seconds_left: float | None = Field(description="how long the sources recorded now (or every channel and the "
                                       "main) fit")
    unavailable: str | None = Field(None, description="why no take can be recorded: [recorder] dir is missing, or "
                                    "no disk is mounted where it points (under /media, /mnt, /run/media)")


class RecorderProblem(BaseModel):
    code: str = Field(description="recorder_disk_full, recorder_disk_failed or recorder_failed")
    message: str


class RecorderOut(BaseModel):
    """The recorder now (also the WebSocket's ``recorder`` message, again whenever it changes)."""

    recording: bool
    take: str | None = Field(description="the id of the take being recorded")
    name: str | None
    seconds: float = Field(description="recorded so far")
    sources: list[str]
    lost_seconds: float = Field(description="audio lost because the disk was too slow (silence in its place)")
    buffer: float = Field(description="how full the recorder's memory is, 0…1: the disk is that far behind")
    stall_max: float = Field(description="seconds: the longest the disk kept the recorder waiting in this take "
                                         "(nothing is lost while it stays under [recorder] buffer_s)")
    space: RecorderSpace
    problem: RecorderProblem | None = Field(description="what ended the last take early (the disk full, failed)")


class TakeSource(BaseModel):
    address: str
    name: str
    color: str | None
    channels: int = Field(description="1, or 2 for a stereo bus or the main")
    tap: str | None = Field(description="for a channel: trim or raw")
    file: str = Field(description="its file in the take (GET /takes/{id}/files/{n}, n from 1)")


class TakeOut(BaseModel):
    """A take: its sidecar (take.json) and what it holds on the disk."""

    id: str = Field(description="its folder's name: when it started, e.g. 20261203-201500")
    name: str
    started: str = Field(description="local time with its offset (ISO 8601)")
    rate: int
    sample_format: str
    sources: list[TakeSource]
    scene: CurrentSceneOut | None = Field(description="the scene the mix was at when the take started")
    markers: list[MarkerOut]
    frames: int
    seconds: float
    bytes: int
    complete: bool = Field(description="false while it is being recorded")
    recovered: bool = Field(False, description="it was left unfinished (a power cut) and mended at the next start")
    problem: str | None = Field(None, description="why it ended early")


class TakesOut(BaseModel):
    takes: list[TakeOut]


class PlayIn(BaseModel):
    """Body of ``POST /player/play``: a take, where to start, an optional loop (seconds), which of its channels
    hear it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"take": "20261203-201500", "start": 62.5, "loop": [62.5, 80.0], "channels": ["ch/1", "ch/2"]}]})
    take: str = Field(max_length=40, description="the take's id")
    start: float = Field(0.0, ge=0, description="seconds into the take (a locate is a play from elsewhere)")
    loop: list[float] | None = Field(None, min_length=2, max_length=2,
                                     description="[A, B] seconds: played over and over, seamlessly")
    channels: list[str] | None = Field(None, max_length=1024, description='the take\'s channels ("ch/N") that hear '
                                       "the take; its others hear the band (POST /player/source switches them); "
                                       "absent: every channel of the take, [] none yet")


class SourceIn(BaseModel):
    """Body of ``POST /player/source``: what one channel of the take playing hears."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"channel": "ch/3", "source": "take"}]})
    channel: str = Field(max_length=40, description='a channel of the take playing ("ch/N")')
    source: Literal["take", "live"] = Field(description="take: the take played back; live: the band")


class PlayerOut(BaseModel):
    """The player now (also the WebSocket's ``player`` message when a take starts or stops, a channel's source is
    switched, or a marker is set in the take playing)."""

    playing: bool
    take: str | None
    name: str | None
    position: float = Field(description="seconds into the take, being heard now")
    seconds: float = Field(description="the take's length")
    loop: list[float] | None
    channels: list[str] = Field(description="the take's channels hearing the take instead of their inputs")
    available: list[str] = Field(description="every channel of the take: each one can hear the take or the band "
                                 "(POST /player/source)")
    starved: float = Field(description="seconds played as silence: the disk was late, or the take ended")


class TakeRename(BaseModel):
    """Body of ``PATCH /takes/{id}``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Gig, set 1"}]})
    name: str = Field(json_schema_extra=_NAME_SCHEMA, description="1–64 characters")
