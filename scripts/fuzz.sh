#!/usr/bin/env bash
# Runs every fuzz target of the riskcloud package in turn, each for the
# given time (default 60s): scripts/fuzz.sh [duration] [target...]
#
#   duration  a Go duration (90s, 5m) or a bare number of seconds; or Nx for
#             N executions, as -fuzztime takes it
#   target    names of targets to run (default: all, from go test -list)
#
# FUZZ_PARALLEL sets the fuzzing workers (default: the number of CPUs).
#
# `go test` runs only the seeds; this script searches for new inputs. When
# a target fails, go test writes the failing input to
# testdata/fuzz/<Target>/<hash>, where `go test` replays it from then on:
# keep that file (it is the regression test), fix the bug, and commit both.
# The script goes on with the other targets and exits non-zero at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${1:-60s}
if [[ $fuzztime =~ ^[0-9]+$ ]]; then
	fuzztime=${fuzztime}s
fi
shift || true
parallel=${FUZZ_PARALLEL:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}

if [ $# -gt 0 ]; then
	targets=("$@")
else
	mapfile -t targets < <(go test -list '^Fuzz' . | grep '^Fuzz')
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "no fuzz targets found" >&2
	exit 1
fi

failed=()
for target in "${targets[@]}"; do
	printf '\n== %s for %s (%s workers)\n' "$target" "$fuzztime" "$parallel"
	if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel "$parallel" .; then
		failed+=("$target")
		echo "-- $target failed; its input is in testdata/fuzz/$target/"
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	printf '\nfailed: %s\n' "${failed[*]}"
	exit 1
fi
printf '\nall %d targets ran for %s with no failure\n' "${#targets[@]}" "$fuzztime"
