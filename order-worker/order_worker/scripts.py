"""The worker's Lua scripts, loaded once from the .lua files beside this module."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

import redis.asyncio as redis
from redis.commands.core import AsyncScript


def lua(name: str) -> str:
    return files(__package__).joinpath(name).read_text()


@dataclass(frozen=True)
class Scripts:
    decide_order: AsyncScript
    dead_letter: AsyncScript
    remove_idle_consumer: AsyncScript
    heartbeat: AsyncScript

    @classmethod
    def register(cls, client: redis.Redis) -> Scripts:
        return cls(
            decide_order=client.register_script(lua("decide_order.lua")),
            dead_letter=client.register_script(lua("dead_letter.lua")),
            remove_idle_consumer=client.register_script(lua("remove_idle_consumer.lua")),
            heartbeat=client.register_script(lua("heartbeat.lua")),
        )
