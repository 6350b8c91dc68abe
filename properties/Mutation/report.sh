#!/usr/bin/env bash
# A Stryker.NET mutation report of impl/ (default) or model/, run against the gate's mutation
# profile, written to reports/mutation/<project>/ (HTML and JSON). Then `fuzz mutation-summary`
# prints the status counts (timeouts apart: Stryker counts them as kills), Stryker's score, the
# score without the mutants of properties/Mutation/equivalent-mutants.tsv, and every untriaged
# survivor, timeout and uncovered mutant. Exits with Stryker's status (non-zero below break).
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
    # Counts, Stryker's score and the score without the reviewed equivalent mutants, then the untriaged ones.
    dotnet run -c Release --project fuzz -- mutation-summary "$json" --equivalents properties/Mutation/equivalent-mutants.tsv || true
    echo "report: $output/reports/mutation-report.html"
fi
exit "$status"
