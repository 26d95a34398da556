#!/usr/bin/env bash
# Regenerates samples/states/ (the sample's local store): trains the tiny digits MLP with TorchSharp on a
# generated data set and saves it through LocalStateStore. Then rebuild the sample to refresh its lock file.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/build/install-prerequisites.sh"
dotnet run --project "$root/samples/Digits.Trainer/Digits.Trainer.csproj" -c Release -- "$root/samples/states"
