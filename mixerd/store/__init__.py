"""Persistence: the SQLite database (WAL) with state, history, scenes, safes and versions."""

from mixerd.store.database import DB_NAME, MAX_ROW_ID, Change, Scene, Store, Write

__all__ = ["DB_NAME", "MAX_ROW_ID", "Change", "Scene", "Store", "Write"]
