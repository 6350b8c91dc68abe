#!/usr/bin/env bash
# A Stryker.NET mutation report of impl/ (default) or model/, run against the gate's mutation
# profile, written to reports/mutation/<project>/ (HTML and JSON). Then `fuzz mutation-summary`
# prints the status counts (timeouts apart: Stryker counts them as kills), Stryker's score, the
# score without the mutants of properties/Mutation/equivalent-mutants.tsv, and every untriaged
# survivor, timeout and uncovered mutant. Exits with Stryker's status (non-zero below break).
# Beside Stryker it runs precompile-mutated.sh (the mutated assembly becomes a ReadyToRun image) and
# points the stall guard at <output>/stall-times.tsv (each test's time in the coverage capture).
#   properties/Mutation/report.sh [impl|model] [--shard K/N [--dry-run] | --incremental] [more dotnet-stryker options, e.g. --mutate GLOB]
# --shard K/N mutates only the K-th of N parts of the project's files (balanced by line count, the
# same split on every machine; --dry-run only prints it), into reports/mutation/<project>-K-of-N/; run K = 1..N on N machines
# and sum the shards with: dotnet run -c Release --project fuzz -- mutation-summary <their JSON files>
#   --equivalents properties/Mutation/equivalent-mutants.tsv --looping properties/Mutation/looping-mutants.tsv
# --incremental is the mode of properties/Mutation/incremental.sh (which passes the changed lines as --mutate
# patterns): output to reports/mutation/<project>-incremental/, no score threshold (a few mutants make a
# jumpy score), and exit 1 when some mutant is untriaged: survived, timed out or uncovered and not on a list.
set -euo pipefail
cd "$(dirname "$0")/../.."
project=${1:-impl}
[[ "$project" == impl || "$project" == model ]] || { echo "report.sh: the project is impl or model, got '$project'" >&2; exit 2; }
shift || true
output=$PWD/reports/mutation/$project
shard_args=()
if [[ "${1:-}" == "--shard" ]]; then
    [[ "${2:-}" =~ ^([0-9]+)/([0-9]+)$ ]] && (( BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= BASH_REMATCH[2] )) ||
        { echo "report.sh: --shard takes K/N with 1 <= K <= N, got '${2:-}'" >&2; exit 2; }
    k=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]}
    shift 2
    output=$PWD/reports/mutation/$project-$k-of-$n
    # Greedy split: files by line count, largest first, each to the lightest part (ties to the lower part).
    declare -a load
    for ((i = 1; i <= n; i++)); do load[i]=0; done
    while read -r lines file; do
        best=1
        for ((i = 2; i <= n; i++)); do (( load[i] < load[best] )) && best=$i; done
        load[best]=$(( load[best] + lines ))
        (( best == k )) && shard_args+=(--mutate "**/${file#"$project"/}")
    done < <(find "$project" -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' -print0 | xargs -0 wc -l | grep -v ' total$' | sort -k1,1nr -k2,2)
    echo "report.sh: shard $k of $n mutates $(( ${#shard_args[@]} / 2 )) files:$(printf ' %s' "${shard_args[@]}" | sed 's/ --mutate//g')"
    if [[ "${1:-}" == "--dry-run" ]]; then exit 0; fi
fi
incremental=false
if [[ "${1:-}" == "--incremental" && ${#shard_args[@]} -eq 0 ]]; then
    incremental=true
    shift
    output=$PWD/reports/mutation/$project-incremental
    set -- --break-at 0 "$@"
fi
rm -rf "$output" "$output.log" && mkdir -p "$output"
dotnet tool restore >/dev/null
export VERIFY_PROFILE=mutation  # Stryker's test hosts inherit it; the config cannot set it
# Each test's time in the coverage capture, which the stall guard turns into that test's limit.
export VERIFY_STALL_TIMES=$output/stall-times.tsv
# The mutated assembly becomes a ReadyToRun image as soon as Stryker puts it in the test output.
# Stryker builds the tests in the configs' "configuration" (Release) for their one target framework.
build=Release/net10.0
properties/Mutation/precompile-mutated.sh "properties/bin/$build" "Verify.${project^}.dll" "properties/obj/$build/ready-to-run" &
precompiler=$!
set +e
(cd properties && dotnet stryker --config-file "Mutation/stryker-config.$project.json" --output "$output" "${shard_args[@]}" "$@") | tee "$output.log"
status=${PIPESTATUS[0]}
kill "$precompiler" 2>/dev/null; wait "$precompiler" 2>/dev/null
set -e
json=$output/reports/mutation-report.json
summary=0
if [[ -f "$json" ]]; then
    # Counts, Stryker's score and the score without the reviewed equivalent mutants, then the untriaged ones.
    dotnet run -c Release --project fuzz -- mutation-summary "$json" --equivalents properties/Mutation/equivalent-mutants.tsv \
        --looping properties/Mutation/looping-mutants.tsv || summary=$?
    echo "report: $output/reports/mutation-report.html"
elif $incremental && (( status == 0 )); then
    echo "report.sh: Stryker wrote no $json" >&2
    exit 2
fi
if (( status == 0 )) && $incremental; then exit "$summary"; fi
exit "$status"
