"""A fake Slack Web API on loopback that records every call.

It answers the methods tdbot uses (``auth.test``, ``chat.*``, the three steps of
``files_upload_v2``, ``conversations.info``, ``conversations.history`` over the
messages posted to it, ``views.*``, ``users.conversations`` over the memberships set
with ``join``) plus ``/hooks/<id>``, which tests
hand to the bot as a slash command's ``response_url``. The server runs in its
own thread so it keeps answering while the bot's listeners run in background
tasks; tests wait for calls with ``wait_for`` instead of sleeping.

Usage::

    with FakeSlackAPI() as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
        ...
        [call] = await slack.wait_for("/api/chat.postMessage")
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.fakes.serve import serve_in_thread

BOT_USER_ID = "UTDBOT0001"
TEAM_ID = "T0FAKE0001"


@dataclass(frozen=True)
class Call:
    """One request the fake received; ``body`` is the decoded form or JSON."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes
    at: float  # time.monotonic() on arrival

    @property
    def auth(self) -> str | None:
        return self.headers.get("authorization")

    @property
    def hook_id(self) -> str | None:
        return self.path.removeprefix("/hooks/") if self.path.startswith("/hooks/") else None


@dataclass
class _RateLimit:
    remaining: int
    retry_after: int
    path: str | None


@dataclass
class _Rejection:
    remaining: int
    error: str
    path: str | None


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    limits: list[_RateLimit] = field(default_factory=list)
    rejections: list[_Rejection] = field(default_factory=list)
    # Channel messages as conversations.history lists them, newest first.
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)


