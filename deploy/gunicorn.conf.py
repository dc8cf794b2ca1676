"""gunicorn's settings for SEN Track in production: `gunicorn -c deploy/gunicorn.conf.py "sentrack:create_app()"`.

Each setting can be changed without editing this file, through the environment the service
starts with (deploy/sentrack-web.service). docs/operations.md says how they fit PostgreSQL's
connection limit.
"""

import multiprocessing
import os

# Where the proxy in front reaches the app: loopback, or the server's private address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers, each serving one request at a time with its own pool of database
# connections. The app's time is split between Python and waiting on PostgreSQL, so two workers a
# core keep the cores busy without queueing requests behind one another.
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * multiprocessing.cpu_count())))

# A request that takes longer than this is killed and its worker replaced: the slowest pages
# (a pupil's subject access export, a CTF import of 2,000 pupils) finish well within it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On a restart (SIGHUP, or systemd's stop), requests in flight get this long to finish.
graceful_timeout = 30
# Behind a proxy that keeps connections to the app open between requests.
keepalive = 5

# Workers are started afresh now and then, so that no worker grows for ever.
max_requests = 2000
max_requests_jitter = 200

# The app decides which X-Forwarded-* headers to believe (PROXY_HOPS, through werkzeug's
# ProxyFix in sentrack/proxies.py); gunicorn is told to believe none itself, so that one setting
# says how many proxies are trusted.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "")

# No control socket: its default path is one per user, which two servers of one machine (or any
# other gunicorn of the same user) would fight over; systemd's signals are what manage the server.
control_socket_disable = True

# Logs to standard error, which systemd's journal keeps. The access log holds paths and
# statuses, never a form's contents (no pupil details are put in a URL).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
