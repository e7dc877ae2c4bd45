"""``Sandbox``: a simulated Treasure Data account served over real loopback HTTP."""

from __future__ import annotations

import gc
import pickle
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from starlette.applications import Starlette

from bot.sandbox.api_admin import AdminApi
from bot.sandbox.api_v3 import V3Api
from bot.sandbox.api_workflow import WorkflowApi
from bot.sandbox.cases import FailureCase
from bot.sandbox.clock import DEFAULT_NOW, Clock
from bot.sandbox.corpus import FAILURE_CASES
from bot.sandbox.faults import Faults
from bot.sandbox.incidents import INCIDENTS, Incident
from bot.sandbox.lab import inject_failures, multi_failure_attempt, run_case_now, seed_lab
from bot.sandbox.model import Attempt, WorkflowDef
from bot.sandbox.requestlog import RequestLog
from bot.sandbox.scale import Scale, add_bulk
from bot.sandbox.seed import (
    HISTORY,
    World,
    account_key,
    new_world,
    seed_databases,
    seed_projects,
)
from bot.sandbox.server import Gate, ServerThread, http_error
from bot.td.regions import Endpoints


@dataclass(frozen=True)
class Tick:
    """What one ``advance`` did."""

    now: datetime
    started: list[str]  # attempt ids created during the tick
    finished: list[str]  # attempt ids that ended during the tick


