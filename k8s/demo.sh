#!/usr/bin/env bash
# `make k8s-demo`: deploy the ticketing system to the current kubectl context, start load through
# the workload generator, and print the commands that watch the autoscaling happen.
#
# Needs: kubectl, a cluster with metrics-server (and KEDA for OVERLAY=keda); docker to build the
# images (BUILD=0 skips it); kind, minikube or k3d to load them into a local cluster, or images
# the cluster can pull. docs/deploy.md explains every step this script takes.
#
# Settings (environment variables):
#   OVERLAY=local         k8s/overlays/<OVERLAY> to apply: local (CPU HPAs) or keda (lag-based workers)
#   BUILD=1               build the six images from this checkout (0: use what is there)
#   LOAD_INTO=auto        how the images reach the nodes: kind | minikube | k3d | none;
#                         auto picks from the context's name (kind-*, minikube, k3d-*), else none
#   KIND_CLUSTER=kind     cluster name for `kind load` (default: the context's name less "kind-")
#   RPS=300               requests per second of the demo's load
#   DURATION_S=600        how long the load runs (seconds), then it stops by itself
#   FRONTEND_PORT=8080    local port forwarded to the frontend
#   GENERATOR_PORT=9000   local port forwarded to the workload generator
#   TIMEOUT=300s          how long to wait for each rollout
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

NAMESPACE=ticketing
OVERLAY="${OVERLAY:-local}"
BUILD="${BUILD:-1}"
LOAD_INTO="${LOAD_INTO:-auto}"
RPS="${RPS:-300}"
DURATION_S="${DURATION_S:-600}"
FRONTEND_PORT="${FRONTEND_PORT:-8080}"
GENERATOR_PORT="${GENERATOR_PORT:-9000}"
TIMEOUT="${TIMEOUT:-300s}"
SERVICES=(api-gateway order-worker workload-generator payment-provider live-updates frontend)
PIDFILE="${TMPDIR:-/tmp}/ticketing-k8s-demo.port-forward.pids"
LOGDIR="${TMPDIR:-/tmp}/ticketing-k8s-demo"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'k8s-demo: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed (${2:-see docs/deploy.md})"; }

need kubectl "https://kubernetes.io/docs/tasks/tools/"
need curl
[[ -d "k8s/overlays/$OVERLAY" ]] || die "no overlay k8s/overlays/$OVERLAY (use local or keda)"

context="$(kubectl config current-context 2>/dev/null)" || die "kubectl has no current context: create a cluster first (kind create cluster)"
kubectl cluster-info >/dev/null 2>&1 || die "the cluster of context '$context' does not answer"
say "Deploying overlay '$OVERLAY' to context '$context'"

# ---- prerequisites the manifests rely on ----
if ! kubectl get apiservice v1beta1.metrics.k8s.io >/dev/null 2>&1; then
  echo "WARNING: metrics-server is not installed: the HPAs will show <unknown> and never scale." >&2
  echo "         Install it (kind needs --kubelet-insecure-tls), see docs/deploy.md:" >&2
  echo "         kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml" >&2
fi
if [[ "$OVERLAY" == "keda" ]] && ! kubectl get crd scaledobjects.keda.sh >/dev/null 2>&1; then
  die "OVERLAY=keda needs KEDA in the cluster: helm install keda kedacore/keda --namespace keda --create-namespace"
fi

# ---- images ----
images=()
for svc in "${SERVICES[@]}"; do images+=("ticketing/$svc:latest"); done

if [[ "$BUILD" == "1" ]]; then
  need docker "https://docs.docker.com/get-docker/"
  for svc in "${SERVICES[@]}"; do
    say "Building ticketing/$svc:latest"
    # The Python services share one template, given the service and its port (as in
    # docker-compose.yml); the frontend has a Dockerfile of its own.
    case "$svc" in
      api-gateway) build=(-f docker/python-service.Dockerfile --build-arg SERVICE="$svc" --build-arg PORT=8000) ;;
      order-worker) build=(-f docker/python-service.Dockerfile --build-arg SERVICE="$svc" --build-arg PORT=8001) ;;
      workload-generator) build=(-f docker/python-service.Dockerfile --build-arg SERVICE="$svc" --build-arg PORT=9000) ;;
      payment-provider) build=(-f docker/python-service.Dockerfile --build-arg SERVICE="$svc" --build-arg PORT=8002) ;;
      live-updates) build=(-f docker/python-service.Dockerfile --build-arg SERVICE="$svc" --build-arg PORT=8003) ;;
      *) build=(-f "$svc/Dockerfile") ;;
    esac
    docker build "${build[@]}" -t "ticketing/$svc:latest" .
  done
fi

if [[ "$LOAD_INTO" == "auto" ]]; then
  case "$context" in
    kind-*) LOAD_INTO=kind ;;
    minikube) LOAD_INTO=minikube ;;
    k3d-*) LOAD_INTO=k3d ;;
    *) LOAD_INTO=none ;;
  esac
