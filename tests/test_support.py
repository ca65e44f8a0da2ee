"""The tests' own harness where a mistake in it fails whole runs: JACK server names."""

from __future__ import annotations

from support import dead_jack_servers, jackd_pids, kill_and_wait, next_test, running_jackd, unique_server_name

KILLS = 10  # more than JACK2's table of 8 servers holds


def test_jackds_killed_with_sigkill_do_not_fill_jacks_server_table(tmp_path):
    """Every jackd killed leaves its row in JACK2's registry; the next test's server takes that name (and row)
    again, so a run that kills more jackds than the table holds still starts them ("Too many servers already
    active" was a CI run's failure)."""
    names = []
    for _ in range(KILLS):
        next_test()
        with running_jackd(tmp_path, name=unique_server_name()) as name:
            names.append(name)
            kill_and_wait(jackd_pids(name))  # as a JACK-restart test does: no chance to unregister
        assert name in dead_jack_servers()
    assert len(set(names)) < KILLS, names
    next_test()
    with running_jackd(tmp_path, name=unique_server_name()) as name:
        assert jackd_pids(name)


def test_a_name_is_not_handed_out_twice_within_a_test(tmp_path):
    """A dead server's name is handed out once per test: a test that asks for two servers gets two names, even
    before either has started."""
    next_test()
    with running_jackd(tmp_path, name=unique_server_name()) as killed:
        kill_and_wait(jackd_pids(killed))
    next_test()
    first, second = unique_server_name(), unique_server_name()
    assert first != second
    assert killed in (first, second)
