"""`timeline`: the chart goes up through Slack's three-step upload, into the asker's thread."""

from __future__ import annotations

import io
import json
import struct

import matplotlib.image

from bot.sandbox import Sandbox
from bot.td import TDClient
from tests.fakes.slack_api import Call
from tests.service.harness import CHANNEL, Running, texts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG that decodes."""
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (height, width)
    return width, height


async def uploaded(bot: Running, n: int) -> list[tuple[Call, Call, Call]]:
    """The first ``n`` uploads: (getUploadURLExternal, the upload, completeUploadExternal)."""
    urls = await bot.slack.wait_for("/api/files.getUploadURLExternal", n=n, timeout=20)
    done = await bot.slack.wait_for("/api/files.completeUploadExternal", n=n, timeout=20)
    sent = [c for c in bot.slack.calls() if c.path.startswith("/upload/")]
    return list(zip(urls[:n], sent[:n], done[:n], strict=True))


async def started_tasks(td: TDClient, attempt_id: str) -> int:
    return sum(1 for t in await td.tasks(attempt_id) if t.started_at is not None)


async def test_timeline_in_a_thread_uploads_a_png_sized_by_the_tasks(
    bot: Running, sandbox: Sandbox, td: TDClient
) -> None:
    small = sandbox.case_attempt_id("presto_cluster_out_of_memory")
    large = sandbox.multi_failure_attempt_id(12)
    counts = [await started_tasks(td, a) for a in (small, large)]
    assert counts[0] < counts[1]

    thread = "1700000400.000001"
    for attempt_id in (small, large):
        await bot.mention(f"timeline {attempt_id}", thread_ts=thread)
        await bot.slack.wait_for(
            "/api/files.completeUploadExternal", n=1 + (attempt_id == large), timeout=20
        )
    sizes = []
    for (url, upload, done), attempt_id in zip(await uploaded(bot, 2), (small, large), strict=True):
        assert url.body["filename"] == f"timeline-{attempt_id}.png"
        assert int(url.body["length"]) == len(upload.raw)
        assert upload.path == f"/upload/{json.loads(done.body['files'])[0]['id']}"
        assert done.body["channel_id"] == CHANNEL and done.body["thread_ts"] == thread
        [file] = json.loads(done.body["files"])
        assert file["title"].startswith(f"Timeline of attempt {attempt_id}: ")
        sizes.append(png_size(upload.raw))
    assert sizes[0][0] == sizes[1][0] and sizes[0][1] < sizes[1][1]  # taller with more tasks

    replies = bot.slack.calls("/api/chat.postMessage")
    assert [r.body["thread_ts"] for r in replies] == [thread, thread]
    assert f"{counts[0]} tasks drawn" in texts(replies[0])


async def test_timeline_by_slash_command_uploads_to_the_channel(
    bot: Running, sandbox: Sandbox
) -> None:
    attempt_id = sandbox.case_attempt_id("presto_cluster_out_of_memory")
    answer = await bot.ask(f"timeline {attempt_id}")
    assert answer.body["response_type"] == "in_channel"
    assert f"Timeline of attempt {attempt_id}" in texts(answer)
    [(_, upload, done)] = await uploaded(bot, 1)
    assert done.body["channel_id"] == CHANNEL and "thread_ts" not in done.body
    png_size(upload.raw)


async def test_a_refused_upload_is_explained(bot: Running, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("presto_cluster_out_of_memory")
    bot.slack.reject(1, error="not_in_channel", path="/api/files.getUploadURLExternal")
    hook = await bot.slash(f"timeline {attempt_id}")
    [answer, missing] = await bot.slack.wait_for(hook, n=2, timeout=20)
    assert f"Timeline of attempt {attempt_id}" in texts(answer)
    assert missing.body["response_type"] == "ephemeral"
    assert "The chart could not be uploaded" in texts(missing)
    assert "not_in_channel" in texts(missing) and "/invite @tdbot" in texts(missing)
    assert bot.slack.calls("/api/files.completeUploadExternal") == []
