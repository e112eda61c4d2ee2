"""gunicorn as deployed: `gunicorn -c deploy/gunicorn.conf.py` (scripts/run and the systemd unit).

Settings come from the environment so one file serves every host: GUNICORN_BIND (default
127.0.0.1:8000; behind a proxy on the same host keep it on loopback), WEB_CONCURRENCY (worker
processes, default 2 — about one per core; each is a full copy of the app and holds its own
database connections) and the application's own SCHEDULER_CONFIG / SCHEDULER_* settings.

Logs are JSON lines on stdout/stderr (journald keeps them), written by
scheduler.logs.GunicornLogger: the access log has the request id, method, path, status,
bytes and duration, never the client's address or user agent, and every personal token in a
path or query (/my/…, /join/p/…, /calendar/p/…, ?token=…) is replaced by REDACTED, as in
the application's own log lines.
"""

import gc
import os

wsgi_app = "scheduler:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# A join or a page never takes long; a worker stuck this long is restarted.
timeout = 30
graceful_timeout = 30
# Restart workers now and then so memory stays flat (pending join counts are written first).
# Rarely: a worker takes about 1.5 s of CPU to start, and at the top of the hour, with 2,000
# requests a second, a restart every 20,000 requests cost 7 % of the CPU and the Join's p99.
max_requests = 500000
max_requests_jitter = 50000

logger_class = "scheduler.logs.GunicornLogger"
accesslog = "-"
errorlog = "-"
loglevel = "info"
proc_name = "etapaiva"


def post_worker_init(worker):
    """Once the app is loaded, move everything it built so far (the app, its routes, the
    catalogs, SQLAlchemy's mappers) out of the garbage collector's sight: a full collection
    then walks only what requests create, so it no longer pauses a Join for milliseconds."""
    gc.freeze()
