"""What the routes need, built once per app: settings, the Redis client, the catalogue, the scripts."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import current_app
from redis.commands.core import Script

from ticketing_common import keys

from .catalogue import Catalogue, CatalogueCache
from .direct_script import DirectScript
from .events import CatalogueScripts
from .scaling import KubernetesScaling
from .settings import GatewaySettings
from .waiting_room import AdmissionRule, RoomCaches, TokenSettings


@dataclass
class Services:
    settings: GatewaySettings
    redis: redis.Redis
    # The catalogue of events as this process last read it from Redis (`catalogue` below: its latest
    # snapshot), and the organisers' scripts (events.py).
    catalogues: CatalogueCache
    catalogue_scripts: CatalogueScripts
    # The order path's shards (REDIS_SHARDS, keys.Shards).
    shards: keys.Shards
    enqueue_order: DirectScript
    start_payment: Script
    release_order: Script
    openapi: dict
    # The waiting rooms (waiting_room.py), one per event: their scripts, this process's cached view of
    # each room (rooms(eventId), made on first use), the admission tokens' secret and rotation,
    # admit.lua's constants.
    join_room: Script
    admit_room: Script
    rooms: RoomCaches
    tokens: TokenSettings
    admission_rule: AdmissionRule
    # The HPA reader when the gateway runs in a Kubernetes pod; None elsewhere (see scaling.py).
    kubernetes: KubernetesScaling | None = None

    @property
    def catalogue(self) -> Catalogue:
        """The latest catalogue snapshot: reloaded when the version changes, checked at most once a second."""
        return self.catalogues.get()


def services() -> Services:
    return current_app.extensions["ticketing"]
