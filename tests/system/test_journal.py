"""Logging goes to the journal when systemd runs mixerd (JOURNAL_STREAM is set), to stderr otherwise."""

from __future__ import annotations

import logging

import pytest

from mixerd.system import setup_logging


@pytest.fixture
def root_logger():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield root
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_under_systemd_logs_go_to_the_journal(monkeypatch, root_logger):
    from systemd.journal import JournalHandler

    monkeypatch.setenv("JOURNAL_STREAM", "8:123456")
    assert setup_logging("warning") == "journal"
    assert [type(h) for h in root_logger.handlers] == [JournalHandler] and root_logger.level == logging.WARNING


def test_by_hand_logs_go_to_stderr(monkeypatch, root_logger):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    assert setup_logging("debug") == "stderr"
    [handler] = root_logger.handlers
    assert type(handler) is logging.StreamHandler and root_logger.level == logging.DEBUG
