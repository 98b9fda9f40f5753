"""serving_mode 'worker' through deploys (README, "Serving modes" and "Deploys"): the
README's deploy tests run again with every server in worker mode, where a reload stops
each worker's front, which holds its own clients' connections. Keep-alive clients that
go on sending get their next answer with `Connection: close` and reconnect to a new
worker; none sees a connection closed under its request.
"""
from __future__ import annotations

import pytest

# The README's deploy tests, collected again in this module, where every server runs in worker mode.
from test_deploys import *  # noqa: F401,F403


@pytest.fixture(autouse=True)
def worker_mode(monkeypatch):
    """Every server of this module serves in worker mode."""
    monkeypatch.setenv("LARAVELS_SERVING_MODE", "worker")
