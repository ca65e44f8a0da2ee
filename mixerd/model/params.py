"""ParamTree: every concrete address of one mixer layout, with lookup, validation and "did you mean"."""

from __future__ import annotations

import difflib
import itertools
import re
from typing import Any, Iterable, Iterator, Mapping

from mixerd.model.address import AddressPattern, owner_of, segments
from mixerd.model.errors import BatchError, ParamError
from mixerd.model.layout import Layout
from mixerd.model.spec import ParamSpec, show_value
from mixerd.model.table import DRIVES, OWNER, PLACEHOLDERS, ROWS, Row

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: Unknown addresses of one batch that get a "did you mean" (the rest are only named): a suggestion is for a
#: person's typo, and a batch of thousands of unknown addresses must not cost thousands of searches.
SUGGESTIONS_PER_BATCH = 5


def expand_row(row: Row, layout: Layout) -> Iterator[tuple[tuple[int, ...], ParamSpec]]:
    """Yield ``(indices, spec)`` for every concrete address ``row`` has in ``layout``."""
    names = _PLACEHOLDER.findall(row.template)
    unknown = [n for n in names if n not in PLACEHOLDERS]
    if unknown:
        raise ValueError(f"{row.template}: unknown placeholder {{{unknown[0]}}}; known: {', '.join(PLACEHOLDERS)}")
    ranges = [range(1, PLACEHOLDERS[n](layout) + 1) for n in names]
    choices = row.choices(layout) if row.choices else None
    hint = row.hint(layout) if callable(row.hint) else row.hint
    for values in itertools.product(*ranges):
        idx = dict(zip(names, values))
        if row.when is not None and not row.when(layout, idx):
            continue
        default = row.default(layout, idx) if callable(row.default) else row.default
        spec = ParamSpec(
            address=row.template.format(**idx), kind=row.kind, unit=row.unit, default=default,
            description=row.description, min=row.min, max=row.max, note=row.note, choices=choices,
            pattern=row.pattern, min_length=row.min_length, max_length=row.max_length, hint=hint,
            lowercase=row.lowercase, template=row.template, scene=row.scene,
            momentary=row.momentary,
            drives=_drives(row, idx),
        )
        yield values, spec


def _drives(row: Row, idx: Mapping[str, int]) -> tuple[Any, ...] | None:
    """The row's ``drives`` for one address: placeholders by their numbers, ``{owner}`` by the owner."""
    if row.drives is None:
        return None
    if row.drives[0] not in DRIVES:
        raise ValueError(f"{row.template}: drives unit {row.drives[0]!r} is not one of {', '.join(DRIVES)}")
    address = row.template.format(**idx)
    return tuple(owner_of(address) if t == OWNER else idx[t[1:-1]] if isinstance(t, str) and _PLACEHOLDER.fullmatch(t)
                 else t for t in row.drives)


