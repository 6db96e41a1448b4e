"""The app as gunicorn serves it, counting the database queries of each webhook request into
Redis (`benchbot:queries`, `benchbot:requests`) for bench/telegram_bot.py. A measurement
device, not part of the platform."""

from __future__ import annotations

import os

import redis
from django.db import connection

from config.wsgi import application as app

_redis = redis.Redis.from_url(os.environ["REDIS_URL"])


def application(environ, start_response):
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        result = app(environ, start_response)
    if environ.get("PATH_INFO") == "/telegram/webhook":
        pipe = _redis.pipeline()
        pipe.incrby("benchbot:queries", count)
        pipe.incr("benchbot:requests")
        pipe.execute()
    return result
