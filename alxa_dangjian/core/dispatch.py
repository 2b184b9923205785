"""Handing work to the broker without letting an unreachable broker break the request.

A service commits its job row first and sends the task on commit (a worker must find the row).
If the broker cannot be reached then, the row stays committed and unsent: `send` logs it and
returns False, the service records that the row was not sent, and the beat sweeper
(alxa_dangjian.core.sweeper) sends it once the broker answers again. Nothing waits forever and
the request still answers with a page.
"""

import logging

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What a user is told about work committed while the broker was down.
NOT_SENT = "后台任务服务暂时无法连接，任务已登记，服务恢复后将自动开始。"


def send(task, *args) -> bool:
    """`task.delay(*args)`; False (logged) when the broker cannot be reached. Eagerly (no
    broker configured) the task runs here and its own errors propagate as usual."""
    # A transport may let its own connection errors through unwrapped; eagerly, those are
    # the task's own errors and must propagate.
    unreachable = (BrokerError,)
    if not task.app.conf.task_always_eager:
        unreachable += (RedisConnectionError, RedisTimeoutError, OSError)
    try:
        task.delay(*args)
    except unreachable as error:
        logger.warning("broker unreachable, %s%s left to the sweeper: %s", task.name, args, error)
        return False
    return True
