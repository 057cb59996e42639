#!/usr/bin/env bash
# Installs, from Debian's packages, those of the named packages this machine
# lacks; does nothing when every one is installed. Shared by
# scripts/install-deps.sh, clients/install-deps.sh and deploy/install.sh.
#   bash scripts/apt-install.sh PACKAGE...
set -euo pipefail
missing=()
for p in $(printf '%s\n' "$@" | sort -u); do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
echo "Installing missing packages: ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
