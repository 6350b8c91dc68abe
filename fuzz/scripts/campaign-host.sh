#!/usr/bin/env bash
# Runs this host's part of a multi-machine AFL++ campaign (see fuzz/CAMPAIGNS.md, "Several machines").
#
# Every host runs `fuzz campaign` into the SAME absolute output folder, with its own name:
# its instances are then main-<host> (-M, one per host, as AFL++ asks) and <host>-s1.. (-S).
# sync-hosts.sh copies each host's main-<host> folder into every other host's sync folder,
# where afl-fuzz picks the foreign queue up like any other instance's.
#
# usage: campaign-host.sh OUT_DIR MINUTES [JOBS] [extra fuzz campaign options...]
#   OUT_DIR  absolute path, identical on every host (e.g. /srv/verify-fuzz)
#   MINUTES  how long this host fuzzes
#   JOBS     afl-fuzz instances on this host (default: its core count)
# Findings are triaged on this host at the end; after a last sync, `fuzz campaign --triage-only
# --out OUT_DIR` on one host triages every main's crashes.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 OUT_DIR MINUTES [JOBS] [extra fuzz campaign options...]" >&2
  exit 2
fi
out_dir=$1
minutes=$2
jobs=${3:-$(nproc)}
shift $(( $# >= 3 ? 3 : 2 ))

case "$out_dir" in
  /*) ;;
  *) echo "$0: OUT_DIR must be absolute, and the same on every host" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "$0")/../.." && pwd)
host=$(hostname -s | tr -cd 'A-Za-z0-9_-')
cd "$repo"
exec dotnet run --project fuzz/Fuzz.csproj -c Release -- campaign \
  --out "$out_dir" --minutes "$minutes" --jobs "$jobs" --host "$host" "$@"
