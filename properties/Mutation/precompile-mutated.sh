#!/usr/bin/env bash
# Started by report.sh beside Stryker; runs until killed. It waits for Stryker to put its mutated
# build of ASSEMBLY (one IL assembly holding every mutant) into the test output OUTDIR, and replaces
# it with a ReadyToRun image of that same IL, compiled by the Crossgen2 and options the mutation-
# profile build used (READY_TO_RUN_DIR/crossgen2.path and crossgen2.rsp, which ReadyToRun.targets
# writes), so that no test host JIT-compiles the mutated code anew. Guarantees:
# - It touches only a file that is Stryker's mutated build (its metadata names Stryker's
#   MutantControl type) and that it has not written itself; the original build, which Stryker
#   puts back at the end, is left alone.
# - The image keeps the IL, metadata and module id (the PDB still matches), so a mutant behaves
#   as in the IL; only the time to run it changes.
# - The replacement is one rename in the same directory: a test host opens either the IL or the
#   whole image, never a partial file. A failed compile leaves the IL and says so on one line.
#   precompile-mutated.sh OUTDIR ASSEMBLY READY_TO_RUN_DIR
set -uo pipefail
out=$1 name=$2 rtr=$3
dll=$out/$name
stamp() { stat -c '%s %Y %i' "$dll" 2>/dev/null; }
written=
while sleep 0.25; do
    now=$(stamp) || continue
    [[ "$now" == "$written" ]] && continue
    grep -q MutantControl "$dll" 2>/dev/null || continue
    sleep 0.25
    [[ "$(stamp)" == "$now" ]] || continue  # still being written
    # Stryker's build wrote the command before it mutated anything.
    compiler=$(cat "$rtr/crossgen2.path" 2>/dev/null) && [[ -x "$compiler" && -f "$rtr/crossgen2.rsp" ]] ||
        { echo "precompile-mutated.sh: no Crossgen2 command in $rtr (not a VERIFY_PROFILE=mutation build?); the mutated $name stays IL" >&2; exit 2; }
    started=$(date +%s%N)
    if "$compiler" "$dll" -o "$dll.ready-to-run" @"$rtr/crossgen2.rsp" > "$dll.ready-to-run.log" 2>&1 &&
        [[ "$(stamp)" == "$now" ]] && mv -f "$dll.ready-to-run" "$dll"; then
        written=$(stamp)
        echo "precompile-mutated.sh: the mutated $name runs as a ReadyToRun image (compiled in $(( ($(date +%s%N) - started) / 1000000 )) ms)" >&2
    else
        written=$now
        rm -f "$dll.ready-to-run"
        echo "precompile-mutated.sh: the mutated $name stays IL: Crossgen2 failed or Stryker rewrote it meanwhile (see $dll.ready-to-run.log)" >&2
    fi
done
