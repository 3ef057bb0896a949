#!/usr/bin/env bash
# Deploy a release: an overlay with the images of one build and the real tokens, then wait for
# the rollouts. The GitLab CI deploy job runs it; so can a person with a kubeconfig.
#
#   IMAGE_REGISTRY=registry.example.com/group/ticketing IMAGE_TAG=<commit sha> \
#   WORKLOAD_TOKEN=... PAYMENT_TOKEN=... ADMIN_TOKEN=... k8s/deploy.sh
#
# Nothing is edited in the repository: a throwaway kustomization (k8s/.deploy.*, removed on exit)
# takes the overlay as its base and sets
#   - the images: ticketing/<service>:latest -> $IMAGE_REGISTRY/<service>:$IMAGE_TAG
#   - the Secret ticketing-secrets: replaced by WORKLOAD_TOKEN and PAYMENT_TOKEN (required) and
#     ADMIN_TOKEN (optional; the repository only holds placeholders)
#   - optionally a pull secret for a private registry (REGISTRY_USER / REGISTRY_PASSWORD).
#
# Settings (environment variables):
#   IMAGE_REGISTRY      required: where the images were pushed, without the service name
#   IMAGE_TAG           required: their tag (CI: the commit SHA)
#   WORKLOAD_TOKEN      required: the generator's bearer token
#   PAYMENT_TOKEN       required: the payment provider's bearer token (the order workers send it)
#   ADMIN_TOKEN         optional: the gateway's admin token (empty: the admin API stays off)
#   K8S_OVERLAY=base    k8s/<K8S_OVERLAY> is deployed: base, overlays/local, overlays/keda, ...
#   REGISTRY_HOST, REGISTRY_USER, REGISTRY_PASSWORD   optional: pull credentials for the images
#   DRY_RUN=1           print the rendered manifests instead of applying them (Secrets included!)
#   KUBECTL=kubectl     the kubectl to use
#   TIMEOUT=300s        how long to wait for each rollout
set -euo pipefail

KUBECTL="${KUBECTL:-kubectl}"
# A relative path to kubectl is relative to where we were started, not to k8s/.
if [[ "$KUBECTL" == */* && "$KUBECTL" != /* ]]; then KUBECTL="$PWD/$KUBECTL"; fi
cd "$(dirname "${BASH_SOURCE[0]}")"

NAMESPACE=ticketing
SERVICES=(api-gateway order-worker workload-generator payment-provider live-updates frontend)
K8S_OVERLAY="${K8S_OVERLAY:-base}"
TIMEOUT="${TIMEOUT:-300s}"

die() { printf 'deploy: %s\n' "$*" >&2; exit 1; }
ADMIN_TOKEN="${ADMIN_TOKEN:-}"  # optional: empty leaves the admin Database API off
for var in IMAGE_REGISTRY IMAGE_TAG WORKLOAD_TOKEN PAYMENT_TOKEN; do
  [[ -n "${!var:-}" ]] || die "$var is not set (see the top of k8s/deploy.sh and docs/deploy.md)"
done
for var in WORKLOAD_TOKEN PAYMENT_TOKEN ADMIN_TOKEN; do
  [[ -z "${!var}" || ( "${!var}" != *placeholder* && "${!var}" != *change-me* ) ]] || die "$var is still a placeholder"
  [[ "${!var}" != *$'\n'* ]] || die "$var must be one line"
done
[[ -f "$K8S_OVERLAY/kustomization.yaml" ]] || die "no kustomization in k8s/$K8S_OVERLAY"

workdir="$(mktemp -d .deploy.XXXXXX)"
trap 'rm -rf "$workdir"' EXIT
chmod 700 "$workdir"

# The tokens go into a file only this job can read, never into the repository or the log.
(
  umask 077
  printf 'WORKLOAD_TOKEN=%s\nPAYMENT_TOKEN=%s\nADMIN_TOKEN=%s\n' "$WORKLOAD_TOKEN" "$PAYMENT_TOKEN" "$ADMIN_TOKEN" \
    >"$workdir/secrets.env"
)

{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "namespace: $NAMESPACE"
  echo "resources:"
  echo "  - ../$K8S_OVERLAY"
  echo "images:"
  for svc in "${SERVICES[@]}"; do
    echo "  - name: ticketing/$svc"
    echo "    newName: $IMAGE_REGISTRY/$svc"
    echo "    newTag: \"$IMAGE_TAG\""
  done
  echo "secretGenerator:"
  echo "  - name: ticketing-secrets"
  echo "    behavior: replace"
  echo "    envs: [secrets.env]"
} >"$workdir/kustomization.yaml"

if [[ -n "${REGISTRY_USER:-}" && -n "${REGISTRY_PASSWORD:-}" ]]; then
  host="${REGISTRY_HOST:-${IMAGE_REGISTRY%%/*}}"
  auth="$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 | tr -d '\n')"
  (
    umask 077
    printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$host" "$auth" >"$workdir/.dockerconfigjson"
  )
  cat >>"$workdir/kustomization.yaml" <<'EOF'
  - name: registry-pull
    type: kubernetes.io/dockerconfigjson
    files: [.dockerconfigjson]
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: add
        path: /spec/template/spec/imagePullSecrets
        value: [{name: registry-pull}]
EOF
fi

if [[ "${DRY_RUN:-0}" == "1" ]]; then
  "$KUBECTL" kustomize "$workdir"
  exit 0
fi

echo "Deploying k8s/$K8S_OVERLAY with images $IMAGE_REGISTRY/<service>:$IMAGE_TAG"
"$KUBECTL" apply -k "$workdir"
"$KUBECTL" -n "$NAMESPACE" rollout status statefulset/redis --timeout="$TIMEOUT"
for svc in "${SERVICES[@]}"; do
  "$KUBECTL" -n "$NAMESPACE" rollout status "deployment/$svc" --timeout="$TIMEOUT"
done
"$KUBECTL" -n "$NAMESPACE" get pods,hpa
