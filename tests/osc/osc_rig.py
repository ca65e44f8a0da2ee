"""Helpers of the OSC front end's tests: the XR18-shaped layout, a plain OSC peer on a real UDP socket that keeps
what it receives, and the real ``xair-api`` client library connected to a server."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from support import wait_until

from mixerd.model.layout import Layout

#: An XR18-shaped mixer: 16 channels, 6 aux mixes (the last two stereo), reverb and delay.
LAYOUT = Layout.simple(16, 6, stereo_buses=2, fx=("reverb", "delay"))
#: xair-api's getters send the path and read the last message that came after ``delay`` seconds; a wait that
#: asks again (``read``) covers a machine too busy to answer within it.
DELAY = 0.15


class Peer:
    """A plain OSC client on its own UDP socket: sends messages (python-osc's codec) and keeps every message it
    receives, in order, as (path, args)."""

    def __init__(self, server: tuple[str, int], host: str = "127.0.0.1"):
        self.server = server
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)  # a burst must not overflow it
        self.sock.bind((host, 0))
        self.sock.settimeout(0.1)
        self.received: list[tuple[str, list]] = []
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        return self.sock.getsockname()

    def send(self, path: str, *args, to: tuple[str, int] | None = None) -> None:
        builder = OscMessageBuilder(path)
        for arg in args:
            builder.add_arg(arg)
        self.sock.sendto(builder.build().dgram, to or self.server)

    def ask(self, path: str, *args, timeout: float = 15.0) -> list:
        """Send and wait for the next message on ``path``; its arguments."""
        with self._cond:
            seen = len(self.received)
        self.send(path, *args)
        return self.wait_for(path, after=seen, timeout=timeout)

    def sync(self) -> None:
        """Return once the server has handled everything sent before (it answers in order)."""
        self.ask("/status")

    def wait_for(self, path: str, after: int = 0, timeout: float = 15.0) -> list:
        """The arguments of the first message on ``path`` received after the first ``after`` messages."""
        with self._cond:
            found = self._cond.wait_for(lambda: next((a for p, a in self.received[after:] if p == path), None),
                                        timeout)
        assert found is not None, f"no {path} message within {timeout} s; received {self.received[after:][-10:]}"
        return found

    def on(self, path: str) -> list[list]:
        """Every message received on ``path``, oldest first."""
        with self._cond:
            return [a for p, a in self.received if p == path]

    def count(self) -> int:
        with self._cond:
            return len(self.received)

    def _read(self) -> None:
        while not self._stop:
            try:
                data = self.sock.recv(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            message = OscMessage(data)
            with self._cond:
                self.received.append((message.address, message.params))
                self._cond.notify_all()

    def close(self) -> None:
        self._stop = True
        self._thread.join(5)
        self.sock.close()


@contextmanager
def xair(server):
    """The real X AIR client library connected to ``server`` as to an XR18 (it validates with /xinfo)."""
    import xair_api

    host, port = server.address
    with xair_api.connect("XR18", ip=host, port=port, delay=DELAY, connect_timeout=30) as mixer:
        yield mixer


def read(getter, expected, what: str) -> None:
    """Ask with ``getter`` (an xair-api property read: one query) until it answers ``expected`` (bounded). The
    library takes the last message that came within its delay as the answer: on a busy machine that may be the
    answer to an earlier question, which its conversion may not even take (a string where a float goes)."""

    def answered() -> bool:
        try:
            return getter() == expected
        except (TypeError, ValueError, IndexError):  # an earlier answer: ask again
            return False

    wait_until(answered, timeout=30, what=what)
