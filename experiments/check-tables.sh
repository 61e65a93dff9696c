#!/usr/bin/env bash
# Reruns every committed result table and compares it with the committed copy, byte for byte
# (timings and wall-clock lines excepted). Usage: experiments/check-tables.sh [WORK_DIR]
# Checks: reproduce ke2024 (docs/results/paper-a/table.md, table.json), the four paper-B sweep
# reports (docs/results/paper-b/*.report.txt and */summary.csv), the tables of reproduce paper-b
# (docs/results/paper-b.md), and reproduce applications
# (the tables of docs/results/applications/applications.md, the file that command writes;
# docs/results/applications.md discusses them). Exits 1 when any differs.
set -uo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
dotnet build src/Fixpoint.Cli -c Release -v q -nologo > /dev/null || { echo "build failed"; exit 1; }
fp() { dotnet src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll "$@"; }
status=0
same() { # same NAME COMMITTED NEW [FILTER]
  local filter="${4:-cat}"
  if diff <($filter < "$2") <($filter < "$3") > "$work/$1.diff"; then echo "same: $1"; else echo "DIFFERENT: $1 (see $work/$1.diff)"; status=1; fi
}
nolast() { sed 's/,[^,]*$//'; } # summary.csv ends with seconds_per_task
notime() { grep -v -E '^(store |cells:|wrote )' | grep -v '"command"' | grep -v -i -E 'seconds|wall|elapsed| s\)|time|load average|cores'; }
fp reproduce ke2024 --out "$work/paper-a" > "$work/paper-a.log" 2>&1 || { echo "reproduce ke2024 failed"; status=1; }
same paper-a-table.md docs/results/paper-a/table.md "$work/paper-a/table.md" notime
same paper-a-table.json docs/results/paper-a/table.json "$work/paper-a/table.json" notime
mkdir -p "$work/paper-b"
for e in gaussian cauchy nonmonotone scan; do
  rm -f "$work/paper-b-$e.db"
  fp sweep run "experiments/paper-b-$e.json" --store "$work/paper-b-$e.db" > "$work/paper-b-$e.log" 2>&1 || { echo "sweep $e failed"; status=1; continue; }
  fp sweep report --store "$work/paper-b-$e.db" --out "$work/paper-b/$e" > "$work/paper-b/$e.report.txt" 2>&1 || { echo "report $e failed"; status=1; continue; }
  same "paper-b-$e.report" "docs/results/paper-b/$e.report.txt" "$work/paper-b/$e.report.txt" notime
  same "paper-b-$e.summary" "docs/results/paper-b/$e/summary.csv" "$work/paper-b/$e/summary.csv" nolast
done
# reproduce paper-b: every line of the tables.md it writes is on docs/results/paper-b.md (the page quotes
# its tables verbatim; the generated-by comment excepted). SKIP_PAPER_B=1 skips it (~25 min on 2 cores).
if [ "${SKIP_PAPER_B:-0}" != 1 ]; then
  fp reproduce paper-b --no-plot --out "$work/paper-b-complete" > "$work/paper-b-complete.log" 2>&1 || { echo "reproduce paper-b failed"; status=1; }
  if python3 -c '
import sys
page = set(open("docs/results/paper-b.md").read().splitlines())
missing = [l for l in open(sys.argv[1]).read().splitlines() if l.strip() and not l.startswith("<!--") and l not in page]
print("\n".join(missing[:20]), file=sys.stderr)
sys.exit(1 if missing else 0)' "$work/paper-b-complete/tables.md" 2> "$work/paper-b-complete.diff"; then echo "same: paper-b tables"; else echo "DIFFERENT: paper-b tables (see $work/paper-b-complete.diff)"; status=1; fi
fi
if [ "${SKIP_APPLICATIONS:-0}" != 1 ]; then
  fp reproduce applications --out "$work/applications" > "$work/applications.log" 2>&1 || { echo "reproduce applications failed"; status=1; }
  # The tables without what is measured in seconds: the Time section, training time, and the
  # early-exit columns "ms per pass" and "speed-up".
  tables() { python3 -c '
import sys
skip, drop = False, 0
for line in sys.stdin:
    if line.startswith("### "): skip = line.startswith("### Time")
    if not line.startswith("|"): drop = 0; continue
    if skip or "training time" in line: continue
    if "ms per pass" in line: drop = 2
    cells = line.rstrip("\n").split("|")
    if drop: cells = cells[:len(cells) - 1 - drop] + [""]
    print("|".join(cells))
'; }

  same applications.md docs/results/applications/applications.md "$work/applications/applications.md" tables
fi
exit $status
