#!/usr/bin/env bash
# Make sure the system programs the stack and its tests need are installed.
#   tools/install-system-deps.sh redis-server nginx [chromium prometheus ...]
# Installs what is missing with apt-get (root on Debian/Ubuntu) or brew (macOS);
# otherwise says what to install and fails. `prometheus` means the server and promtool.
set -euo pipefail

missing=()
for program in "$@"; do
  case "$program" in
    chromium) command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing+=(chromium) ;;
    nginx) command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx) ;;
    prometheus) { command -v prometheus >/dev/null && command -v promtool >/dev/null; } || missing+=(prometheus) ;;
    *) command -v "$program" >/dev/null || missing+=("$program") ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

apt_name() { case "$1" in nginx) echo nginx-light ;; *) echo "$1" ;; esac; }
brew_name() { case "$1" in redis-server) echo redis ;; chromium) echo --cask chromium ;; *) echo "$1" ;; esac; }

if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
  echo "installing with apt-get: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  pkgs=(); for p in "${missing[@]}"; do pkgs+=("$(apt_name "$p")"); done
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then
  echo "installing with sudo apt-get: ${missing[*]}"
  sudo apt-get update -qq
  pkgs=(); for p in "${missing[@]}"; do pkgs+=("$(apt_name "$p")"); done
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
elif command -v brew >/dev/null; then
  for p in "${missing[@]}"; do
    echo "installing with brew: $p"
    read -ra formula <<< "$(brew_name "$p")"  # e.g. "--cask chromium": two words, on purpose
    brew install "${formula[@]}"
  done
else
  echo "Please install: ${missing[*]} (e.g. with your system's package manager), then run make again." >&2
  exit 1
fi

# Debian's package starts a system-wide Prometheus on :9090 and enables it at boot. We only want the
# programs: make up and the tests run their own, on a port of their own, with their own config.
if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v apt-get >/dev/null; then
  as_root=(); [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  if [ -d /run/systemd/system ]; then
    "${as_root[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
  else
    "${as_root[@]}" service prometheus stop >/dev/null 2>&1 || true
    "${as_root[@]}" update-rc.d prometheus disable >/dev/null 2>&1 || true
  fi
  echo "stopped and disabled the system prometheus service (only its programs are used)"
fi
