#!/usr/bin/env bash
# Syncs the main instance of every host of a multi-machine AFL++ campaign to every other host
# (AFL++'s multi-machine mode: docs/fuzzing_in_depth.md, "Using multiple machines for fuzzing").
#
# Each host H fuzzes into OUT_DIR/sync with a main instance main-H. This script pulls each
# OUT_DIR/sync/main-H from H into a local staging folder, then pushes it to every other host's
# OUT_DIR/sync/, never onto H itself (a host's own main folder is only ever written by its
# afl-fuzz). rsync cannot copy between two remote hosts directly, hence the staging folder.
#
# usage: sync-hosts.sh SERVERS_FILE OUT_DIR [INTERVAL_MINUTES]
#   SERVERS_FILE  one host name per line (as `hostname -s` prints it there and as ssh reaches it);
#                 '#' starts a comment
#   OUT_DIR       the campaign folder, the same absolute path on every host
#   INTERVAL_MINUTES  repeat every so many minutes until interrupted (default: sync once).
#                 AFL++ suggests about a tenth of the planned campaign length.
# Needs: ssh keys for every host, rsync on every host and here.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 SERVERS_FILE OUT_DIR [INTERVAL_MINUTES]" >&2
  exit 2
fi
servers_file=$1
out_dir=${2%/}
interval=${3:-}
mapfile -t hosts < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$servers_file" | grep -v '^$')
if [ ${#hosts[@]} -lt 2 ]; then
  echo "$0: $servers_file names fewer than two hosts; nothing to sync" >&2
  exit 2
fi
stage=$(mktemp -d "${TMPDIR:-/tmp}/verify-afl-sync.XXXXXX")
trap 'rm -rf "$stage"' EXIT

sync_once() {
  for from in "${hosts[@]}"; do
    if ! rsync -az --delete -e ssh "$from:$out_dir/sync/main-$from/" "$stage/main-$from/"; then
      echo "sync-hosts: could not pull main-$from from $from (not started yet?); skipped" >&2
      continue
    fi
    for to in "${hosts[@]}"; do
      [ "$to" = "$from" ] && continue
      rsync -az -e ssh "$stage/main-$from" "$to:$out_dir/sync/" \
        || echo "sync-hosts: could not push main-$from to $to; skipped" >&2
    done
  done
  echo "sync-hosts: $(date -u +%H:%M:%S) synced ${#hosts[@]} hosts"
}

sync_once
while [ -n "$interval" ]; do
  sleep $(( interval * 60 ))
  sync_once
done
