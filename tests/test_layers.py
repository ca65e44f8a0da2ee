"""The house's rules, read from the source: the runtime never imports the tooling (bench) or the demo; front
ends never import the engine or the JACK host, and the engine never imports a front end."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mixerd"
FRONT_ENDS = ("mixerd.web", "mixerd.mqtt", "mixerd.osc")
AUDIO = ("mixerd.engine", "mixerd.jackhost")
TOOLING = ("mixerd.bench", "mixerd.demo")


def _modules() -> dict[str, set[str]]:
    """Every module of mixerd → the mixerd modules it imports (anywhere in it, also inside functions)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        found[name] = {m for m in imported if m == "mixerd" or m.startswith("mixerd.")}
    return found


MODULES = _modules()


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _offences(importers: tuple[str, ...] | None, imported: tuple[str, ...], exempt: tuple[str, ...] = ()) -> list[str]:
    return [f"{module} imports {target}" for module, targets in MODULES.items()
            if (importers is None or _within(module, importers)) and not _within(module, exempt)
            for target in sorted(targets) if _within(target, imported)]


def test_the_modules_were_found():
    assert {"mixerd.daemon", "mixerd.cli", "mixerd.bench", "mixerd.demo.command", "mixerd.web.app"} <= set(MODULES)


def test_the_runtime_never_imports_the_bench_or_the_demo():
    assert _offences(None, TOOLING, exempt=TOOLING) == []


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_front_end_never_imports_the_engine_or_the_jack_host(front_end):
    assert _offences((front_end,), AUDIO) == []


def test_the_audio_side_never_imports_a_front_end():
    assert _offences(AUDIO, FRONT_ENDS) == []


def test_only_the_daemon_assembles_front_ends():
    assembly = ("mixerd.web.frontend", "mixerd.mqtt.frontend", "mixerd.osc.frontend")
    assert _offences(None, assembly, exempt=("mixerd.daemon", *assembly)) == []


def _defined(module: str) -> set[str]:
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_the_web_holds_no_access_rules():
    """Roles, tokens, links, the password and the write rule are control's (control/access.py); the web only
    carries tokens (a header, a cookie) to them."""
    rules = {"ROLES", "MIX_RULES", "Auth", "Principal", "authorize", "may_write", "hash_password", "verify_password",
             "LoginLimiter"}
    assert rules <= _defined("mixerd.control.access")
    assert {m: sorted(rules & _defined(m)) for m in MODULES if _within(m, ("mixerd.web",)) and rules & _defined(m)} == {}
