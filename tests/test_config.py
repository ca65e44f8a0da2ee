"""The daemon config: defaults without a file, a full file, and an error that teaches for every mistake."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from mixerd.config import (
    ARRAYS,
    AuthConfig,
    Config,
    ConfigError,
    EngineConfig,
    HttpConfig,
    JackConfig,
    LogConfig,
    MixerConfig,
    StateConfig,
    load_config,
    parse_config,
)

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "deploy" / "mixerd.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mixerd.toml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return str(info.value)


# ---- defaults ----

def test_no_file_gives_every_default():
    cfg = load_config(None)
    assert cfg == Config()
    assert cfg.mixer == MixerConfig(profile="demo", profile_dirs=())
    assert cfg.jack == JackConfig(server="", start_server="auto", client_name="mixerd", realtime=True)
    assert cfg.engine == EngineConfig(ramp_ms=10.0, meter_rate=50, generators=4)
    assert cfg.http == HttpConfig(host="0.0.0.0", port=8080)
    assert cfg.state == StateConfig(dir=Path("/var/lib/mixerd"))
    assert cfg.log == LogConfig(level="info")


def test_empty_file_gives_defaults(tmp_path):
    assert load_config(write(tmp_path, "")) == Config()


def test_partial_file_keeps_other_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "[http]\nport = 9000\n"))
    assert cfg.http.port == 9000
    assert cfg.http.host == "0.0.0.0"
    assert cfg.engine == EngineConfig()


def test_sections_are_frozen_and_replaceable():
    cfg = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.engine.ramp_ms = 5.0  # type: ignore[misc]
    cfg2 = dataclasses.replace(cfg, engine=dataclasses.replace(cfg.engine, ramp_ms=5))
    assert cfg2.engine.ramp_ms == 5.0 and isinstance(cfg2.engine.ramp_ms, float)
    assert cfg2.http == cfg.http


def test_replace_is_validated_like_a_file():
    with pytest.raises(ConfigError, match=r"engine\.ramp_ms = 500\.0 is out of range; allowed: 1 to 100 ms"):
        dataclasses.replace(EngineConfig(), ramp_ms=500)


def test_direct_construction_converts_paths():
    assert StateConfig(dir="/tmp/x").dir == Path("/tmp/x")  # type: ignore[arg-type]
    assert MixerConfig(profile_dirs=["a", Path("b")]).profile_dirs == (Path("a"), Path("b"))  # type: ignore[arg-type]


# ---- a full file ----

FULL = """
[mixer]
profile = "focusrite-scarlett-18i20-gen3"
profile_dirs = ["/etc/mixerd/profiles", "local"]
[jack]
server = "stage"
start_server = "never"
client_name = "monitors"
realtime = false
[engine]
ramp_ms = 20
meter_rate = 30
generators = 0
[http]
host = "127.0.0.1"
port = 0
tls_cert = "tls/cert.pem"
tls_key = "/etc/mixerd/key.pem"
[auth]
enabled = false
admin_password = "sesame open"
[state]
dir = "state"
[log]
level = "debug"
"""


def test_full_file_round_trip(tmp_path):
    cfg = load_config(write(tmp_path, FULL))
    assert cfg == Config(
        mixer=MixerConfig(profile="focusrite-scarlett-18i20-gen3",
                          profile_dirs=(Path("/etc/mixerd/profiles"), tmp_path / "local")),
        jack=JackConfig(server="stage", start_server="never", client_name="monitors", realtime=False),
        engine=EngineConfig(ramp_ms=20.0, meter_rate=30, generators=0),
        http=HttpConfig(host="127.0.0.1", port=0, tls_cert=str(tmp_path / "tls" / "cert.pem"),
                        tls_key="/etc/mixerd/key.pem"),
        auth=AuthConfig(enabled=False, admin_password="sesame open"),
        state=StateConfig(dir=tmp_path / "state"),
        log=LogConfig(level="debug"),
    )
    assert isinstance(cfg.engine.ramp_ms, float)


def test_profile_path_is_relative_to_the_config_file(tmp_path):
    cfg = load_config(write(tmp_path, '[mixer]\nprofile = "profiles/mine.toml"\n'))
    assert cfg.mixer.profile == str(tmp_path / "profiles" / "mine.toml")
    # An id stays an id.
    assert load_config(write(tmp_path, '[mixer]\nprofile = "demo"\n')).mixer.profile == "demo"


def test_auth_and_tls_defaults():
    cfg = Config()
    assert cfg.auth == AuthConfig(enabled=True, admin_password="")
    assert cfg.http.tls_cert == cfg.http.tls_key == "" and not cfg.http.tls


def test_tls_needs_both_cert_and_key(tmp_path):
    msg = error_of(tmp_path, '[http]\ntls_cert = "cert.pem"\n')
    assert "http.tls_cert is set but http.tls_key is empty" in msg and "plain HTTP" in msg
    msg = error_of(tmp_path, '[http]\ntls_key = "key.pem"\n')
    assert "http.tls_key is set but http.tls_cert is empty" in msg
    assert load_config(write(tmp_path, '[http]\ntls_cert = "c.pem"\ntls_key = "k.pem"\n')).http.tls


def test_auth_keys_are_checked(tmp_path):
    assert "auth.enabled" in error_of(tmp_path, '[auth]\nenabled = "no"\n')
    assert "did you mean auth.admin_password" in error_of(tmp_path, '[auth]\nadmin_pasword = "x"\n')


def test_parse_config_without_base_dir_keeps_relative_paths():
    cfg = parse_config({"state": {"dir": "state"}})
    assert cfg.state.dir == Path("state")


# ---- the example config ----

def test_example_config_equals_defaults():
    assert load_config(EXAMPLE) == Config()


def test_example_config_has_every_key():
    text = EXAMPLE.read_text()
    data = tomllib.loads(text)
    for section in dataclasses.fields(Config):
        if section.name in ARRAYS:  # none by default: a commented-out example, every key in it, valid
            block = text[text.index(f"# [[{section.name}]]"):].split("\n\n")[0]
            example = tomllib.loads("\n".join(line[2:] for line in block.splitlines() if not line.startswith("# # ")))
            [table] = example[section.name]
            assert set(table) == {f.name for f in dataclasses.fields(ARRAYS[section.name])}, section.name
            parse_config(example)
            continue
        keys = {f.name for f in dataclasses.fields(section.default_factory())}  # type: ignore[misc]
        assert set(data[section.name]) == keys, section.name


# ---- errors ----

def test_unknown_section_suggests(tmp_path):
    msg = error_of(tmp_path, "[egnine]\nramp_ms = 5\n")
    assert str(tmp_path / "mixerd.toml") in msg
    assert "unknown section [egnine]" in msg
    assert "did you mean [engine]?" in msg


def test_unknown_key_suggests(tmp_path):
    msg = error_of(tmp_path, "[engine]\nramp = 5\n")
    assert "unknown key engine.ramp; did you mean engine.ramp_ms?" in msg
    assert "ramp_ms, meter_rate, generators" in msg


def test_key_in_the_wrong_section_points_to_the_right_one(tmp_path):
    msg = error_of(tmp_path, "[engine]\nport = 5\n")
    assert "engine.port" in msg and "port belongs in [http]" in msg


def test_key_outside_any_section(tmp_path):
    msg = error_of(tmp_path, 'profile = "demo"\n')
    assert 'profile = "demo" must be inside a section; write it below [mixer]' in msg


def test_section_that_is_not_a_table(tmp_path):
    msg = error_of(tmp_path, "engine = 5\n")
    assert "must be a section, written [engine]" in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[engine]\nmeter_rate = "50"',
         'engine.meter_rate = "50" is a string but must be an integer; allowed: 25 to 100 Hz'),
        ("[engine]\ngenerators = 2.0", "engine.generators = 2.0 is a float but must be an integer; allowed: 0 to 32"),
        ('[engine]\nramp_ms = "10"', 'engine.ramp_ms = "10" is a string but must be a number; allowed: 1 to 100 ms'),
        ("[jack]\nrealtime = 1", "jack.realtime = 1 is an integer but must be a boolean (true or false)"),
        ("[jack]\nserver = 3", "jack.server = 3 is an integer but must be a string"),
        ("[http]\nport = true", "http.port = true is a boolean but must be an integer; allowed: 0 to 65535"),
        ('[http]\nport = "80"', 'http.port = "80" is a string but must be an integer'),
        ('[mixer]\nprofile_dirs = "x"', 'mixer.profile_dirs = "x" is a string but must be an array'),
        ("[mixer]\nprofile_dirs = [1]", "mixer.profile_dirs[0] = 1 is an integer but must be a string"),
        ("[state]\ndir = 5", "state.dir = 5 is an integer but must be a string"),
        ("[log]\nlevel = 1", "log.level = 1 is an integer but must be a string; allowed: \"debug\""),
    ],
)
def test_wrong_type_names_key_value_and_allowed(tmp_path, text, expected):
    assert expected in error_of(tmp_path, text + "\n")


@pytest.mark.parametrize(
    ("section", "key", "bad", "good", "allowed"),
    [
        ("engine", "ramp_ms", 0.5, 1, "allowed: 1 to 100 ms"),
        ("engine", "ramp_ms", 100.5, 100, "allowed: 1 to 100 ms"),
        ("engine", "meter_rate", 24, 25, "allowed: 25 to 100 Hz"),
        ("engine", "meter_rate", 101, 100, "allowed: 25 to 100 Hz"),
        ("engine", "generators", -1, 0, "allowed: 0 to 32"),
        ("engine", "generators", 33, 32, "allowed: 0 to 32"),
        ("http", "port", -1, 0, "allowed: 0 to 65535"),
        ("http", "port", 65536, 65535, "allowed: 0 to 65535"),
    ],
)
def test_out_of_range_and_the_edges_that_are_fine(tmp_path, section, key, bad, good, allowed):
    msg = error_of(tmp_path, f"[{section}]\n{key} = {bad}\n")
    assert f"{section}.{key} = {float(bad) if key == 'ramp_ms' else bad} is out of range; {allowed}" in msg
    cfg = load_config(write(tmp_path, f"[{section}]\n{key} = {good}\n"))
    assert getattr(getattr(cfg, section), key) == good


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[jack]\nstart_server = "alway"',
         'jack.start_server = "alway" is not allowed; choose one of "auto", "always", "never"; did you mean "always"?'),
        ('[log]\nlevel = "INFO"', 'log.level = "INFO" is not allowed; choose one of "debug", "info", "warning", '
                                  '"error"; did you mean "info"?'),
        ('[log]\nlevel = "verbose"', 'log.level = "verbose" is not allowed; choose one of'),
    ],
)
def test_bad_choice_lists_choices_and_suggests(tmp_path, text, expected):
    assert expected in error_of(tmp_path, text + "\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[jack]\nclient_name = ""', "jack.client_name is empty; allowed: 1 to 63 characters without \":\""),
        ('[jack]\nclient_name = "a:b"', 'jack.client_name = "a:b" contains ":"'),
        (f'[jack]\nclient_name = "{"x" * 64}"', "is 64 characters long; allowed: 1 to 63 characters"),
        ('[mixer]\nprofile = ""', 'mixer.profile is empty; allowed: a profile id such as "demo" or a path'),
        ('[http]\nhost = ""', "http.host is empty; allowed: an address or host name"),
        ('[state]\ndir = ""', "state.dir is empty; give a directory path"),
    ],
)
def test_bad_strings(tmp_path, text, expected):
    assert expected in error_of(tmp_path, text + "\n")


def test_invalid_toml_names_the_file(tmp_path):
    msg = error_of(tmp_path, "[engine\nramp_ms = 5\n")
    assert msg.startswith(f"{tmp_path / 'mixerd.toml'}: not valid TOML")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


# ---- links to other boxes ----

def test_links_are_an_array_of_tables_each_checked(tmp_path):
    cfg = load_config(write(tmp_path, '[[link]]\nname = "stage"\nreceive = 8\n[[link]]\nname = "foh"\n'
                                      'peer = "10.0.0.2"\nsend = ["bus/2", "main"]\npeer_port = 30210\n'))
    stage, foh = cfg.link
    assert (stage.name, stage.receive, stage.send, stage.port) == ("stage", 8, (), 30200)
    assert (foh.peer, foh.send, foh.send_port, foh.receive) == ("10.0.0.2", ("bus/2", "main"), 30210, 0)
    assert Config().link == ()


@pytest.mark.parametrize("text, expected", [
    ('[link]\nname = "a"\n', "must be a list of tables, each written [[link]]"),
    ('[[link]]\nname = "Stage"\nreceive = 2\n', 'the 1st [[link]]: link.name = "Stage" cannot name a link; allowed: 1 to 24 lower-case'),
    ('[[link]]\nname = "a"\nsend = ["ch/1"]\n', "sends ch/1 but has no peer; give link.peer"),
    ('[[link]]\nname = "a"\n', "neither sends nor receives"),
    ('[[link]]\nname = "a"\nreceive = 1\n[[link]]\nname = "a"\nreceive = 2\n', 'two [[link]] are named "a"'),
    ('[[link]]\nname = "a"\npeer = "x"\nsend = ["aux/1"]\n', 'link.send has "aux/1", which is not a source'),
    ('[[link]]\nname = "a"\nreceive = 1\n[[link]]\nname = "b"\nreceive = 65\n',
     "the 2nd [[link]]: link.receive = 65 is out of range; allowed: 0 to 64 channels"),
    ('[[link]]\nname = "a"\nreceive = 1\nengine = "netjack"\n', 'link.engine = "netjack" is not allowed'),
    ('[[link]]\nname = "a"\nreceive = 1\nbuffer = 5\n', "unknown key link.buffer"),
])
def test_a_bad_link_is_a_clear_error(tmp_path, text, expected):
    assert expected in error_of(tmp_path, text)
