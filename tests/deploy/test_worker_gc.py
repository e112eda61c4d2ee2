"""A gunicorn worker hides what loading the app built from the garbage collector.

Measured on the national benchmark: a full collection of a freshly loaded worker walks about
150,000 objects and takes tens of milliseconds, which showed up as the p99 of ``/go`` at 50
clients. After ``gc.freeze()`` it walks only what requests leave behind.
"""

from __future__ import annotations

import gc
import runpy

from tests.deploy.servers import ROOT


def test_post_worker_init_freezes_what_the_app_built(app):
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 1000  # the app, its routes and mappers at least
    finally:
        gc.unfreeze()