class ParamTree:
    """The address space of one layout: an ordered map from address to ParamSpec.

    Addresses are ordered for people: everything of ch/1 (its EQ by band, its sends by bus) before
    ch/2, then buses, main and generators; within a channel or bus, in table order.
    """

    def __init__(self, layout: Layout, specs: Iterable[ParamSpec]):
        self._layout = layout
        self._specs: dict[str, ParamSpec] = {}
        for spec in specs:
            if spec.address in self._specs:
                raise ValueError(f"duplicate parameter address {spec.address!r}")
            self._specs[spec.address] = spec
        self._lower = {a.lower(): a for a in self._specs}
        self._children = _child_index(self._specs)
        # "did you mean" searches the shapes (ch/#/eq/#/gain: about a hundred), not every address.
        self._shapes: dict[str, list[tuple[tuple[int, ...], str]]] = {}
        for address in self._specs:
            shape, numbers = _shape(address)
            self._shapes.setdefault(shape, []).append((numbers, address))
        self._longest = max((len(a) for a in self._specs), default=0)

    @classmethod
    def from_layout(cls, layout: Layout, rows: Iterable[Row] = ROWS) -> "ParamTree":
        """Expand the parameter table for ``layout``; raises ValueError if the layout's names are invalid."""
        rows = tuple(rows)
        # A family's first row names its owner ({n} for ch, {b} for bus, nothing for main): every
        # address of ch/1 sorts before ch/2. Within an owner, consecutive rows with the same
        # placeholders form a block (the EQ bands, the sends) that stays together, grouped by its inner
        # index (band, bus), so the bands of ch/1 neither mix with its sends nor land apart from eq/on.
        owners: dict[str, int] = {}
        for row in rows:
            owners.setdefault(segments(row.template)[0], len(_PLACEHOLDER.findall(row.template)))
        families = list(owners)
        keyed, block, previous = [], -1, None
        for row_no, row in enumerate(rows):
            name = segments(row.template)[0]
            family, owner = families.index(name), owners[name]
            shape = (family, tuple(_PLACEHOLDER.findall(row.template)))
            if shape != previous:
                block, previous = row_no, shape
            for values, spec in expand_row(row, layout):
                key = (family, values[:owner], block, values[owner:], row_no)
                keyed.append((key, _checked_default(spec)))
        keyed.sort(key=lambda item: item[0])
        return cls(layout, (spec for _, spec in keyed))

    @property
    def layout(self) -> Layout:
        return self._layout

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, address: object) -> bool:
        return address in self._specs

    def addresses(self) -> tuple[str, ...]:
        """Every concrete address, in display order."""
        return tuple(self._specs)

    def spec(self, address: str) -> ParamSpec:
        """The spec of ``address``; raises ParamError ``unknown_address`` with a suggestion."""
        try:
            return self._specs[address]
        except (KeyError, TypeError):
            raise self._unknown(address) from None

    def defaults(self) -> dict[str, Any]:
        """Address → default value for the whole tree."""
        return {a: s.default for a, s in self._specs.items()}

    def validate(self, address: str, value: Any) -> Any:
        """Return ``value`` coerced for ``address`` (float, bool or str) or raise ParamError."""
        return self.spec(address).validate(value)

    @property
    def max_batch(self) -> int:
        """The most changes one batch may hold: every address of this tree once."""
        return len(self._specs)

    def validate_many(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Validate every change; return the coerced changes or raise BatchError naming every bad one.

        A batch of more changes than the tree has addresses is refused whole (ParamError
        ``too_many_changes``) before any is looked at; of the unknown addresses, only the first
        ``SUGGESTIONS_PER_BATCH`` get a "did you mean"."""
        if len(changes) > self.max_batch:
            limit = f"at most {self.max_batch} changes (every parameter of this mixer once)"
            raise ParamError("too_many_changes", f"a batch of {len(changes)} changes is too large: this mixer has "
                             f"{self.max_batch} parameters, so a batch holds {limit}; split it", None, limit)
        good: dict[str, Any] = {}
        errors: list[ParamError] = []
        suggestions = SUGGESTIONS_PER_BATCH
        for address, value in changes.items():
            spec = self._specs.get(address) if isinstance(address, str) else None
            if spec is None:
                errors.append(self._unknown(address, suggest=suggestions > 0))
                suggestions -= 1
                continue
            try:
                good[address] = spec.validate(value)
            except ParamError as e:
                errors.append(e)
        if errors:
            raise BatchError(errors, total=len(changes))
        return good

    def describe(self) -> list[dict[str, Any]]:
        """JSON-ready list of every spec, in display order."""
        return [s.to_dict() for s in self._specs.values()]

    def expand(self, pattern: str) -> list[str]:
        """Concrete addresses matching ``pattern``, where ``*`` or ``{x}`` stands for one segment.

        ``expand("ch/*/mute")`` gives every channel mute; ``expand("ch/{n}/send/2/level")`` every send
        to bus 2.
        """
        return AddressPattern.parse(pattern).select(self._specs)

    def suggest(self, address: str) -> str | None:
        """The closest existing address to a mistyped one, or None.

        Cheap whatever the size of the mixer: the address's shape (``ch/#/eq/#/gian``) is matched against
        the tree's shapes (about a hundred), then its numbers pick the nearest address of that shape
        (``ch/1/send/1/pan`` on a mono bus 1: ``ch/1/send/2/pan``). Nothing is searched for a string much
        longer than any address."""
        if not isinstance(address, str) or len(address) > 2 * self._longest:
            return None
        wanted = address.lower().strip().strip("/")
        exact = self._lower.get(wanted)
        if exact:
            return exact
        shape, numbers = _shape(wanted)
        if shape not in self._shapes:
            close = difflib.get_close_matches(shape, self._shapes.keys(), n=1, cutoff=0.6)
            if not close:
                return None
            shape = close[0]

        def distance(candidate: tuple[tuple[int, ...], str]) -> tuple[int, int]:
            pairs = list(zip(candidate[0], numbers))
            return -sum(a == b for a, b in pairs), sum(abs(a - b) for a, b in pairs)

        return min(self._shapes[shape], key=distance)[1]

    # -- errors -----------------------------------------------------------------------------------

    def _unknown(self, address: Any, suggest: bool = True) -> ParamError:
        shown = show_value(address)
        if not isinstance(address, str):
            return ParamError("unknown_address", f"{shown} is not an address; addresses are strings like "
                              f"'ch/1/fader'", None, self._hint(""))
        prefix = self._known_prefix(address)
        hint = self._hint(prefix)
        if prefix == address.strip("/") and prefix:
            message = f"{shown} names a group of parameters, not one; pick one of {hint}"
        else:
            best = self.suggest(address) if suggest else None
            fix = f"did you mean '{best}' ({self._specs[best].description})?" if best else f"addresses here look like {hint}"
            message = f"{shown} is not a parameter address; {fix}"
        return ParamError("unknown_address", message, address, hint)

    def _known_prefix(self, address: str) -> str:
        """The longest leading part of ``address`` that is a group in this tree ("" for none)."""
        prefix = ""
        for part in segments(address.strip("/")):
            candidate = f"{prefix}/{part}" if prefix else part
            if candidate not in self._children:
                break
            prefix = candidate
        return prefix

    def _hint(self, prefix: str) -> str:
        """What may follow ``prefix``: ``ch/3/{name|…|send/…}``, ``ch/{1…8}/…``."""
        children = self._children.get(prefix, {})
        numbers = sorted(int(c) for c in children if c.isdigit())
        parts = [c if leaf else f"{c}/…" for c, leaf in children.items() if not c.isdigit()]
        if numbers:
            contiguous = numbers == list(range(numbers[0], numbers[-1] + 1))
            span = f"{numbers[0]}…{numbers[-1]}" if contiguous else ",".join(map(str, numbers))
            group = "" if all(children[str(n)] for n in numbers) else "/…"
            if parts:
                parts.insert(0, span + group)
            else:
                inner = (f"{{{span}}}" if len(numbers) > 1 else span) + group
                return f"{prefix}/{inner}" if prefix else inner
        inner = parts[0] if len(parts) == 1 else "{" + "|".join(parts) + "}"
        return f"{prefix}/{inner}" if prefix else inner


def _checked_default(spec: ParamSpec) -> ParamSpec:
    """Validate a spec's default (names come from the hardware profile and config) and store it coerced."""
    try:
        value = spec.validate(spec.default)
    except ParamError as e:
        raise ValueError(f"the layout gives an invalid default: {e.message}") from None
    if value == spec.default and type(value) is type(spec.default):
        return spec
    return spec.model_copy(update={"default": value})


def _shape(address: str) -> tuple[str, tuple[int, ...]]:
    """``("ch/#/send/#/pan", (1, 2))`` for ``ch/1/send/2/pan``: the address with its numbers taken out."""
    parts = segments(address)
    numbers = tuple(int(p) for p in parts if p.isascii() and p.isdigit())
    return "/".join("#" if p.isascii() and p.isdigit() else p for p in parts), numbers


def _child_index(addresses: Iterable[str]) -> dict[str, dict[str, bool]]:
    """Group prefix → {next segment: is it a leaf}, ordered by first appearance; "" is the root."""
    index: dict[str, dict[str, bool]] = {}
    for address in addresses:
        parts = segments(address)
        for i, part in enumerate(parts):
            prefix = "/".join(parts[:i])
            children = index.setdefault(prefix, {})
            children[part] = children.get(part, False) or i == len(parts) - 1
    return index
