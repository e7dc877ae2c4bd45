"""TD REST API v3 under /v3 (td-api.md section 2)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import timedelta
from email.parser import BytesParser
from email.policy import HTTP
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox import jobs, kills, msgpack, wire
from bot.sandbox.model import Job, Store
from bot.sandbox.texts import stable_rng

if TYPE_CHECKING:
    from bot.sandbox.sandbox import Sandbox

DEFAULT_JOBS = 20
ISSUE_TYPES = frozenset({"hive", "presto", "trino", "pig", "bulkload"})
RESULT_FORMATS = frozenset({"json", "csv", "tsv", "msgpack", "msgpack.gz"})


class V3Error(Exception):
    def __init__(self, status: int, short: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.short = short
        self.message = message


def _lenient_int(value: str | None, default: int) -> int:
    """Rails' ``to_i``: a bad number reads as its digit prefix, or the default."""
    if value is None:
        return default
    digits = ""
    for char in value.strip():
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else default


async def form_params(request: Request) -> dict[str, str]:
    """POST parameters as form, multipart or query string: TD's clients use all three."""
    params = dict(request.query_params)
    body = await request.body()
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        params |= dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif kind.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + kind.encode("latin-1") + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    params[name] = payload.decode("utf-8", "replace")
    return params


class V3Api:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox

    @property
    def store(self) -> Store:
        return self.sb.world.store

    def routes(self) -> list[Route]:
        get, post = ["GET"], ["POST"]
        return [
            Route("/v3/system/server_status", self._wrap(self.server_status), methods=get),
            Route("/v3/job/list", self._wrap(self.job_list), methods=get),
            Route("/v3/job/show/{id}", self._wrap(self.job_show), methods=get),
            Route("/v3/job/status/{id}", self._wrap(self.job_status), methods=get),
            Route("/v3/job/kill/{id}", self._wrap(self.job_kill), methods=post),
            Route("/v3/job/result/{id}", self._wrap(self.job_result), methods=get),
            Route("/v3/job/issue/{type}/{db}", self._wrap(self.job_issue), methods=post),
            Route("/v3/database/list", self._wrap(self.database_list), methods=get),
            Route("/v3/database/show/{db}", self._wrap(self.database_show), methods=get),
            Route("/v3/table/list/{db}", self._wrap(self.table_list), methods=get),
            Route("/v3/account/show", self._wrap(self.account_show), methods=get),
        ]

    def _wrap(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            params = await form_params(request) if request.method == "POST" else {}
            try:
                with self.sb.lock:
                    result = handler(request, params)
            except V3Error as error:
                return JSONResponse(wire.v3_error(error.short, error.message), error.status)
            return result if isinstance(result, Response) else JSONResponse(result)

        return endpoint

    def _job(self, request: Request) -> Job:
        text = request.path_params["id"]
        job = self.store.jobs.get(int(text)) if text.isdigit() else None
        if job is None:
            raise V3Error(
                404,
                "Resource not found",
                f"Couldn't find Job with account_id = {self.store.account_id}, id = {text}",
            )
        return job

    def _console(self, request: Request) -> str:
        return str(request.base_url).rstrip("/")

    # ----------------------------------------------------------- handlers

    def server_status(self, request: Request, params: dict[str, str]) -> Any:
        return {"status": "ok"}

    def job_list(self, request: Request, params: dict[str, str]) -> Any:
        query = request.query_params
        start = _lenient_int(query.get("from"), 0)
        end = _lenient_int(query.get("to"), start + DEFAULT_JOBS - 1)
        status = query.get("status")
        chosen = (self.store.jobs[i] for i in self.store.job_index.descending(None))
        if status:
            chosen = (j for j in chosen if j.status == status)
        page = list(islice(chosen, start, max(end + 1, start)))
        console = self._console(request)
        return {
            "jobs": [wire.job(j, console, debug=False) for j in page],
            "count": max(end - start + 1, 0),  # the window asked for, as TD reports it
            "from": int(query["from"]) if query.get("from", "").isdigit() else None,
            "to": int(query["to"]) if query.get("to", "").isdigit() else None,
        }

    def job_show(self, request: Request, params: dict[str, str]) -> Any:
        return wire.job(self._job(request), self._console(request), debug=True)

    def job_status(self, request: Request, params: dict[str, str]) -> Any:
        return wire.job_status(self._job(request))

    def job_kill(self, request: Request, params: dict[str, str]) -> Any:
        job = self._job(request)
        former = kills.kill_job(self.sb.world.engine, job)
        return {"former_status": former, "job_id": str(job.id)}

    def job_issue(self, request: Request, params: dict[str, str]) -> Any:
        kind = request.path_params["type"]
        db = request.path_params["db"]
        if kind not in ISSUE_TYPES:
            raise V3Error(404, "Resource not found", f"Unknown job type: {kind}")
        if db not in self.store.databases:
            raise V3Error(404, "Resource not found", f"Couldn't find UserDatabase with name = {db}")
        query = params.get("query")
        if not query:
            raise V3Error(422, "Invalid input", "query is required")
        engine = self.sb.world.engine
        now = engine.clock.now()
        job = jobs.new_job(self.store, kind, query, db, now, stable_rng("issue", now, query))
        job.priority = _lenient_int(params.get("priority"), 0)
        job.retry_limit = _lenient_int(params.get("retry_limit"), 0)
        job.result = params.get("result", "")
        rng = stable_rng(self.sb.world.seed, "issued", job.id)
        started = now + timedelta(seconds=rng.uniform(1, 5))
        finished = started + timedelta(seconds=rng.uniform(5, 60))
        engine.at(started, partial(jobs.start_job_if_queued, job, started, rng))
        engine.at(finished, partial(jobs.finish_job_if_running, job, finished, rng))
        return {"job": str(job.id), "job_id": str(job.id), "database": db}

    def job_result(self, request: Request, params: dict[str, str]) -> Any:
        job = self._job(request)
        fmt = request.query_params.get("format", "tsv")
        if fmt not in RESULT_FORMATS:
            raise V3Error(422, "Invalid input", f"Unsupported format: {fmt}")
        header = request.query_params.get("header", "false").lower() == "true"
        rows = jobs.result_rows(job)
        columns = [c[0] for c in job.hive_result_schema or []]
        if fmt in ("msgpack", "msgpack.gz"):
            data = b"".join(msgpack.pack(row) for row in rows)
            if fmt == "msgpack.gz":
                data = gzip.compress(data, mtime=0)
            return Response(data, media_type="application/octet-stream")
        if fmt == "json":
            lines = ([json.dumps(columns)] if header else []) + [json.dumps(r) for r in rows]
            return Response("".join(line + "\n" for line in lines), media_type="application/json")
        out = io.StringIO()
        writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        if header:
            writer.writerow(columns)
        writer.writerows(rows)
        return Response(out.getvalue(), media_type=f"text/{'csv' if fmt == 'csv' else 'plain'}")

    def database_list(self, request: Request, params: dict[str, str]) -> Any:
        ordered = sorted(self.store.databases.values(), key=lambda d: d.name)
        return {"databases": [wire.database(d) for d in ordered]}

    def database_show(self, request: Request, params: dict[str, str]) -> Any:
        return wire.database(self._database(request))

    def table_list(self, request: Request, params: dict[str, str]) -> Any:
        database = self._database(request)
        return {"database": database.name, "tables": [wire.table(t) for t in database.tables]}

    def _database(self, request: Request) -> Any:
        name = request.path_params["db"]
        found = self.store.databases.get(name)
        if found is None:
            raise V3Error(
                404, "Resource not found", f"Couldn't find UserDatabase with name = {name}"
            )
        return found

    def account_show(self, request: Request, params: dict[str, str]) -> Any:
        store = self.store
        storage = sum(t.estimated_storage_size for d in store.databases.values() for t in d.tables)
        return {
            "account": {
                "id": store.account_id,
                "plan": 112,
                "storage_size": storage,
                "guaranteed_cores": 0,
                "maximum_cores": 0,
                "created_at": "2016-04-12T03:21:40Z",
                "presto_plan": 2,
            }
        }