class SchedulerFaults:
    """``sb.faults.schedules``: TD's scheduler lagging or stalled (bot.sandbox.scheduling)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sb = sandbox

    def lag(self, seconds: float, workflow: str | None = None) -> None:
        with self._sb.lock:
            self._sb.world.life.schedules.set_lag(seconds, self._key(workflow))

    def stall(self, workflow: str | None = None) -> None:
        with self._sb.lock:
            self._sb.world.life.schedules.stall(self._key(workflow))

    def clear(self) -> None:
        with self._sb.lock:
            self._sb.world.life.schedules.clear()

    def _key(self, workflow: str | None) -> tuple[int, str] | None:
        if workflow is None:
            return None
        found = self._sb.workflow(workflow)
        return (found.project.id, found.name)


def build_world(seed: int, now: datetime, scale: Scale | None) -> World:
    # Hundreds of thousands of small objects, none of them garbage yet: the cyclic
    # collector's passes would only slow the build (by a fifth at benchmark scale).
    collecting = gc.isenabled()
    gc.disable()
    try:
        world = new_world(seed, now, scale.history if scale is not None else HISTORY)
        seed_databases(world, now)
        seed_projects(world, now)
        seed_lab(world, now, FAILURE_CASES)
        if scale is not None:
            add_bulk(world, now, scale)
        world.engine.run_until(now)
    finally:
        if collecting:
            gc.enable()
    return world


# A seeded world depends only on (seed, now, scale): the first build is pickled and
# later sandboxes unpickle a private copy, several times faster than replaying the
# history (the test fixture makes one sandbox per test).
_TEMPLATES: dict[tuple[int, datetime, Scale | None], bytes] = {}
_TEMPLATES_LOCK = threading.Lock()


def seeded_world(seed: int, now: datetime, scale: Scale | None) -> World:
    key = (seed, now, scale)
    if scale is not None:
        return build_world(seed, now, scale)  # too big to keep a second copy around
    with _TEMPLATES_LOCK:
        blob = _TEMPLATES.get(key)
        if blob is None:
            blob = pickle.dumps(build_world(seed, now, scale), protocol=pickle.HIGHEST_PROTOCOL)
            _TEMPLATES[key] = blob
    world: World = pickle.loads(blob)  # noqa: S301 - our own bytes, made just above
    return world


class Sandbox:
    """The seeded account (deterministic from ``seed``), its clock, faults and server."""

    def __init__(
        self,
        seed: int = 7,
        now: datetime | None = None,
        scale: Scale | None = None,
        *,
        port: int = 0,
    ) -> None:
        """``port=0`` picks a free port (tests); ``tdbot sandbox`` asks for a fixed one."""
        self.seed = seed
        self.port = port
        self.lock = threading.RLock()
        self.world = seeded_world(seed, now or DEFAULT_NOW, scale)
        self.api_key = account_key(seed)
        self.faults = Faults()
        self.faults.schedules = SchedulerFaults(self)
        self.requests = RequestLog()
        self.workflow_api = WorkflowApi(self)
        self.v3_api = V3Api(self)
        routes = [*self.v3_api.routes(), *self.workflow_api.routes(), *AdminApi(self).routes()]
        handlers = {404: http_error, 405: http_error}
        self.app = Gate(Starlette(routes=routes, exception_handlers=handlers), self)
        self._server: ServerThread | None = None
        self._finished: list[Attempt] = []
        self._multi: dict[int, int] = {}
        self.world.engine.on_attempt_done.append(self._finished.append)

    # ------------------------------------------------------------ serving

    def start(self) -> str:
        """Serve on 127.0.0.1 (a free port); returns the base URL once it accepts connections."""
        if self._server is None:
            server = ServerThread(self.app, self.port)
            server.start()
            self._server = server
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://127.0.0.1:{self._server.port}"

    def endpoints(self) -> Endpoints:
        """One host serves v3, the Workflow API and the "console" links."""
        return Endpoints(api=self.url, workflow=self.url, console=self.url, region=None)

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # --------------------------------------------------------------- time

    @property
    def clock(self) -> Clock:
        return self.world.engine.clock

    def advance(self, seconds: float) -> Tick:
        """Move time on: schedules fire, runs progress, fail, get retried."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self.lock:
            engine = self.world.engine
            index = self.world.store.attempt_index.ids
            known = len(index)
            self._finished.clear()
            self.world.life.start_pending(seconds)
            engine.run_until(engine.clock.now() + timedelta(seconds=seconds))
            return Tick(
                engine.clock.now(),
                [str(i) for i in index[known:]],
                [str(a.id) for a in self._finished],
            )

    def hang(self, workflow: str) -> None:
        """Runs of ``project/workflow`` started from now on stay running on their first
        (td>) leaf, its TD job too, until ``release``."""
        with self.lock:
            self.world.life.hang(self.workflow(workflow))

    def release(self, workflow: str) -> None:
        """Hanging runs of ``workflow`` move on now; later runs do not hang."""
        with self.lock:
            self.world.life.release(self.workflow(workflow))

    def set_disable_after(self, failures: int | None) -> None:
        """TD disables the schedule after this many consecutive failed scheduled sessions
        (None: never, the default; TD's number is UNVERIFIED)."""
        if failures is not None and failures < 1:
            raise ValueError("disable_after must be at least 1")
        with self.lock:
            self.world.life.schedules.disable_after = failures

    def schedule_id(self, workflow: str) -> str:
        """The id of the schedule of ``project/workflow``."""
        with self.lock:
            found = self.workflow(workflow)
            for schedule in self.world.store.schedules.values():
                if schedule.project is found.project and schedule.workflow_name == found.name:
                    return str(schedule.id)
        raise LookupError(f"{workflow!r} has no schedule")

    def set_attempt_limit(self, limit: int | None) -> None:
        """TD's account-wide limit of running attempts (None: none). Attempts queued
        under it (``allowQueueing``) start as running ones end, or now if it rose."""
        if limit is not None and limit < 0:
            raise ValueError("the attempt limit cannot be negative")
        with self.lock:
            self.world.engine.attempt_limit = limit
            self.world.engine.start_queued()

    def delete_attempt(self, attempt_id: str) -> None:
        """TD no longer has the attempt (deleted, or no longer kept): every endpoint of
        it answers 404 "Resource does not exist: session attempt id=<id>", listings leave
        it out (its session too, when it had no other attempt) and its run stops. How
        TD comes to delete a running attempt is UNVERIFIED; what it answers is not."""
        with self.lock:
            attempt = self.world.store.attempts.get(int(attempt_id))
            if attempt is None:
                raise LookupError(f"no attempt {attempt_id}")
            self.world.store.remove_attempt(attempt)
            engine = self.world.engine
            if attempt in engine.queue:
                engine.queue.remove(attempt)
            engine.start_queued()

    # ------------------------------------------------------------ scenarios

    def case_attempt_id(self, case_key: str) -> str:
        """The attempt that realises the corpus case ``case_key``."""
        with self.lock:
            attempt_id = self.world.case_attempts.get(case_key)
        if attempt_id is None:
            raise KeyError(f"no failure case {case_key!r}")
        return str(attempt_id)

    def case_attempt_ids(self) -> dict[str, str]:
        with self.lock:
            return {key: str(value) for key, value in self.world.case_attempts.items()}

    def workflow(self, ref: str) -> WorkflowDef:
        """``project/workflow``, or a workflow name that only one project has."""
        project_name, _, name = ref.rpartition("/")
        with self.lock:
            found = [
                w
                for p in self.world.store.projects.values()
                if not project_name or p.name == project_name
                for w in p.workflows.values()
                if w.name == name
            ]
        if len(found) != 1:
            raise LookupError(f"{ref!r} names {len(found)} workflows; use project/workflow")
        return found[0]

    def fail_next(self, workflow: str, case_key: str) -> None:
        """At the next ``advance``, a run of ``workflow`` starts and fails like ``case_key``
        (a corpus case or an incident), within that tick."""
        failure: FailureCase | Incident | None = INCIDENTS.get(case_key) or next(
            (c for c in FAILURE_CASES if c.key == case_key), None
        )
        if failure is None:
            raise KeyError(f"no failure case or incident {case_key!r}")
        with self.lock:
            self.world.life.fail_next(self.workflow(workflow), failure)

    def run_case_now(self, case: FailureCase, params: dict[str, Any]) -> str:
        """A run of a new lab workflow, started now with ``params``, that fails like ``case``
        (played out by the next ``advance``)."""
        with self.lock:
            return str(run_case_now(self.world, case, params).id)

    def inject_failures(self, count: int) -> list[str]:
        """``count`` failed attempts right now, across the account (benchmarks)."""
        with self.lock:
            return [str(a.id) for a in inject_failures(self.world, FAILURE_CASES, count)]

    def multi_failure_attempt_id(self, failing: int) -> str:
        """An attempt (made now, once per count) with ``failing`` failed tasks."""
        with self.lock:
            if failing not in self._multi:
                attempt = multi_failure_attempt(self.world, FAILURE_CASES, failing)
                self._multi[failing] = attempt.id
            return str(self._multi[failing])

    def last_attempt_id(self, workflow: str) -> str | None:
        with self.lock:
            found = self.workflow(workflow)
            index = self.world.store.workflow_attempts.get((found.project.id, found.name))
            return str(index.ids[-1]) if index and index.ids else None
