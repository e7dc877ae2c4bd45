"""Task logs: listing by file-name prefix, raw gzip downloads, direct links (td-api 3.11)."""

from __future__ import annotations

import gzip
import re

import httpx

from bot.sandbox import Sandbox
from tests.sandbox.shapes import INSTANT, json_of

FILE_NAME = re.compile(r"^(\+[^@]+)@[0-9a-f]{16}\.\d+@ip-\d+-\d+-\d+-\d+\.log\.gz$")
# failures.md 1.1: stamp, level, (thread) with site:project:session:attempt, class, message.
LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \+0000 \[(INFO|WARN|ERROR|DEBUG)\] "
    r"\(\d{4}@\[31245:(?P<project>[\w]+):(?P<session>\d+):(?P<attempt>\d+)\](?P<task>\+\S+)\) "
    r"[\w.$]+: "
)


def test_files_are_sorted_named_and_sized(api: httpx.Client, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    files = json_of(api.get(f"/api/logs/{attempt_id}/files"))["files"]
    names = [f["fileName"] for f in files]
    assert names == sorted(names) and len(names) >= 3
    for item in files:
        assert set(item) == {"fileName", "fileSize", "taskName", "fileTime", "agentId", "direct"}
        match = FILE_NAME.match(item["fileName"])
        assert match and match.group(1) == item["taskName"]
        assert item["fileName"].endswith(f".{item['agentId']}.log.gz")
        assert INSTANT.match(item["fileTime"])
        data = api.get(f"/api/logs/{attempt_id}/files/{item['fileName']}")
        assert data.headers["content-type"] == "application/gzip"
        assert "content-encoding" not in data.headers  # raw .gz, not transport encoding
        assert len(data.content) == item["fileSize"]
        assert gzip.decompress(data.content)


def test_task_filter_is_a_file_name_prefix(api: httpx.Client, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    every = json_of(api.get(f"/api/logs/{attempt_id}/files"))["files"]
    task = "+presto_missing_column+aggregate"
    mine = json_of(api.get(f"/api/logs/{attempt_id}/files", params={"task": task}))["files"]
    assert mine and {f["taskName"] for f in mine} == {task}
    assert len(mine) == 2  # the start of the run, then the failure from a later poll
    # A prefix, not a task name: the root's name matches every file.
    root = json_of(api.get(f"/api/logs/{attempt_id}/files", params={"task": "+presto"}))
    assert root["files"] == every
    assert json_of(api.get(f"/api/logs/{attempt_id}/files", params={"task": "+x"}))["files"] == []


def test_log_text_is_framed_like_digdag(api: httpx.Client, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    attempt = json_of(api.get(f"/api/attempts/{attempt_id}"))
    task = "+presto_missing_column+aggregate"
    files = json_of(api.get(f"/api/logs/{attempt_id}/files", params={"task": task}))["files"]
    text = "".join(
        gzip.decompress(api.get(f"/api/logs/{attempt_id}/files/{f['fileName']}").content).decode()
        for f in files
    )
    framed = [m for m in map(LINE.match, text.splitlines()) if m]
    assert framed
    for match in framed:
        assert match["project"] == "diagnosis_lab"
        assert match["session"] == attempt["sessionId"] and match["attempt"] == attempt_id
        assert match["task"] == task
    job_id = json_of(api.get(f"/api/attempts/{attempt_id}/tasks"))["tasks"][2]["stateParams"][
        "job"
    ]["jobId"]
    assert f"Started presto job id={job_id}:" in text
    assert f"Task {task} failed." in text
    assert f"> TD job {job_id} failed with status ERROR (td job)" in text
    assert "-- task_name: +presto_missing_column+aggregate" in text  # continuation lines kept
    assert "{" + "job_id}" not in text and "{task}" not in text


def test_missing_file_and_attempt_are_404(api: httpx.Client, sandbox: Sandbox) -> None:
    attempt_id = sandbox.case_attempt_id("presto_missing_column")
    assert api.get(f"/api/logs/{attempt_id}/files/+nope@0.1@h.log.gz").status_code == 404
    assert api.get("/api/logs/999999999/files").status_code == 404


def test_direct_links_need_no_td_auth(
    api: httpx.Client, anon: httpx.Client, sandbox: Sandbox
) -> None:
    attempt_id = sandbox.case_attempt_id("py_key_error_env")
    files = json_of(api.get(f"/api/logs/{attempt_id}/files"))["files"]
    item = files[-1]
    direct = anon.get(item["direct"])
    assert direct.status_code == 200
    assert direct.content == api.get(f"/api/logs/{attempt_id}/files/{item['fileName']}").content
    forged = anon.get(item["direct"].replace("X-Amz-Signature=", "X-Amz-Signature=0"))
    assert forged.status_code == 403
    plain = json_of(api.get(f"/api/logs/{attempt_id}/files", params={"direct_download": "false"}))
    assert {f["direct"] for f in plain["files"]} == {None}
