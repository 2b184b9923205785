"""Year-end runs queued while the broker was down, or whose chunks lost their worker
(core.sweeper)."""

from alxa_dangjian.core.sweeper import register

from .services.runs import sweep_runs

register("assessment-runs")(sweep_runs)
