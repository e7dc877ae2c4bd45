"""A simulated Treasure Data account served over real loopback HTTP (tests and demo).

``Sandbox(seed=7, now=DEFAULT_NOW, scale=None)`` builds the account; ``start()``
serves REST v3 (``/v3``), the Workflow API (``/api``) and the sandbox's own admin
endpoints (``/_sandbox``) on ``127.0.0.1:<free port>``. Everything is
deterministic for a seed: the history is replayed through the same executor that
``advance(seconds)`` drives.

The seeded account (four days of history up to ``now``):

* ten projects, dozens of workflows (some grouped, some ``Asia/Tokyo``) with
  daily and hourly schedules, hundreds of sessions, TD jobs with real-shaped
  cmdout behind every td> task, databases and tables;
* ``diagnosis_lab``: every ``corpus.FAILURE_CASES`` case as the failed attempt of
  its own workflow (``case_attempt_id(key)``), after two good runs on an older
  revision with other params;
* stories: ``ingest/daily_ingest`` failed yesterday on a transient Trino error
  and was retried into success 12 minutes later; ``ml_features/train_features``
  has run for hours; ``marketing_attribution/attribution_model`` was killed by a
  person; ``finance_reports/daily_revenue`` fails every day since a push renamed
  a column; hourly workflows fail now and then and recover on automatic retries;
  Slack mentions (``<!channel>``, ``<@U123>``) and secrets sit in some errors.

Hooks for tests and benchmarks: ``fail_next``, ``inject_failures``,
``multi_failure_attempt_id``, ``faults`` and ``requests`` (see ``Sandbox``).
"""

from bot.sandbox.clock import DEFAULT_NOW
from bot.sandbox.sandbox import Sandbox, Tick
from bot.sandbox.scale import Scale

__all__ = ["DEFAULT_NOW", "Sandbox", "Scale", "Tick"]
