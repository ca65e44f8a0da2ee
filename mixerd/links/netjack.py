"""netjack2 as a link's engine (``engine = "netjack2"``): JACK's own network audio, loaded into jackd.

netjack2 has a master and boxes that join it. The master's link has no ``peer``: mixerd loads ``netmanager`` into
its jackd (once, for every link other boxes join), listening on the link's UDP ``port``. When a box joins, the
manager makes a JACK client of the name the box announces — ``link-<name>``, the link's name being the same on both
boxes — with ``to_slave_N`` ports (what the master sends it) and ``from_slave_N`` (what it receives), and removes it
when that box goes. The joining box's link names the master as ``peer``: mixerd loads ``netadapter`` into its jackd
as ``link-<name>``, pointed at the master's address; its ``capture_N`` ports carry what the master sends, its
``playback_N`` what this box sends, resampled between the master's clock and this box's interface — so each box
keeps its own interface, as with zita-njbridge.

Each internal client is loaded by a ``jack_load -w`` process of mixerd's: it keeps the client loaded while it runs
and unloads it when stopped (SIGTERM, which is also what the guard sends when mixerd dies), so it is supervised like
a bridge process. A loader that outlives its server (a restarted jackd) says so and is replaced; a client left
loaded by a loader killed with -9 is unloaded before the next load.

netjack2 says what its stream does only in jackd's output, which mixerd reads from a jackd it started
(``JackHost.server_output``): the joining box's state (waiting for the master, connected) and its dropouts (the
adapter's buffer ran dry). The master sees a box join and go in its JACK graph, whoever started jackd.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from mixerd.config import LinkConfig
from mixerd.links.zita import StreamState
from mixerd.system.children import GuardedPopen, end

log = logging.getLogger(__name__)

#: The manager's client name on the master's jackd (one for every link that box is the master of).
MANAGER = "mixerd-netmanager"
#: Periods of the master the network may take (netadapter -l): two is netjack2's own default.
NETWORK_CYCLES = 2
#: The adapter's resampler (netadapter -q: 0 linear … 4 best sinc); 2, the fastest sinc, is clean and light on a Pi.
QUALITY = 2
# jack_load's words when its server went away (it then sleeps on, its client gone with the server).
_SERVER_GONE = ("read fail", "Cannot read socket", "CheckRes error")
#: A dropout is counted at most once per quarter second (the adapter complains once per period it ran dry).
DROPOUT_S = 0.25


class Loader:
    """An internal client kept loaded in a jackd by a ``jack_load -w`` process: started, read, stopped."""

    def __init__(self, client: str, module: str, init: Callable[[], str], server: str | None):
        self.client, self.module, self.server = client, module, server
        self._init = init
        self.starts = 0
        self.last_exit: str | None = None
        self.server_lost = False
        self.next_start = 0.0
        self.pause = 0.0
        self._argv: list[str] = []
        self._proc: subprocess.Popen | None = None
        self._tail: deque[str] = deque(maxlen=8)

    def argv(self) -> list[str]:
        """The command line of the last start (``jack_load -w [-s server] <client> <module> -i <options>``)."""
        return self._argv

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and not self.server_lost

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Load the client (raises OSError when ``jack_load`` cannot run or the options cannot be made — an
        address that does not resolve)."""
        init = self._init()
        self._unload_stale()
        self._argv = ["jack_load", "-w", *(["-s", self.server] if self.server else []), self.client, self.module,
                      "-i", init]
        self.server_lost = False
        self._tail.clear()
        self._proc = GuardedPopen(self._argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.starts += 1
        threading.Thread(target=self._read, args=(self._proc,), name="mixerd-link-load", daemon=True).start()

    def stop(self, timeout: float = 3.0) -> None:
        """Unload the client (the loader's SIGTERM) and end the loader."""
        proc, self._proc = self._proc, None
        if proc is not None:
            end(proc, timeout)

    def exited(self) -> str | None:
        """Why the loader ended (its exit code and last words), once it has; None while it runs."""
        if self._proc is None or self.alive:
            return None
        if self.server_lost:
            self.stop()  # it would sleep on without its server
            self.last_exit = f"jack_load of {self.module}: the JACK server went away"
            return self.last_exit
        tail = " / ".join(line for line in self._tail if line)
        self.last_exit = (f"jack_load of {self.module} exited with {self._proc.returncode}"
                          + (f": {tail}" if tail else ""))
        return self.last_exit

    def _unload_stale(self) -> None:
        """Unload a client of our name that no loader of ours keeps (its loader was killed): loading would fail."""
        try:
            subprocess.run(["jack_unload", self.client, *([self.server] if self.server else [])],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.debug("link: jack_unload %s: %s", self.client, exc)

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self._tail.append(line.strip())
            log.debug("link (%s): %s", self.client, line.rstrip())
            if any(words in line for words in _SERVER_GONE):
                self.server_lost = True


@dataclass
class NetjackStream(StreamState):
    """A netjack2 link's stream: on the master from its graph (``seen``), on a joining box from jackd's output
    (``read``); ``state`` is "running" where neither says more than that the adapter is loaded."""

    _last_dropout = -1e9

    def __post_init__(self) -> None:
        # the count at the start: "dropouts since" needs a point before the first (only dropouts are noted here)
        self.history.append((self.since, 0))

    def read(self, line: str, now: float) -> None:
        """Take one line of jackd's output (the netadapter's words)."""
        if "Waiting for a master" in line:
            self._to("waiting", now)
        elif "Initializing connection with" in line:
            self.sender = line.rsplit("with", 1)[1].strip(" .\n")
            self._to("receiving", now)
        elif "connection lost" in line or "NetAdapter is restarted" in line:
            if self.state == "receiving":
                self.resyncs += 1
            self._to("waiting", now)
        elif "producer too slow" in line or "consumer too slow" in line:
            if now - self._last_dropout >= DROPOUT_S:
                self._last_dropout = now
                self.dropouts += 1
                self.history.append((now, self.dropouts))

    def to_state(self, state: str, now: float) -> None:
        """What the end can tell without netjack2's words ("running": loaded; "starting")."""
        self._to(state, now)

    def seen(self, present: bool, now: float) -> None:
        """The master's view: whether the joining box's client is in the graph now."""
        if present:
            self._to("receiving", now)
        elif self.state == "receiving":
            self.dropouts += 1  # it was there and went: its audio stopped
            self.history.append((now, self.dropouts))
            self._to("waiting", now)
        elif self.state == "starting":
            self._to("waiting", now)


class NetjackEnd:
    """A link's netjack2 end: the joining box's adapter, or the master's share of the manager. It carries both
    directions; ``recv_ports``/``send_ports`` are its JACK ports by channel."""

    role = "netjack2"

    def __init__(self, link: LinkConfig, server: str | None, sends: int, manager: Loader | None,
                 rate: Callable[[], int], clock: Callable[[], float] = time.monotonic):
        self.link, self.sends, self.receives = link, sends, link.receive
        self.master = not link.peer
        self.client_name = f"link-{link.name}"
        self.stream = NetjackStream(since=clock())
        #: whether jackd's output is read for this end (a jackd of ours, and the only adapter on it)
        self.reads_output = False
        #: the master's view of the joining box: how many channels it takes (its client's to_slave ports)
        self.other_receives: int | None = None
        self._rate = rate
        if self.master:
            assert manager is not None
            self.loader = manager
        else:
            self.loader = Loader(self.client_name, "netadapter", self._adapter_options, server)
        prefix = f"{self.client_name}:"
        self.recv_ports = [prefix + (f"from_slave_{k}" if self.master else f"capture_{k}")
                           for k in range(1, self.receives + 1)]
        self.send_ports = [prefix + (f"to_slave_{k}" if self.master else f"playback_{k}") for k in range(1, sends + 1)]

    @property
    def alive(self) -> bool:
        return self.loader.alive

    @property
    def starts(self) -> int:
        return self.loader.starts

    @property
    def last_exit(self) -> str | None:
        return self.loader.last_exit

    def stop(self) -> None:
        """Unload this end's client (the master's manager is stopped by its owner, once)."""
        if not self.master:
            self.loader.stop()
        self.stream.state = "stopped"

    def ring_frames(self) -> int:
        """The adapter's ring buffer (netadapter -g), which it keeps half full: the power of two (any other size
        carries silence) at least twice the link's buffer."""
        frames = max(2 * round(self.link.buffer_ms * self._rate() / 1000), 256)
        return 1 << (frames - 1).bit_length()

    def latency_ms(self, period: int, rate: int) -> float:
        """What netjack2 adds: the adapter's buffer and the network's periods (this box's period standing for the
        master's)."""
        return round(self.ring_frames() / 2 / rate * 1000 + NETWORK_CYCLES * period / rate * 1000, 2)

    def _adapter_options(self) -> str:
        # netadapter takes an IPv4 address (a name would be read as 0.0.0.0): resolve the peer at every start.
        address = socket.gethostbyname(self.link.peer)
        return (f"-a {address} -p {self.link.send_port} -C {self.receives} -P {self.sends} -n {self.client_name} "
                f"-l {NETWORK_CYCLES} -q {QUALITY} -g {self.ring_frames()}")


def manager_options(port: int) -> str:
    """The netmanager's options: the UDP port it listens on."""
    return f"-p {port}"
