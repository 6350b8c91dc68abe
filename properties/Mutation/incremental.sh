#!/usr/bin/env bash
# The incremental mutation check (.ci/run runs it): Stryker on the lines of impl/ and model/ that
# changed since a commit, and a failure when any mutant there is untriaged, i.e. survived, timed
# out or is covered by no test of the mutation profile, and is not on equivalent-mutants.tsv or
# looping-mutants.tsv. So a change that adds logic no property notices fails CI.
#   properties/Mutation/incremental.sh [COMMIT]     (default: $VERIFY_MUTATION_SINCE, else HEAD~1)
# Lines, not files: Stryker's own --since mutates every mutant of a changed file (MemoryCgroups.cs
# alone has about 740), so the changed lines come from `fuzz changed-spans` as --mutate patterns.
# Reports: reports/mutation/<project>-incremental/. Exit 0 clean or nothing to mutate, 1 untriaged
# mutants (listed), 2 bad usage, else Stryker's own failure status.
set -euo pipefail
cd "$(dirname "$0")/../.."
since=${1:-${VERIFY_MUTATION_SINCE:-HEAD~1}}
if ! git rev-parse --verify -q "$since^{commit}" >/dev/null; then
    echo "incremental.sh: '$since' is not a commit of $(pwd) (a shallow clone? fetch more history)" >&2
    exit 2
fi
dotnet build fuzz -c Release -v quiet -nologo >/dev/null
status=0
for project in impl model; do
    mapfile -t patterns < <(dotnet fuzz/bin/Release/net10.0/Verify.Fuzz.dll changed-spans --since "$since" --project "$project")
    if (( ${#patterns[@]} == 0 )); then
        echo "incremental: no line of $project/ changed since $since"
        continue
    fi
    echo "incremental: $project/ lines changed since $since: ${patterns[*]}"
    args=()
    for p in "${patterns[@]}"; do args+=(--mutate "$p"); done
    bash properties/Mutation/report.sh "$project" --incremental "${args[@]}" || status=$?
done
exit "$status"
