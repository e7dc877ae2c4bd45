"""The REST API v3 half of ``TDClient`` (jobs, databases, account), and the GET both halves use."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import httpx

from bot.td import _validate as check
from bot.td._decode import field, invalid, many, one, validate
from bot.td._http import HttpSession
from bot.td.models import Account, Database, Job, JobKillResult, JobStatus, JobStatusSummary, Table


class V3Api:
    """Mixed into ``TDClient``, which sets ``_api`` (the v3 base URL) and ``_http``."""

    _api: str
    _http: HttpSession

    async def server_status(self) -> str:
        template = "/v3/system/server_status"
        status = field(await self._get(self._api, template), template, "status")
        if not isinstance(status, str):
            raise invalid(template, "'status' is not a string")
        return status

    async def jobs(
        self, status: JobStatus | str | None = None, offset: int = 0, limit: int = 20
    ) -> list[Job]:
        """Jobs newest first: ``limit`` (1..100) of them from index ``offset``."""
        status_param = _job_status_filter(status)
        first = check.offset(offset)
        count = check.page_size(limit, "limit")
        page = (await self._jobs_page(status_param, first, count))[:count]
        return _with_status(page, status_param)

    def iter_jobs(
        self, status: JobStatus | str | None = None, page_size: int = 100
    ) -> AsyncIterator[Job]:
        """Jobs newest first, paged by offset: a job issued meanwhile shifts the pages
        by one, so a long walk can see a job twice (v3 has no id cursor)."""
        return self._iter_jobs(_job_status_filter(status), check.page_size(page_size))

    async def _iter_jobs(self, status: str | None, page_size: int) -> AsyncIterator[Job]:
        offset = 0
        while True:
            page = await self._jobs_page(status, offset, page_size)
            for job in _with_status(page, status):
                yield job
            if len(page) < page_size:
                return
            offset += len(page)

    async def _jobs_page(self, status: str | None, offset: int, count: int) -> list[Job]:
        template = "/v3/job/list"
        # ``to`` is inclusive (td-api §2.3).
        params = {"from": str(offset), "to": str(offset + count - 1)}
        if status is not None:
            params["status"] = status
        return many(await self._get(self._api, template, params=params), template, "jobs", Job)

    async def job(self, job_id: int | str) -> Job:
        """``/v3/job/show``: the job with ``debug.cmdout`` / ``debug.stderr``."""
        template = "/v3/job/show/{id}"
        path = {"id": check.entity_id(job_id, "job_id")}
        return one(await self._get(self._api, template, path=path), template, Job)

    async def job_status(self, job_id: int | str) -> JobStatusSummary:
        template = "/v3/job/status/{id}"
        path = {"id": check.entity_id(job_id, "job_id")}
        return one(await self._get(self._api, template, path=path), template, JobStatusSummary)

    async def kill_job(self, job_id: int | str) -> JobKillResult:
        """Killing a finished job is no error: see ``JobKillResult.already_finished``."""
        template = "/v3/job/kill/{id}"
        path = {"id": check.entity_id(job_id, "job_id")}
        response = await self._http.send("POST", self._api, template, path=path)
        return one(response, template, JobKillResult)

    async def databases(self) -> list[Database]:
        template = "/v3/database/list"
        return many(await self._get(self._api, template), template, "databases", Database)

    async def tables(self, database: str) -> list[Table]:
        template = "/v3/table/list/{database}"
        path = {"database": check.name(database, "database")}
        return many(await self._get(self._api, template, path=path), template, "tables", Table)

    async def account(self) -> Account:
        template = "/v3/account/show"
        body = field(await self._get(self._api, template), template, "account")
        return validate(body, template, Account)

    async def _get(
        self,
        base: str,
        template: str,
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return await self._http.send("GET", base, template, path=path, params=params)


def _params(**values: str | int | None) -> dict[str, str]:
    return {key: str(value) for key, value in values.items() if value is not None}


def _with_status(jobs: list[Job], status: str | None) -> list[Job]:
    """TD documents only some ``status`` filters of /v3/job/list; one it ignores must
    not pass other jobs off as matching."""
    return jobs if status is None else [j for j in jobs if j.status.value == status]


def _job_status_filter(status: JobStatus | str | None) -> str | None:
    if status is None:
        return None
    parsed = JobStatus(status) if isinstance(status, str) else status
    if not isinstance(parsed, JobStatus) or parsed is JobStatus.UNKNOWN:
        known = ", ".join(s.value for s in JobStatus if s is not JobStatus.UNKNOWN)
        raise ValueError(f"status must be one of {known}, got {status!r}")
    return parsed.value
