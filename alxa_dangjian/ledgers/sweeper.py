"""Export jobs queued while the broker was down, or left by a lost worker (core.sweeper)."""

from alxa_dangjian.core.sweeper import register

from .services import sweep_exports

register("exports")(sweep_exports)
