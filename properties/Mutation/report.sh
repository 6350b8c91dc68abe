#!/usr/bin/env bash
# A Stryker.NET mutation report of impl/ (default) or model/, run against the gate's mutation
# profile, written to reports/mutation/<project>/ (HTML and JSON); prints the score and how many
# mutants timed out (Stryker counts a timeout as a kill; see README, "Mutation testing").
#   properties/Mutation/report.sh [impl|model] [more dotnet-stryker options, e.g. --mutate GLOB]
set -euo pipefail
cd "$(dirname "$0")/../.."
project=${1:-impl}
[[ "$project" == impl || "$project" == model ]] || { echo "report.sh: the project is impl or model, got '$project'" >&2; exit 2; }
shift || true
output=$PWD/reports/mutation/$project
rm -rf "$output" "$output.log" && mkdir -p "$output"
dotnet tool restore >/dev/null
export VERIFY_PROFILE=mutation  # Stryker's test hosts inherit it; the config cannot set it
set +e
(cd properties && dotnet stryker --config-file "Mutation/stryker-config.$project.json" --output "$output" "$@") | tee "$output.log"
status=${PIPESTATUS[0]}
set -e
json=$output/reports/mutation-report.json
if [[ -f "$json" ]]; then
    for s in Killed Timeout Survived NoCoverage CompileError; do
        printf '%s %s  ' "$s" "$(grep -o "\"status\":\"$s\"" "$json" | wc -l)"
    done
    echo
    grep -m1 "final mutation score" "$output.log" || true
    echo "report: $output/reports/mutation-report.html"
fi
exit "$status"
