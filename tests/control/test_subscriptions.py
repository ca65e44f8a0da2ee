"""Subscriptions: bounded per-subscriber queues, lag instead of blocking, thread and asyncio waits."""

import asyncio
import threading

import pytest

from mixerd.control import Control, Lagged
from mixerd.model import Layout, ParamTree


@pytest.fixture
def control():
    return Control(ParamTree.from_layout(Layout.simple(2, 1, generators=1)))


def test_slow_subscriber_lags_while_others_get_everything(control):
    slow = control.subscribe(maxsize=4)
    fast = control.subscribe(maxsize=100)
    for i in range(10):
        control.set("ch/1/fader", -float(i), "rest")  # never blocks although `slow` never reads
    assert slow.lagged
    with pytest.raises(Lagged):
        slow.get_nowait()
    assert not slow.lagged
    assert [fast.get_nowait().seq for _ in range(10)] == list(range(1, 11))
    assert fast.get_nowait() is None and not fast.lagged


def test_resync_after_lag(control):
    sub = control.subscribe(maxsize=2)
    for i in range(5):
        control.set("ch/1/fader", -float(i), "rest")
    with pytest.raises(Lagged):
        sub.get(timeout=1)
    seq, values = control.state()  # the documented resync
    assert values["ch/1/fader"] == -4.0 and seq == 5
    control.set("ch/2/fader", -1, "ws")
    received = []
    while (event := sub.get_nowait()) is not None:
        if event.seq > seq:
            received.append(event)
    assert [(e.seq, e.address) for e in received] == [(6, "ch/2/fader")]


def test_subscription_only_sees_later_events(control):
    control.set("ch/1/mute", True, "rest")
    sub = control.subscribe()
    control.set("ch/1/mute", False, "rest")
    assert sub.get_nowait().seq == 2


def test_get_waits_for_an_event_from_another_thread(control):
    sub = control.subscribe()
    setter = threading.Thread(target=control.set, args=("main/mute", True, "mqtt"))
    setter.start()
    event = sub.get(timeout=10)
    setter.join(timeout=10)
    assert (event.address, event.value, event.origin) == ("main/mute", True, "mqtt")


def test_get_times_out_with_none(control):
    assert control.subscribe().get(timeout=0.01) is None


def test_close_wakes_a_blocked_reader(control):
    sub = control.subscribe()
    result = []
    reader = threading.Thread(target=lambda: result.append(sub.get()))
    reader.start()
    sub.close()
    reader.join(timeout=10)
    assert not reader.is_alive() and result == [None]
    control.set("main/mute", True, "rest")
    assert sub.get_nowait() is None and sub.closed


def test_context_manager_unsubscribes(control):
    with control.subscribe() as sub:
        assert control.health()["control"]["subscribers"] == 1
    assert sub.closed
    assert control.health()["control"]["subscribers"] == 0


def test_asyncio_consumer_is_woken_from_another_thread(control):
    async def consume():
        sub = control.subscribe()
        loop = asyncio.get_running_loop()
        # the change happens on a worker thread, like a REST handler or the MQTT client
        loop.run_in_executor(None, control.set, "ch/2/pan", 50, "rest")
        first = await sub.get_async(timeout=10)
        loop.run_in_executor(None, control.set, "ch/2/pan", -50, "ws")
        second = await sub.get_async(timeout=10)
        return first, second

    first, second = asyncio.run(consume())
    assert (first.seq, first.value, second.seq, second.value) == (1, 50.0, 2, -50.0)


def test_asyncio_consumer_sees_queued_events_and_lag(control):
    async def consume():
        sub = control.subscribe(maxsize=1)
        control.set("ch/1/fader", -1, "rest")
        got = await sub.get_async(timeout=10)
        control.set("ch/1/fader", -2, "rest")
        control.set("ch/1/fader", -3, "rest")
        with pytest.raises(Lagged):
            await sub.get_async(timeout=10)
        return got, await sub.get_async(timeout=0.01)

    got, after = asyncio.run(consume())
    assert got.value == -1.0 and after is None


class CountingLoop(asyncio.SelectorEventLoop):
    """A real event loop that counts how often another thread woke it."""

    wakeups = 0

    def call_soon_threadsafe(self, *args, **kwargs):
        CountingLoop.wakeups += 1
        return super().call_soon_threadsafe(*args, **kwargs)


def test_a_burst_wakes_a_waiting_asyncio_consumer_once_not_per_event(control):
    """Every event of a burst from another thread reaches the consumer in order, and a consumer that waits is woken
    once per burst, not once per event (each wake-up is a write to the loop's self-pipe: 16 phones × every change).
    The loop's thread is held while each burst is made, so the count cannot depend on how fast either side is."""
    bursts, size = 20, 100

    async def consume():
        sub = control.subscribe(maxsize=4096)
        got = []
        for b in range(bursts):
            waiting = asyncio.ensure_future(sub.get_async(timeout=10))
            await asyncio.sleep(0)  # the consumer is waiting now
            burst = threading.Thread(target=lambda: [control.set("ch/1/fader", -float(n % 60), "rest")
                                                     for n in range(b * size + 1, (b + 1) * size + 1)])
            burst.start()
            burst.join(30)  # the loop's thread is held meanwhile: the whole burst arrives while the consumer waits
            first = await waiting
            assert first is not None
            got.append(first.seq)
            while len(got) < (b + 1) * size:
                event = await sub.get_async(timeout=10)
                assert event is not None, f"only {len(got)} of {bursts * size} events came"
                got.append(event.seq)
        return got

    CountingLoop.wakeups = 0
    with asyncio.Runner(loop_factory=CountingLoop) as runner:
        got = runner.run(consume())
    assert got == list(range(1, bursts * size + 1))
    assert CountingLoop.wakeups <= bursts, CountingLoop.wakeups


def test_maxsize_must_be_positive(control):
    with pytest.raises(ValueError):
        control.subscribe(maxsize=0)
