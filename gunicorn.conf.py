"""gunicorn's settings for roamx (docs/deploy.md). Every value can be changed from the environment.

    gunicorn roamx.wsgi        # reads this file from the working directory

Report rendering never runs in a web worker (it is queued for `manage.py db_worker`), so web requests
are short and sync workers are enough; `WEB_CONCURRENCY` sets how many per machine.
"""

import multiprocessing
import os

wsgi_app = "roamx.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this is stuck: the worker is restarted and the user gets a 502.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, so a slow leak in any library cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# Whose X-Forwarded-* headers to believe: the reverse proxy's address (Django's SECURE_PROXY_SSL_HEADER
# reads X-Forwarded-Proto; this lets gunicorn pass it on and log the client's address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Heartbeat files on a RAM disk where there is one: a slow disk must not make workers look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn's control socket (`gunicornc`, gunicorn 25.1 and later) only where asked for: by default it is
# made in $XDG_RUNTIME_DIR or $HOME/.gunicorn, which the service's user cannot write (ProtectSystem=strict,
# ProtectHome in roamx-web.service) and which two instances on one machine would share.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Request bodies larger than Django accepts are refused by Django; these only bound the headers.
limit_request_line = 8190
limit_request_fields = 100
