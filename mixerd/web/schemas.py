"""Request and response bodies of the REST API (they are what OpenAPI publishes)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    origin: str


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
    dsp_load: float


class HealthOut(BaseModel):
    """Engine and JACK health; ``GET /health`` answers 503 when the engine is not running."""

    model_config = ConfigDict(extra="allow")
    status: Literal["ok", "degraded", "down"]
    engine: EngineHealth
    jack: dict[str, Any]


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
