"""Slack front end: Bolt AsyncApp wiring, HTTP (ASGI) and Socket Mode serving.

The only package that imports slack_bolt.
"""

from bot.slack.app import create_app
from bot.slack.http import Health, HealthCheck, create_asgi_app, serve_http
from bot.slack.runtime import Bot, build_bot, run_socket_mode

__all__ = [
    "Bot",
    "Health",
    "HealthCheck",
    "build_bot",
    "create_app",
    "create_asgi_app",
    "run_socket_mode",
    "serve_http",
]
