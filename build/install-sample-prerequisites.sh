#!/usr/bin/env bash
# What the sample (build/run-sample.sh) needs beyond the .NET SDK, installed once and only when missing:
# /usr/bin/python3, which runs the TorchSharp native-library fix (build/torchsharp/patch-libtorchsharp.py, standard
# library only, plus /sbin/ldconfig from libc-bin). Debian 12 ships it in python3-minimal. The tests' servers and
# tools (build/install-prerequisites.sh: Ceph, PyTorch, Azurite, Arrow's npm packages...) are not the sample's.
set -euo pipefail
if [ ! -x /usr/bin/python3 ]; then
  echo "Installing Debian package: python3-minimal (runs the TorchSharp native-library fix)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends python3-minimal >/dev/null
fi
