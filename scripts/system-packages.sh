#!/usr/bin/env bash
# Make sure the Debian packages roamx needs are present. As root, install the missing ones with
# apt-get; otherwise print exactly what to install and fail, so `make` stops before anything half-works.
set -euo pipefail
missing=()
for pkg in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "roamx needs these system packages, which are not installed:" >&2
  echo "    sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
