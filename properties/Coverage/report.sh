#!/usr/bin/env bash
# Line and branch coverage of impl/ and model/ over the default gate (dotnet test Verify.sln),
# as HTML under reports/coverage/impl and reports/coverage/model, with a one-line summary each.
# Exits non-zero when a figure is below its floor (FLOORS below; .ci/run enforces them).
#   properties/Coverage/report.sh                 run the gate with coverage, then report
#   properties/Coverage/report.sh --from FILE     report on an existing cobertura file
set -euo pipefail
cd "$(dirname "$0")/../.."

# Floors, in percent: assembly line branch.
FLOORS=("Impl 98 95" "Model 98 94")

if [[ "${1:-}" == "--from" ]]; then
    [[ -f "${2:-}" ]] || { echo "report.sh: --from needs a cobertura file, got '${2:-}'" >&2; exit 2; }
    cobertura=$2
else
    rm -rf reports/coverage/raw
    dotnet test Verify.sln --collect "XPlat Code Coverage" --settings properties/Coverage/coverage.runsettings \
        --results-directory reports/coverage/raw
    cobertura=$(find reports/coverage/raw -name coverage.cobertura.xml | head -n 1)
fi

mkdir -p reports/coverage
status=0
for floor in "${FLOORS[@]}"; do
    read -r assembly line branch <<<"$floor"
    target=reports/coverage/${assembly,,}
    rm -rf "$target"
    if ! dotnet reportgenerator "-reports:$cobertura" "-targetdir:$target" "-assemblyfilters:+Verify.$assembly" \
        "-reporttypes:Html;TextSummary" "--minimumCoverageThresholds:lineCoverage=$line" \
        "--minimumCoverageThresholds:branchCoverage=$branch" >"$target.log" 2>&1; then
        status=1
        grep -i "below the minimum" "$target.log" | sed "s/^/coverage: Verify.$assembly: /" >&2 || cat "$target.log" >&2
    fi
    summary=$(grep -E "^ *(Line|Branch) coverage:" "$target/Summary.txt" | sed -E 's/^ *//' | paste -sd ';' -)
    echo "coverage: Verify.$assembly: $summary (floors: line $line%, branch $branch%) -> $target/index.html"
done
exit "$status"
