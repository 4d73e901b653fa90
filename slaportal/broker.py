"""The Redis transport of Celery here: kombu's, made to survive losing Redis.

Why (issue 12, item 2). When the worker loses Redis, Celery's consumer tears the old broker
connection down (`Connection.collect()`, then `close()`), which detaches the kombu transport
from its connection (`transport.client = None`). A channel of that connection can outlive
it: one whose close failed half-way (closing a channel that was waiting in BRPOP reads the
dead socket first and raises, so the channels after it are never closed), or the channel a
running late-acknowledged task will acknowledge on. When such a channel is touched again
(its QoS restoring the unacknowledged messages it holds, logged as "Restoring 1
unacknowledged message(s)", or an acknowledgement) it asks for a new Redis connection pool,
and kombu builds the pool parameters from `self.connection.client.hostname`: the
AttributeError ("'NoneType' object has no attribute 'hostname'") is not one of the
transport's connection errors, so Celery treats it as unrecoverable and the worker exits.

The fix keeps kombu's transport and changes just that: a detached channel raises the
transport's own connection error (which every caller already handles: the consumer
reconnects, an acknowledgement is logged as not sent), and its QoS does not try to restore
messages through the dead connection. Nothing is lost by skipping that restore: the Redis
transport keeps every delivered, unacknowledged message in Redis (the `unacked` hash) and
puts it back on its queue after `visibility_timeout` (`restore_visible`), and every task
here is an idempotent unit.

Selected by `CELERY_BROKER_TRANSPORT` (settings) whenever the broker is Redis.
"""

import logging

import redis
from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)


def _detached(channel) -> bool:
    """The channel's connection was torn down (closed or collected) under it."""
    transport = getattr(channel, "connection", None)
    return transport is None or getattr(transport, "client", None) is None


class QoS(kombu_redis.QoS):
    """Does not restore through a connection that is gone (see the module docstring)."""

    def restore_unacked(self, client=None):
        if client is None and _detached(self.channel):
            logger.warning(
                "broker connection gone: %d unacknowledged message(s) stay in Redis and are "
                "redelivered after the visibility timeout",
                len(self._delivered),
            )
            self._delivered.clear()
            return None
        return super().restore_unacked(client)


class Channel(kombu_redis.Channel):
    """A detached channel fails with a connection error instead of an AttributeError."""

    QoS = QoS

    def _connparams(self, asynchronous=False):
        if _detached(self):
            raise redis.exceptions.ConnectionError(
                "this broker channel's connection was closed (Redis was lost); reconnecting"
            )
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    """kombu's Redis transport with the channel above."""

    Channel = Channel
