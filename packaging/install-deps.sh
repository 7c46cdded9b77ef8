#!/usr/bin/env bash
# Installs every Debian 12 package that QM7 Workbench needs to build, test and run,
# skipping what is already there. Uses sudo when not run as root.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build git pkg-config clang-format
  # numerics
  libtorch-dev libopenblas0-pthread libgsl-dev libeigen3-dev libmatio-dev zlib1g-dev
  # GUI and plots
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev qt6-svg-dev libqt6svg6 libqcustomplot-dev
  # command line, configs, downloads
  libcli11-dev nlohmann-json3-dev libcurl4-openssl-dev
  # tests: GoogleTest, a virtual X server, Python's torch to write and read fixtures
  libgtest-dev xvfb xauth python3 python3-torch
  # tests on a single-node Slurm cluster (issue 13)
  slurmctld slurmd slurm-client munge
  # the portable bundle's test: a statically linked shell for a chroot that has nothing else
  busybox-static
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
