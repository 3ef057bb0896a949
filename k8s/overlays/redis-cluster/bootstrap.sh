#!/bin/sh
# Create the Redis Cluster on its fresh nodes, once; then wait until it is ok. Run by the Kubernetes
# Job redis-cluster-bootstrap and by Compose's redis-cluster-init (docker-compose.cluster.yml).
#   REDIS_NODES  the nodes, host:port separated by spaces, masters first (the first third of the
#                list gets the slots, in order; each of the others becomes the replica of one)
#   REDIS_CLUSTER_REPLICAS  replicas per master (default 1)
#   REDIS_BOOTSTRAP_TIMEOUT seconds to wait for the nodes, then for cluster_state:ok (default 300)
# Idempotent: nodes that already hold slots (a restart, a re-applied Job) are never re-created.
set -eu

nodes=${REDIS_NODES:?REDIS_NODES must list the cluster nodes (host:port ...)}
replicas=${REDIS_CLUSTER_REPLICAS:-1}
timeout=${REDIS_BOOTSTRAP_TIMEOUT:-300}

cli() { # cli host:port args...: redis-cli against one node
  address=$1
  shift
  redis-cli -h "${address%:*}" -p "${address##*:}" "$@"
}

waited=0
wait_for() { # wait_for description command...: retry the command every second until the timeout
  what=$1
  shift
  until "$@" >/dev/null 2>&1; do
    waited=$((waited + 1))
    if [ "$waited" -ge "$timeout" ]; then
      echo "redis cluster bootstrap: $what after ${timeout}s" >&2
      exit 1
    fi
    sleep 1
  done
}

answers() { cli "$1" ping | grep -q PONG; }
has_state_ok() { cli "$1" cluster info | grep -q '^cluster_state:ok'; }

for node in $nodes; do
  wait_for "no answer from $node" answers "$node"
done

first=${nodes%% *}
assigned=$(cli "$first" cluster info | sed -n 's/^cluster_slots_assigned:\([0-9]*\).*/\1/p')
if [ "$assigned" = 0 ]; then
  echo "redis cluster bootstrap: creating the cluster on $nodes"
  # shellcheck disable=SC2086 # one argument per node
  redis-cli --cluster create $nodes --cluster-replicas "$replicas" --cluster-yes
else
  echo "redis cluster bootstrap: $assigned slots already assigned: not creating it again"
fi

for node in $nodes; do
  wait_for "$node is not in an ok cluster" has_state_ok "$node"
done
echo "redis cluster bootstrap: cluster_state:ok on every node"
