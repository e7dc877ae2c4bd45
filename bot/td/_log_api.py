"""The task-log part of the Workflow API half of ``TDClient``: list, stream, join."""

from __future__ import annotations

import zlib

import httpx

from bot.td import _validate as check
from bot.td import errors
from bot.td._decode import invalid, many
from bot.td._http import HttpSession
from bot.td._logs import MAX_LOG_BYTES, read_log
from bot.td.models import LogFile


class LogApi:
    """Mixed into ``TDClient``, which sets ``_workflow`` (the Workflow API base) and ``_http``."""

    _workflow: str
    _http: HttpSession

    async def log_files(self, attempt_id: int | str, task: str | None = None) -> list[LogFile]:
        """Log files by file name; ``task`` is TD's *prefix* match on the file name."""
        template = "/api/logs/{id}/files"
        path = {"id": check.entity_id(attempt_id, "attempt_id")}
        # The pre-signed ``direct`` URLs are never used: TD need not sign any.
        named = check.optional_name(task, "task")
        params = {"task": named} if named is not None else {}
        params["direct_download"] = "false"
        response = await self._http.send("GET", self._workflow, template, path=path, params=params)
        return many(response, template, "files", LogFile)

    async def log_text(
        self, attempt_id: int | str, file_name: str, *, limit: int = MAX_LOG_BYTES
    ) -> str:
        """One log file, gunzipped and decoded (invalid UTF-8 replaced) as it streams
        in, cut at ``limit`` decoded bytes (TD serves files up to 512 MB)."""
        template = "/api/logs/{id}/files/{file_name}"
        path = {
            "id": check.entity_id(attempt_id, "attempt_id"),
            "file_name": check.name(file_name, "file_name"),
        }
        response = await self._http.send("GET", self._workflow, template, path=path, stream=True)
        try:
            return await read_log(response.aiter_bytes(), limit)
        except zlib.error as exc:
            raise invalid(template, f"log file is not valid gzip: {exc}") from None
        except httpx.TransportError as exc:
            raise errors.Unavailable(
                f"log file download broke off: {type(exc).__name__}",
                status=response.status_code,
                method="GET",
                path=template,
            ) from None
        finally:
            await response.aclose()

    async def task_log(self, attempt_id: int | str, full_name: str) -> str:
        """The whole log of exactly one task (not of its namesakes or children)."""
        wanted = check.name(full_name, "task full_name")
        files = await self.log_files(attempt_id, task=wanted)
        parts: list[str] = []
        for handle in sorted(files, key=lambda f: f.file_name):
            if handle.task_name != wanted:
                continue
            text = await self.log_text(attempt_id, handle.file_name)
            parts.append(text if not text or text.endswith("\n") else text + "\n")
        return "".join(parts)
