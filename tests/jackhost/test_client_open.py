"""Opening a JACK client is bounded: a server that accepts but never answers (here: stopped with SIGSTOP) makes
the open fail within its time, not hang the supervisor, the daemon's start or a probe for good."""

from __future__ import annotations

import os
import signal

import pytest
from support import jackd_pids, wait_until

from mixerd.jackhost.server import JackOpenHung, open_client

pytestmark = pytest.mark.jack


def test_an_open_that_never_returns_fails_in_time_and_no_second_one_piles_up(jack_server):
    open_client("first", jack_server).close()
    [pid] = jackd_pids(jack_server)
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(JackOpenHung, match="did not return in 2 s: the server does not answer"):
            open_client("frozen", jack_server, timeout=2.0)
        # while that open still waits in libjack, the next one is refused at once instead of queueing behind it
        with pytest.raises(JackOpenHung, match="has not returned yet"):
            open_client("second", jack_server, timeout=60.0)
    finally:
        os.kill(pid, signal.SIGCONT)

    # The server answers again: the late open returns (its thread closes that client) and opening works.
    def opens() -> bool:
        try:
            open_client("after", jack_server, timeout=10.0).close()
        except JackOpenHung:
            return False
        return True

    wait_until(opens, timeout=30, what="a client open once the server answers again")
