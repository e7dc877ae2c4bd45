"""The sandbox's own endpoints under /_sandbox (no TD auth): faults, clock, request log.

Also the "S3" link that log listings hand out as ``direct``: like TD's pre-signed
URLs it needs no TD1 header, only its signature.
"""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from bot.sandbox.sandbox import Sandbox


class AdminApi:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox

    def routes(self) -> list[Route]:
        return [
            Route("/_sandbox/requests", self.requests, methods=["GET"]),
            Route("/_sandbox/faults", self.faults, methods=["POST"]),
            Route("/_sandbox/reset-faults", self.reset_faults, methods=["POST"]),
            Route("/_sandbox/advance", self.advance, methods=["POST"]),
            Route("/_sandbox/fail-next", self.fail_next, methods=["POST"]),
            Route("/_sandbox/cases", self.cases, methods=["GET"]),
            Route("/_sandbox/s3/log/{attempt}/{file_name}", self.direct_log, methods=["GET"]),
        ]

    async def requests(self, request: Request) -> Response:
        prefix = request.query_params.get("path_prefix")
        records = [
            r.as_json()
            for r in self.sb.requests.records
            if prefix is None or r.path.startswith(prefix)
        ]
        return JSONResponse({"records": records, "count": len(records)})

    async def faults(self, request: Request) -> Response:
        data = await _json(request)
        faults = self.sb.faults
        try:
            if data.get("clear"):
                faults.clear()
            if "latency" in data:
                faults.latency = float(data["latency"])
            if isinstance(data.get("fail"), dict):
                rule = data["fail"]
                faults.fail(
                    int(rule.get("n", 1)), int(rule.get("status", 500)), rule.get("path_prefix")
                )
            if isinstance(data.get("rate_limit"), dict):
                rule = data["rate_limit"]
                faults.rate_limit(
                    int(rule.get("n", 1)),
                    float(rule.get("retry_after", 1.0)),
                    rule.get("path_prefix"),
                )
            if isinstance(data.get("lag_schedules"), dict):
                rule = data["lag_schedules"]
                faults.lag_schedules(float(rule.get("seconds", 0)), rule.get("workflow"))
            if isinstance(data.get("stall_schedules"), dict):
                faults.stall_schedules(data["stall_schedules"].get("workflow"))
        except (TypeError, ValueError, LookupError) as error:
            return JSONResponse({"message": str(error), "status": 400}, 400)
        return JSONResponse({"latency": faults.latency})

    async def reset_faults(self, request: Request) -> Response:
        self.sb.faults.clear()
        return JSONResponse({"latency": 0.0})

    async def advance(self, request: Request) -> Response:
        data = await _json(request)
        try:
            tick = self.sb.advance(float(data.get("seconds", 0)))
        except (TypeError, ValueError) as error:
            return JSONResponse({"message": str(error), "status": 400}, 400)
        return JSONResponse(
            {"now": tick.now.isoformat(), "started": tick.started, "finished": tick.finished}
        )

    async def fail_next(self, request: Request) -> Response:
        data = await _json(request)
        try:
            self.sb.fail_next(str(data.get("workflow", "")), str(data.get("case", "")))
        except (KeyError, LookupError, ValueError) as error:
            return JSONResponse({"message": str(error), "status": 400}, 400)
        return JSONResponse({"queued": True})

    async def cases(self, request: Request) -> Response:
        return JSONResponse(self.sb.case_attempt_ids())

    async def direct_log(self, request: Request) -> Response:
        attempt_id = request.path_params["attempt"]
        name = request.path_params["file_name"]
        signature = request.query_params.get("X-Amz-Signature", "")
        api = self.sb.workflow_api
        if not attempt_id.isdigit() or not hmac.compare_digest(
            signature, api.sign(int(attempt_id), name)
        ):
            return Response(_s3_error("SignatureDoesNotMatch"), 403, media_type="application/xml")
        with self.sb.lock:
            attempt = self.sb.world.store.attempts.get(int(attempt_id))
            files = [f for t in attempt.tasks for f in t.logs] if attempt else []
            found = next((f for f in files if f.file_name == name), None)
            data = found.gz if found else None
        if data is None:
            return Response(_s3_error("NoSuchKey"), 404, media_type="application/xml")
        return Response(data, media_type="application/gzip")


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _s3_error(code: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code></Error>'
