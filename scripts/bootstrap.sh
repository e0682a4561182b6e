#!/usr/bin/env bash
# bootstrap.sh — installs the Debian 12 packages attnscope needs, only those that are missing.
# Safe to run again: a second run installs nothing. Used by scripts/run.sh and scripts/test.sh.
set -euo pipefail

# Why each package is here: see the dependency table in README.md.
PACKAGES=(
  build-essential cmake pkg-config ninja-build python3
  libeigen3-dev nlohmann-json3-dev libcli11-dev libgtest-dev libfmt-dev
  libimgui-dev libglfw3-dev libstb-dev
  libgl1-mesa-dri libegl-mesa0 libglx-mesa0 libegl-dev libopengl-dev libgl-dev
  xvfb xauth
  fonts-dejavu-core  # the lab window's UI font (issue 4); without it ImGui's built-in ASCII font is used
  libomp-dev
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} Debian packages present"
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 2; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
