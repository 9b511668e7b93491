#!/usr/bin/env bash
# Installs the tools tests/deploy needs, on a fresh Debian 12 machine, as root.
# Idempotent and quiet: a rerun with everything present takes about a second.
#   Debian: prometheus (prometheus + promtool), kcat, chromium, docker-compose (only to validate
#           docker-compose.yml with `docker-compose config`: no engine is needed for that)
#   Go:     kustomize v5 into <repo>/.cache/bin/kustomize (via the Go module proxy)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$REPO/.cache/bin"
KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.7.1}"
export DEBIAN_FRONTEND=noninteractive

log() { printf 'install-test-tools: %s\n' "$*"; }

# --- Debian packages --------------------------------------------------------------------------
# Keep services the packages would start from running: no systemd here, and in containers/CI a
# policy-rc.d that refuses to start them keeps 9090/9100 free for the tests' own Prometheus.
apt_pkgs=(prometheus prometheus-alertmanager kcat chromium docker-compose)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  trap '[[ $created_policy == 1 ]] && rm -f "$policy"' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Stop anything the prometheus package may have started (only its own daemons, by pid file/owner).
for svc in prometheus prometheus-node-exporter; do
  if command -v service >/dev/null 2>&1 && service "$svc" status >/dev/null 2>&1; then
    service "$svc" stop >/dev/null 2>&1 || true
  fi
done
if command -v pgrep >/dev/null 2>&1; then
  for pid in $(pgrep -u prometheus 2>/dev/null || true); do
    log "stopping prometheus-owned process $pid"
    kill "$pid" 2>/dev/null || true
  done
fi

# --- kustomize ---------------------------------------------------------------------------------
# Tests use $REPO/.cache/bin/kustomize first and fall back to `kubectl kustomize`.
if [[ -x $BIN/kustomize ]] && "$BIN/kustomize" version 2>/dev/null | grep -q "${KUSTOMIZE_VERSION}"; then
  :
elif command -v go >/dev/null 2>&1 || [[ -x /usr/local/go/bin/go ]]; then
  GO="$(command -v go || echo /usr/local/go/bin/go)"
  log "go install kustomize ${KUSTOMIZE_VERSION} -> $BIN"
  mkdir -p "$BIN"
  mkdir -p "$REPO/.cache"
  if ! GOBIN="$BIN" GOFLAGS="-buildvcs=false" "$GO" install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}" \
      >"$REPO/.cache/kustomize-install.log" 2>&1; then
    cat "$REPO/.cache/kustomize-install.log" >&2
    exit 1
  fi
elif command -v kubectl >/dev/null 2>&1; then
  log "no go; tests will use 'kubectl kustomize'"
else
  log "ERROR: neither go nor kubectl available to render kustomize" >&2
  exit 1
fi

log "ok: $(promtool --version 2>&1 | head -1 | awk '{print $1, $3}'), kcat $(kcat -V 2>&1 | awk '/Version/ {print $2; exit}'), $(chromium --version 2>/dev/null | awk '{print $1, $2}'), $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /'), kustomize $("$BIN/kustomize" version 2>/dev/null || echo 'via kubectl')"
