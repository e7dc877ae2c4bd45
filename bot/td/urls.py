"""Console links. Paths follow td-api.md section 1.2 (some are unverified there).

For an attempt, link the **session** first: ``session_url`` is the documented
form (Digdag's own ``td>`` operator docs print it). ``attempt_url`` rests on one
third-party source and is unconfirmed: offer it only as a secondary link, next
to the session link, never instead of it.
"""

from __future__ import annotations


def job_url(console: str, job_id: str) -> str:
    return f"{console}/app/jobs/{job_id}"


def workflow_url(console: str, workflow_id: str) -> str:
    return f"{console}/app/workflows/{workflow_id}/info"


def project_url(console: str, project_id: str) -> str:
    return f"{console}/app/projects/{project_id}"


def session_url(console: str, session_id: str) -> str:
    """The primary console link of a session and of any of its attempts."""
    return f"{console}/app/workflows/sessions/{session_id}"


def attempt_url(console: str, workflow_id: str, session_id: str, attempt_id: str) -> str:
    """Secondary and unconfirmed (one third-party source): pair it with ``session_url``."""
    return f"{console}/app/workflows/{workflow_id}/sessions/{session_id}/attempt/{attempt_id}"
