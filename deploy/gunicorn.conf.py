"""gunicorn settings for Linli (docs/deployment.md). Everything can be overridden by the
environment: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Processes × threads: about 2 processes per core, 4 threads each (Django's database
# connections are per thread; PgBouncer keeps the server side small).
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter), capping slow leaks.
max_requests = 5000
max_requests_jitter = 500
# Linli logs one JSON line per request itself (request id, user id, timings).
accesslog = None
errorlog = "-"
loglevel = "info"
# nginx's address: X-Forwarded-* are read by Django (LINLI_TRUSTED_PROXY_COUNT), not gunicorn.
forwarded_allow_ips = "127.0.0.1"
proc_name = "linli-web"
wsgi_app = "config.wsgi:application"
