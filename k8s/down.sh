#!/usr/bin/env bash
# `make k8s-down`: stop the demo's port-forwards and remove everything `make k8s-demo` deployed.
#
# Everything lives in the `ticketing` namespace (the only cluster-scoped object is the namespace
# itself), so deleting it removes the Deployments, the HPAs or ScaledObject, the Secret and the
# Redis volume (its data is gone for good). KEEP_DATA=1 keeps Redis's PersistentVolumeClaim by
# deleting the objects of the overlay instead of the namespace.
#   OVERLAY=local   the overlay that was applied (only used with KEEP_DATA=1)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

NAMESPACE=ticketing
OVERLAY="${OVERLAY:-local}"
PIDFILE="${TMPDIR:-/tmp}/ticketing-k8s-demo.port-forward.pids"

if [[ -f "$PIDFILE" ]]; then
  echo "==> Stopping the port-forwards"
  while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$PIDFILE"
  rm -f "$PIDFILE"
fi

command -v kubectl >/dev/null 2>&1 || { echo "k8s-down: kubectl is not installed" >&2; exit 1; }

if [[ "${KEEP_DATA:-0}" == "1" ]]; then
  echo "==> Deleting the objects of k8s/overlays/$OVERLAY (Redis's volume claim is kept)"
  kubectl delete -k "k8s/overlays/$OVERLAY" --ignore-not-found --wait=true \
    --selector 'app.kubernetes.io/part-of=ticketing,!pod-security.kubernetes.io/enforce'
else
  echo "==> Deleting namespace $NAMESPACE and everything in it"
  kubectl delete namespace "$NAMESPACE" --ignore-not-found --wait=true
fi
echo "done"
