#!/usr/bin/env bash
# Checks the sweep store's promises on a small spec: a 2-shard run merged equals a single run task
# by task, and a run killed with kill -9 half way and resumed equals it too.
# Usage: bash experiments/check-sweep-store.sh [SPEC]   (default experiments/sweep-smoke.json)
set -euo pipefail
cd "$(dirname "$0")/.."
spec=${1:-experiments/sweep-smoke.json}
dotnet build src/Fixpoint.Cli -c Release -v q -nologo > /dev/null
fp() { dotnet src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll "$@"; }
dir=$(mktemp -d)
rows() { # every stored result column except the timing ones
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for r in db.execute("select task_key,task_index,seed,q,unstable_count,distinct_fixed_points,converged,cycle,diverged,max_iterations,cycle_periods,spectral_radii,chao1,chao1_std_error,coverage,evaluations from tasks order by task_index"):
    print("|".join(map(str, r)))
PY
}
fp sweep run "$spec" --store "$dir/single.db" > /dev/null 2>&1
fp sweep run "$spec" --store "$dir/a.db" --shard 0/2 > /dev/null 2>&1
fp sweep run "$spec" --store "$dir/b.db" --shard 1/2 --threads 1 > /dev/null 2>&1
fp sweep merge "$dir/a.db" "$dir/b.db" --into "$dir/merged.db"
total=$(rows "$dir/single.db" | wc -l)
if cmp -s <(rows "$dir/single.db") <(rows "$dir/merged.db"); then echo "shards: merged store equals the single run ($total tasks)"; else echo "shards: MISMATCH"; exit 1; fi

# Kill -9 once about half the tasks are in the store, then resume.
dotnet src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll sweep run "$spec" --store "$dir/killed.db" --threads 1 > /dev/null 2>&1 & pid=$!
while kill -0 $pid 2>/dev/null; do
  n=$(python3 -c "import sqlite3,sys; print(sqlite3.connect('$dir/killed.db').execute('select count(*) from tasks').fetchone()[0])" 2>/dev/null || echo 0)
  if [ "$n" -ge $((total / 2)) ]; then kill -9 $pid; break; fi
  sleep 0.02
done
wait $pid 2>/dev/null || true
killed_at=$(rows "$dir/killed.db" | wc -l)
fp sweep run "$spec" --store "$dir/killed.db" 2>/dev/null | tail -n 1
if cmp -s <(rows "$dir/single.db") <(rows "$dir/killed.db"); then echo "kill -9 at $killed_at/$total tasks, resumed: equals the single run"; else echo "kill -9: MISMATCH"; exit 1; fi
rm -rf "$dir"
