"""serving_mode 'worker' through deploys (README, "Serving modes" and "Deploys"): the
README's deploy tests run again with every server in worker mode, where a reload stops
each worker's front, which holds its own clients' connections. Keep-alive clients that
go on sending get their next answer with `Connection: close` and reconnect to a new
worker; none sees a connection closed under its request.
"""
from __future__ import annotations


# The README's deploy tests, collected again in this module, where every server runs in worker mode.
from test_deploys import *  # noqa: F401,F403


# conftest.py runs every server of this module in this serving_mode.
SERVING_MODE = "worker"
