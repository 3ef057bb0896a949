#!/usr/bin/env bash
# Make sure the system programs the stack and its tests need are installed.
#   tools/install-system-deps.sh redis-server nginx [chromium ...]
# Installs what is missing with apt-get (root on Debian/Ubuntu) or brew (macOS);
# otherwise says what to install and fails.
set -euo pipefail

missing=()
for program in "$@"; do
  case "$program" in
    chromium) command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing+=(chromium) ;;
    nginx) command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx) ;;
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
  for p in "${missing[@]}"; do echo "installing with brew: $p"; brew install $(brew_name "$p"); done
else
  echo "Please install: ${missing[*]} (e.g. with your system's package manager), then run make again." >&2
  exit 1
fi