def _decode(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        loaded = json.loads(raw)
        return loaded if isinstance(loaded, dict) else {"_json": loaded}
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    return {"_bytes": len(raw)}


class FakeSlackAPI:
    """See the module docstring. ``token`` is the only bot token it accepts.

    ``socket_url`` (a FakeSocketMode URL) is what ``apps.connections.open``,
    called with ``app_token``, hands out.
    """

    def __init__(self, token: str = "xoxb-fake-token", app_token: str = "xapp-fake-token") -> None:
        self.token = token
        self.app_token = app_token
        self.socket_url: str | None = None
        self._state = _State()
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        self._base: str | None = None
        self._stack = contextlib.ExitStack()
        self._members: dict[str, list[str]] = {}  # user -> channel ids, in joining order

    # ------------------------------------------------------------ lifecycle

    def start(self) -> str:
        self._base = self._stack.enter_context(serve_in_thread(self._app()))
        return self._base

    def stop(self) -> None:
        self._stack.close()
        self._base = None

    def __enter__(self) -> FakeSlackAPI:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._base is None:
            raise RuntimeError("FakeSlackAPI is not started")
        return self._base

    @property
    def api_url(self) -> str:
        """What to pass as ``AsyncWebClient(base_url=...)`` / SLACK_API_URL."""
        return f"{self.base_url}/api/"

    def hook_url(self, hook_id: str) -> str:
        return f"{self.base_url}/hooks/{hook_id}"

    # ------------------------------------------------------------ controls

    def rate_limit(self, n: int, *, retry_after: int = 1, path: str | None = None) -> None:
        """Answer the next ``n`` calls (of ``path``, if given) with 429 + Retry-After.

        Slack sends whole seconds, and slack_sdk's retry handler parses only those.
        """
        with self._state.lock:
            self._state.limits.append(_RateLimit(n, retry_after, path))

    def reject(self, n: int, *, error: str = "invalid_blocks", path: str | None = None) -> None:
        """Refuse the next ``n`` calls (of ``path``) with Slack error code ``error``.

        Web API methods answer ``{"ok": false, "error": ...}``; hooks answer 400
        with the code as the body, as Slack's response_url does.
        """
        with self._state.lock:
            self._state.rejections.append(_Rejection(n, error, path))

    def join(self, user: str, *channels: str) -> None:
        """``user`` is in ``channels`` from now on (what ``users.conversations`` answers)."""
        with self._state.lock:
            held = self._members.setdefault(user, [])
            held.extend(c for c in channels if c not in held)

    def calls(self, path: str | None = None) -> list[Call]:
        with self._state.lock:
            return [c for c in self._state.calls if path is None or c.path == path]

    def clear(self) -> None:
        with self._state.lock:
            self._state.calls.clear()
            self._state.limits.clear()
            self._state.rejections.clear()

    def wait_for_sync(self, path: str, n: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least ``n`` calls of ``path`` arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._state.changed:
            while True:
                found = [c for c in self._state.calls if c.path == path]
                if len(found) >= n:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({c.path for c in self._state.calls})
                    raise TimeoutError(
                        f"{len(found)} of {n} calls to {path} within {timeout}s; saw {seen}"
                    )
                self._state.changed.wait(left)

    async def wait_for(self, path: str, n: int = 1, timeout: float = 5.0) -> list[Call]:
        """``wait_for_sync`` without blocking the caller's event loop."""
        return await asyncio.to_thread(self.wait_for_sync, path, n, timeout)

    # ------------------------------------------------------------ server

    def _record(self, call: Call) -> Response | None:
        """Store the call; return the 429 or rejection it must get instead of an answer."""
        with self._state.changed:
            self._state.calls.append(call)
            self._state.changed.notify_all()
            for limit in self._state.limits:
                if limit.remaining > 0 and limit.path in (None, call.path):
                    limit.remaining -= 1
                    return JSONResponse(
                        {"ok": False, "error": "ratelimited"},
                        status_code=429,
                        headers={"Retry-After": str(limit.retry_after)},
                    )
            for rejection in self._state.rejections:
                if rejection.remaining > 0 and rejection.path in (None, call.path):
                    rejection.remaining -= 1
                    if call.hook_id is not None:
                        return PlainTextResponse(rejection.error, status_code=400)
                    return JSONResponse({"ok": False, "error": rejection.error})
        return None

    def _app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            call = Call(
                method=request.method,
                path=request.url.path,
                headers={k.lower(): v for k, v in request.headers.items()},
                body={
                    **dict(request.query_params),
                    **_decode(raw, request.headers.get("content-type", "")),
                },
                raw=raw,
                at=time.monotonic(),
            )
            return self._record(call) or self._answer(call)

        return Starlette(
            routes=[
                Route("/api/{method:str}", endpoint, methods=["GET", "POST"]),
                Route("/hooks/{hook:path}", endpoint, methods=["POST"]),
                Route("/upload/{file:str}", endpoint, methods=["POST"]),
            ]
        )

    def _answer(self, call: Call) -> Response:
        if call.path.startswith("/hooks/"):
            return PlainTextResponse("ok")
        if call.path.startswith("/upload/"):
            return PlainTextResponse(f"OK - {call.body.get('_bytes', 0)}")
        method = call.path.removeprefix("/api/")
        if method == "apps.connections.open":
            if call.auth != f"Bearer {self.app_token}" or self.socket_url is None:
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            return JSONResponse({"ok": True, "url": self.socket_url})
        if call.auth != f"Bearer {self.token}":
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        body = call.body
        channel = str(body.get("channel") or body.get("channel_id") or "C0FAKE0001")
        if method == "auth.test":
            return JSONResponse(
                {
                    "ok": True,
                    "url": "https://fake.slack.com/",
                    "team": "Fake",
                    "user": "tdbot",
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "bot_id": "B0FAKE0001",
                    "is_enterprise_install": False,
                }
            )
        if method in ("chat.postMessage", "chat.update"):
            ts = body.get("ts") if method == "chat.update" else self._next_ts()
            message = {"type": "message", "ts": ts, "text": body.get("text", "")}
            if "blocks" in body:
                message["blocks"] = body["blocks"]
            if method == "chat.postMessage" and not body.get("thread_ts"):
                kept = {**message, "metadata": body.get("metadata")}
                with self._state.lock:
                    self._state.history.setdefault(channel, []).insert(0, kept)
            return JSONResponse({"ok": True, "channel": channel, "ts": ts, "message": message})
        if method == "conversations.history":
            # ``oldest`` is not applied: these ts values are not on the sandbox's clock.
            with self._state.lock:
                listed = list(self._state.history.get(channel, []))
            return JSONResponse({"ok": True, "messages": listed, "has_more": False})
        if method == "views.open":
            view = body.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return JSONResponse({"ok": True, "view": {**(view or {}), "id": "V0FAKE0001"}})
        if method == "views.publish":
            raw = body.get("view")
            home = (json.loads(raw) if isinstance(raw, str) else raw) or {}
            # Slack's own checks of a Home view: its type, and 1 to 100 blocks.
            if home.get("type") != "home" or not 0 < len(home.get("blocks") or []) <= 100:
                return JSONResponse({"ok": False, "error": "invalid_arguments"})
            return JSONResponse({"ok": True, "view": {**home, "id": "V0FAKEHOME"}})
        if method == "users.conversations":
            return self._user_conversations(body)
        if method == "chat.postEphemeral":
            return JSONResponse({"ok": True, "message_ts": self._next_ts()})
        if method == "conversations.info":
            return JSONResponse(
                {
                    "ok": True,
                    "channel": {"id": channel, "name": "fake-channel", "is_member": True},
                }
            )
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._files):09d}"
            return JSONResponse(
                {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}/upload/{file_id}"}
            )
        if method == "files.completeUploadExternal":
            files = body.get("files", "[]")
            listed = json.loads(files) if isinstance(files, str) else files
            return JSONResponse(
                {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in listed]}
            )
        return JSONResponse({"ok": False, "error": "unknown_method"})

    def _user_conversations(self, body: dict[str, Any]) -> Response:
        """Pages of the user's channels, ``limit`` at a time, as Slack's cursor paging does."""
        with self._state.lock:
            channels = list(self._members.get(str(body.get("user", "")), []))
        start = int(body.get("cursor") or 0)
        limit = int(body.get("limit") or 100)
        page = channels[start : start + limit]
        more = start + limit < len(channels)
        return JSONResponse(
            {
                "ok": True,
                "channels": [{"id": c, "name": c.lower()} for c in page],
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            }
        )

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"