fi
case "$LOAD_INTO" in
  kind)
    need kind "https://kind.sigs.k8s.io/"
    cluster="${KIND_CLUSTER:-${context#kind-}}"
    say "Loading the images into kind cluster '$cluster'"
    kind load docker-image --name "$cluster" "${images[@]}"
    ;;
  minikube)
    need minikube
    say "Loading the images into minikube"
    for image in "${images[@]}"; do minikube image load "$image"; done
    ;;
  k3d)
    need k3d
    say "Importing the images into k3d cluster '${context#k3d-}'"
    k3d image import --cluster "${context#k3d-}" "${images[@]}"
    ;;
  none)
    echo "Not loading images: the nodes must already have ${images[*]}"
    echo "(Docker Desktop shares its images; for a remote cluster push them and set images: in an overlay)."
    ;;
  *) die "LOAD_INTO must be auto, kind, minikube, k3d or none (got '$LOAD_INTO')" ;;
esac

# ---- deploy ----
existed=0
kubectl get namespace "$NAMESPACE" >/dev/null 2>&1 && existed=1
say "Applying k8s/overlays/$OVERLAY"
kubectl apply -k "k8s/overlays/$OVERLAY"
if [[ "$existed" == "1" && "$BUILD" == "1" ]]; then
  # Same tag, new image: the running pods must be replaced to use it.
  say "Restarting the Deployments onto the rebuilt images"
  for svc in "${SERVICES[@]}"; do kubectl -n "$NAMESPACE" rollout restart "deployment/$svc"; done
fi

say "Waiting for the rollouts (at most $TIMEOUT each)"
kubectl -n "$NAMESPACE" rollout status statefulset/redis --timeout="$TIMEOUT"
for svc in "${SERVICES[@]}"; do
  kubectl -n "$NAMESPACE" rollout status "deployment/$svc" --timeout="$TIMEOUT"
done
kubectl -n "$NAMESPACE" get pods -o wide

# ---- port-forwards (stopped by k8s/down.sh) ----
if [[ -f "$PIDFILE" ]]; then
  while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$PIDFILE"
  rm -f "$PIDFILE"
fi
mkdir -p "$LOGDIR"
say "Port-forwarding the frontend to localhost:$FRONTEND_PORT and the generator to localhost:$GENERATOR_PORT"
nohup kubectl -n "$NAMESPACE" port-forward svc/frontend "$FRONTEND_PORT:8080" >"$LOGDIR/frontend.log" 2>&1 &
echo $! >>"$PIDFILE"
nohup kubectl -n "$NAMESPACE" port-forward svc/workload-generator "$GENERATOR_PORT:9000" >"$LOGDIR/generator.log" 2>&1 &
echo $! >>"$PIDFILE"

wait_for() {
  local url=$1
  for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 1
  done
  die "$url does not answer (see $LOGDIR/*.log)"
}
wait_for "http://127.0.0.1:$FRONTEND_PORT/healthz"
wait_for "http://127.0.0.1:$GENERATOR_PORT/readyz"

# ---- start the load ----
# The generator's control endpoints need the token from the Secret the Deployment uses.
secret="$(kubectl -n "$NAMESPACE" get deployment workload-generator \
  -o jsonpath='{.spec.template.spec.containers[0].env[?(@.name=="WORKLOAD_TOKEN")].valueFrom.secretKeyRef.name}')"
token="$(kubectl -n "$NAMESPACE" get secret "$secret" -o jsonpath='{.data.WORKLOAD_TOKEN}' | base64 -d)"
say "Starting $RPS requests/s for ${DURATION_S}s (POST /start)"
status="$(curl -sS -o "$LOGDIR/start.json" -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"rps\": $RPS, \"durationS\": $DURATION_S}" \
  "http://127.0.0.1:$GENERATOR_PORT/start")"
case "$status" in
  200) echo "load started" ;;
  409) echo "a run was already in progress: left as it is (POST /stop first to change it)" ;;
  *) cat "$LOGDIR/start.json" >&2; die "POST /start answered $status" ;;
esac

cat <<EOF

The ticketing system runs in namespace '$NAMESPACE' and is under load.

  Web UI:            http://127.0.0.1:$FRONTEND_PORT/         (the Load page drives and charts the load;
                     its token is the WORKLOAD_TOKEN of Secret $secret)
  Generator stats:   curl -s http://127.0.0.1:$GENERATOR_PORT/stats

Watch it scale, each in its own terminal:

  kubectl get hpa -w -n $NAMESPACE
  kubectl get pods -w -n $NAMESPACE

Expect the gateway and the workers to scale out within a minute or two, and back in a few
minutes after the load stops (in ${DURATION_S}s, or: curl -X POST -H 'Authorization: Bearer <token>' http://127.0.0.1:$GENERATOR_PORT/stop).
docs/deploy.md has the timeline and a resilience exercise (delete a worker mid-load).

Remove everything with:  make k8s-down
EOF
