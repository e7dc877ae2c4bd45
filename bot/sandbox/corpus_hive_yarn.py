"""Failure corpus: Hive on Tez, where YARN's container kills hide in vertex diagnostics.

YARN texts are from Hadoop's ContainersMonitorImpl (``is running beyond physical
memory limits`` in Hadoop 2, ``is running <n>B beyond the 'PHYSICAL' memory limit``
in Hadoop 3) and ContainerExitStatus (-100 aborted, -102 pre-empted, -103/-104
virtual/physical memory); the Tez/Hive framing (``Vertex failed, ...
diagnostics=[...]``, ``return code 2 from ...TezTask``) from Tez and Hive's TezTask.
"""

from __future__ import annotations

from bot.sandbox.cases import FailureCase
from bot.sandbox.corpus_make import hive_job

_APP = "1717200000000_223344"
_SRC = "apache/hadoop ContainersMonitorImpl + ContainerExitStatus; apache/tez vertex diagnostics"
_BODY = (
    "INSERT OVERWRITE TABLE user_paths\n"
    "SELECT user_id, collect_list(path) AS paths\n"
    "FROM pageviews\n"
    "WHERE TD_TIME_RANGE(time, '2024-01-01', '2024-06-01')\n"
    "GROUP BY user_id"
)


def _vertex(inner: str, vertex: str = "Reducer 2") -> str:
    """Tez's one-line vertex failure as Hive prints it, ``inner`` the attempt diagnostics."""
    vid = f"vertex_{_APP}_1_01"
    head = (
        f"Vertex failed, vertexName={vertex}, vertexId={vid}, diagnostics=[Task failed, "
        f"taskId=task_{_APP}_1_01_000007, diagnostics=[TaskAttempt 0 failed, info=[{inner}]], "
        f"Vertex did not succeed due to OWN_TASK_FAILURE, failedTasks:1 killedTasks:3, "
        f"Vertex {vid} [{vertex}] killed/failed due to:OWN_TASK_FAILURE]"
    )
    return (
        f"Status: Failed\n{head}\n"
        "DAG did not succeed due to VERTEX_FAILURE. failedVertices:1 killedVertices:0\n"
        "FAILED: Execution Error, return code 2 from org.apache.hadoop.hive.ql.exec.tez.TezTask. "
        f"{head}"
    )


def _physical_hadoop3() -> FailureCase:
    container = f"container_e12_{_APP}_01_000042"
    inner = (
        f"Container {container} finished with diagnostics set to [Container failed, "
        "exitCode=-104. [2024-06-01 02:44:12.118]Container [pid=31877,containerID="
        f"{container}] is running 421527552B beyond the 'PHYSICAL' memory limit. Current "
        "usage: 4.4 GB of 4 GB physical memory used; 6.1 GB of 8.4 GB virtual memory used. "
        "Killing container."
    )
    return hive_job(
        "hive_yarn_physical_memory_kill",
        "td> Hive: YARN kills a reducer container over its physical memory (Hadoop 3 text)",
        _BODY,
        _vertex(inner),
        started_at="2024-06-01T02:30:00Z",
        source=_SRC,
    )


def _physical_hadoop2() -> FailureCase:
    container = f"container_{_APP}_01_000007"
    inner = (
        f"Container [pid=4242,containerID={container}] is running beyond physical memory "
        "limits. Current usage: 4.1 GB of 4 GB physical memory used; 6.3 GB of 8.4 GB virtual "
        "memory used. Killing container. Container killed on request. Exit code is 143"
    )
    return hive_job(
        "hive_yarn_running_beyond_physical",
        "td> Hive: a map container runs beyond physical memory limits (Hadoop 2 text)",
        _BODY,
        _vertex(inner, "Map 1"),
        started_at="2024-06-01T02:31:00Z",
        source=_SRC,
    )


def _preempted() -> FailureCase:
    container = f"container_e12_{_APP}_01_000051"
    inner = (
        f"Container {container} finished with diagnostics set to [Container failed, "
        "exitCode=-102. Container preempted by scheduler"
    )
    return hive_job(
        "hive_yarn_preempted",
        "td> Hive: the scheduler pre-empts the container of a failing task attempt",
        _BODY,
        _vertex(inner),
        started_at="2024-06-01T02:32:00Z",
        retry_recovers=True,
        source=_SRC + " (PREEMPTED = -102)",
    )


def _vertex_no_cause() -> FailureCase:
    inner = (
        f"Error: Error while running task ( failure ) : attempt_{_APP}_1_01_000007_3:"
        "java.lang.RuntimeException: Hive Runtime Error while closing operators"
    )
    return hive_job(
        "hive_tez_vertex_failed_no_cause",
        "td> Hive: the vertex failed and the text names no cause tdbot knows",
        _BODY,
        _vertex(inner),
        started_at="2024-06-01T02:33:00Z",
        source="apache/hive TezTask (return code 2); Hive 'Hive Runtime Error while closing "
        "operators'",
    )


def _invalid_column() -> FailureCase:
    return hive_job(
        "hive_invalid_column_reference",
        "td> Hive: a column renamed upstream",
        "SELECT user_id, net_amount\nFROM purchases",
        "FAILED: SemanticException [Error 10004]: Line 7:16 Invalid table alias or column "
        "reference 'net_amount': (possible column names are: user_id, amount, time)",
        started_at="2024-06-01T02:34:00Z",
        source="apache/hive ErrorMsg.INVALID_TABLE_OR_COLUMN (10004)",
    )


HIVE_YARN_CASES: tuple[FailureCase, ...] = (
    _physical_hadoop3(),
    _physical_hadoop2(),
    _preempted(),
    _vertex_no_cause(),
    _invalid_column(),
)
