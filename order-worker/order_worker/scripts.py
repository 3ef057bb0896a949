"""The worker's Lua scripts, loaded once from the .lua files beside this module.

On a Redis Cluster, redis-py sends a script's EVALSHA to the node of its KEYS' slot (it refuses KEYS of
two slots) and loads the script there on a NOSCRIPT: every script's KEYS are one shard's, or {consumers}."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from redis.commands.core import AsyncScript

from ticketing_common import lifecycle


def lua(name: str) -> str:
    return files(__package__).joinpath(name).read_text()


@dataclass(frozen=True)
class Scripts:
    decide_order: AsyncScript
    dead_letter: AsyncScript
    remove_idle_consumer: AsyncScript
    forget_consumer: AsyncScript
    heartbeat: AsyncScript
    start_payment: AsyncScript
    confirm: AsyncScript
    release: AsyncScript
    expire_holds: AsyncScript
    record_refund: AsyncScript

    @classmethod
    def register(cls, client: Any) -> Scripts:  # redis.asyncio Redis or RedisCluster
        return cls(
            decide_order=client.register_script(lua("decide_order.lua")),
            dead_letter=client.register_script(lua("dead_letter.lua")),
            remove_idle_consumer=client.register_script(lua("remove_idle_consumer.lua")),
            forget_consumer=client.register_script(lua("forget_consumer.lua")),
            heartbeat=client.register_script(lua("heartbeat.lua")),
            start_payment=client.register_script(lifecycle.lua("start_payment.lua")),
            confirm=client.register_script(lifecycle.lua("confirm_order.lua")),
            release=client.register_script(lifecycle.lua("release_order.lua")),
            expire_holds=client.register_script(lifecycle.lua("expire_holds.lua")),
            record_refund=client.register_script(lua("record_refund.lua")),
        )
