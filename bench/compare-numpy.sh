#!/usr/bin/env bash
# Side-by-side run of Fixpoint against the NumPy peer (shared/peers/numpy_census.py).
#
# Installs nothing. Needs a python3 with NumPy (Debian: python3-numpy libopenblas0-pthread;
# python3-threadpoolctl to report which BLAS kernel ran). Writes the test networks with the peer
# (N = 16, 64, 256; L = 4; tanh; Gaussian weights SCALE/sqrt(N), biases 0.1·Gaussian), then for each
# size runs, alternating, REPEATS times: the peer's Picard census, `fixpoint census --solver picard`
# and `fixpoint census --solver anderson` (the default solver) with the same starts count, box,
# tolerance and iteration limit; compares the fixed points (unique tolerance 1e-6, ∞-norm) and
# prints the median wall times and their ratios. Then the kernel: GFLOP/s of one layer X·Wᵀ + b
# with 4096 rows, Fixpoint against NumPy's own matmul on the same shapes, one thread and all.
#
# Sizes above 256 take fewer starts unless --starts is given: 2000 at N = 512 and 1024, 1000 from
# N = 2048 on. --plot drops --no-plot, so the census runs exactly as a user runs it (with census.png).
# When the `fixpoint census` verb is not built yet, the census runs go through the benchmark's
# `census-time` mode (the same solver batch on the same kind of starts, written as census.json).
#
# --acceptance: the census on defaults, plot included, exactly as a user runs it:
#   fixpoint census --model net.safetensors --starts K --box -1 1 --atol 1e-10
# on tanh, L = 4, Gaussian 0.8/sqrt(N), seed 7 networks (written by the peer), for the cases N:K of
# --cases (default "64:16384 256:4096 1024:2000 2048:1000"), alternating with the peer on the same
# model, starts count, box and tolerance, REPEATS times. Checks the same fixed points (inf-norm 1e-6),
# every rho within 1e-8 of NumPy's eigvals of the Jacobian at the census's point (bench/numpy_rho.py)
# and the plot's share of the run (phaseSeconds.plot / process wall time, target <= 10 %); prints the
# ratios and the phases (bench/acceptance_report.py).
#
# --scaling: the same command once at every N of --scaling-sizes (default "64 128 256 512 1024 2048
# 4096") with --scaling-starts starts (default 1000), with the peer unless --no-peer, into
# bench/results/census-scaling.csv, drawn as bench/results/census-scaling.png by
# `Fixpoint.Bench plot-scaling --census-csv` (log-log seconds against N: process, phases, peer).
#
# Usage: bench/compare-numpy.sh [--repeats 3] [--scale 1.0] [--starts 4096] [--sizes "16 64 256"] [--plot]
#        [--out DIR] [--no-build] [--jit]
#        bench/compare-numpy.sh --acceptance [--cases "64:16384 256:4096 1024:2000 2048:1000"] [--repeats 3]
#        bench/compare-numpy.sh --scaling [--scaling-sizes "64 128 ... 4096"] [--scaling-starts 1000] [--no-peer]
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the benchmark commands only (they slow a
# current OpenBLAS down; see the environment notes); nothing else is changed.
set -euo pipefail

repeats=3 scale=1.0 starts="" sizes="16 64 256" out="" build=1 run_mode=solver plot=0 with_peer=1
cases="64:16384 256:4096 1024:2000 2048:1000" scaling_sizes="64 128 256 512 1024 2048 4096" scaling_starts=1000
jit=0 box_lo=-1 box_hi=1 tol=1e-10 max_iter=2000 seed=0 unique_tol=1e-6 depth=4
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) repeats="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    --starts) starts="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --plot) plot=1; shift ;;
    --acceptance) run_mode=acceptance; shift ;;
    --cases) cases="$2"; shift 2 ;;
    --scaling) run_mode=scaling; shift ;;
    --scaling-sizes) scaling_sizes="$2"; shift 2 ;;
    --scaling-starts) scaling_starts="$2"; shift 2 ;;
    --no-peer) with_peer=0; shift ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --jit) jit=1; shift ;;
    -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
    *) echo "compare-numpy.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
# The starts count at width N in the solver comparison.
starts_for() { if [ -n "$starts" ]; then echo "$starts"; elif [ "$1" -le 256 ]; then echo 4096; elif [ "$1" -le 1024 ]; then echo 2000; else echo 1000; fi; }

root="$(cd "$(dirname "$0")/.." && pwd)"
peer="$root/../shared/peers/numpy_census.py"
[ -f "$peer" ] || peer="$root/shared/peers/numpy_census.py"
[ -f "$peer" ] || peer="/work/shared/peers/numpy_census.py"
[ -f "$peer" ] || { echo "compare-numpy.sh: peer numpy_census.py not found" >&2; exit 2; }

py=""
for cand in /usr/bin/python3 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import numpy' >/dev/null 2>&1; then py="$cand"; break; fi
done
if [ -z "$py" ]; then
  echo "compare-numpy.sh: no python3 with NumPy found (Debian: apt-get install python3-numpy libopenblas0-pthread); nothing compared" >&2
  exit 3
fi
bench() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }

# The CLI is timed as installed (README, "Install"): self-contained, with the program and the .NET libraries compiled
# ahead of time into one composite ReadyToRun image, so a run does not JIT-compile them first. --jit times the plain
# build output instead.
if [ "$build" = 1 ]; then
  (cd "$root" && dotnet build -c Release bench/Fixpoint.Bench >/dev/null && dotnet build -c Release src/Fixpoint.Cli >/dev/null) \
    || { echo "compare-numpy.sh: build failed" >&2; exit 2; }
  if [ "$jit" = 0 ]; then
    (cd "$root" && rm -rf bench/.cli && dotnet publish src/Fixpoint.Cli -c Release -r linux-x64 --self-contained true \
       -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -o bench/.cli >/dev/null) \
      || { echo "compare-numpy.sh: publish failed (ReadyToRun needs the runtime and Crossgen2 packs from NuGet); rerun with --jit" >&2; exit 2; }
  fi
fi
bench_dll="$root/bench/Fixpoint.Bench/bin/Release/net10.0/Fixpoint.Bench.dll"
cli_dll="$root/src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll"
fixpoint=(dotnet "$cli_dll")
[ "$jit" = 1 ] || { cli_dll="$root/bench/.cli/fixpoint"; fixpoint=("$cli_dll"); }
[ -n "$out" ] || out="$(mktemp -d)"
mkdir -p "$out"

now() { date +%s.%N; }

if [ "$run_mode" != solver ]; then
  [ -f "$cli_dll" ] || { echo "compare-numpy.sh: $cli_dll not built" >&2; exit 2; }
  if [ "$run_mode" = acceptance ]; then runs="$cases"; rounds="$repeats"; else runs=$(for n in $scaling_sizes; do echo "$n:$scaling_starts"; done); rounds=1; fi
  : > "$out/acceptance.tsv"
  for r in $(seq 1 "$rounds"); do
    for c in $runs; do
      n=${c%%:*} k=${c##*:}
      net="$out/accept-net$n.safetensors"
      [ -f "$net" ] || bench "$py" "$peer" --random "$n" "$depth" gaussian 0.8 7 --save "$net" --starts 1 --max-iter 1 >/dev/null
      dir="$out/accept-fp-$n-$k-run$r"
      rm -rf "$dir"
      # The user's command, nothing added; its stderr (the phase lines) is kept beside it.
      t0=$(now)
      "${fixpoint[@]}" census --model "$net" --starts "$k" --box "$box_lo" "$box_hi" --atol "$tol" --out "$dir" \
        >"$dir.out" 2>"$dir.err" || echo "compare-numpy.sh: fixpoint census N=$n failed (see $dir.err)" >&2
      t1=$(now)
      fp_s=$(awk "BEGIN{print $t1 - $t0}") peer_s=nan
      if [ "$with_peer" = 1 ]; then
        t0=$(now)
        bench "$py" "$peer" "$net" --starts "$k" --box "$box_lo" "$box_hi" --tol "$tol" --max-iter "$max_iter" \
          --unique-tol "$unique_tol" > "$out/accept-peer-$n-$k-run$r.json"
        t1=$(now)
        peer_s=$(awk "BEGIN{print $t1 - $t0}")
      fi
      if [ -f "$dir/census.json" ]; then bench "$py" "$root/bench/numpy_rho.py" "$peer" "$net" "$dir/census.json" > "$dir.rho.json"; fi
      echo -e "$n\t$k\t$r\t$fp_s\t$peer_s" >> "$out/acceptance.tsv"
      echo "N=$n starts=$k run $r: fixpoint ${fp_s} s, peer ${peer_s} s" >&2
    done
  done
  "$py" "$root/bench/acceptance_report.py" "$out" "$run_mode" "$unique_tol" "$depth" | tee "$out/report.txt"
  if [ "$run_mode" = scaling ]; then
    mkdir -p "$root/bench/results"
    cp "$out/census-scaling.csv" "$root/bench/results/census-scaling.csv"
    dotnet "$bench_dll" plot-scaling --census-csv "$root/bench/results/census-scaling.csv" --out "$root/bench/results"
  fi
  echo "(raw outputs in $out)"
  exit 0
fi

# Networks, written by the peer (its census on one start is a cheap way to call --save).
for n in $sizes; do
  [ -f "$out/net$n.safetensors" ] && continue
  bench "$py" "$peer" --random "$n" "$depth" gaussian "$scale" "$seed" --save "$out/net$n.safetensors" \
    --starts 1 --max-iter 1 >/dev/null
done

# Does the CLI have the census verb? Probe it on the smallest network.
mode=bench
first=${sizes%% *}
if [ -f "$cli_dll" ]; then
  rm -rf "$out/probe"
  if "${fixpoint[@]}" census --model "$out/net$first.safetensors" --starts 4 --box "$box_lo" "$box_hi" \
       --atol "$tol" --max-iter 10 --solver picard --seed "$seed" --out "$out/probe" >/dev/null 2>&1 \
     && [ -f "$out/probe/census.json" ]; then
    mode=cli
  fi
fi

fixpoint_census() { # solver n dir
  local solver="$1" n="$2" dir="$3"
  local plot_arg=(--no-plot)
  [ "$plot" = 1 ] && plot_arg=()
  mkdir -p "$dir"
  if [ "$mode" = cli ]; then
    "${fixpoint[@]}" census --model "$out/net$n.safetensors" --starts "$(starts_for "$n")" --box "$box_lo" "$box_hi" \
      --atol "$tol" --max-iter "$max_iter" --solver "$solver" --seed "$seed" --out "$dir" "${plot_arg[@]}" >/dev/null 2>&1
  else
    dotnet "$bench_dll" census-time --model "$out/net$n.safetensors" --starts "$(starts_for "$n")" --box "$box_lo" "$box_hi" \
      --atol "$tol" --max-iter "$max_iter" --solver "$solver" --seed "$seed" --out "$dir/census.json" 2>/dev/null
  fi
}

times="$out/times.tsv"
: > "$times"
for n in $sizes; do
  for r in $(seq 1 "$repeats"); do
    t0=$(now); bench "$py" "$peer" "$out/net$n.safetensors" --starts "$(starts_for "$n")" --box "$box_lo" "$box_hi" --tol "$tol" \
      --max-iter "$max_iter" --seed "$seed" --unique-tol "$unique_tol" > "$out/peer$n.json"; t1=$(now)
    echo -e "$n\tpeer\t$r\t$(awk "BEGIN{print $t1 - $t0}")" >> "$times"
    cp "$out/peer$n.json" "$out/peer$n-run$r.json"
    for solver in picard anderson; do
      t0=$(now); fixpoint_census "$solver" "$n" "$out/fp-$solver-$n"; t1=$(now)
      echo -e "$n\t$solver\t$r\t$(awk "BEGIN{print $t1 - $t0}")" >> "$times"
      cp "$out/fp-$solver-$n/census.json" "$out/fp-$solver-$n/census-run$r.json"
    done
  done
done

# Kernel throughput: Fixpoint's quick mode, then NumPy's matmul on the same shapes.
kernel_sizes=$(echo "$sizes" | tr ' ' ',')
dotnet "$bench_dll" kernel --n "$kernel_sizes" --rows 4096 --layers 1 --threads 1,0 --seconds 2 > "$out/kernel-fixpoint.txt"
cat > "$out/numpy_kernel.py" <<'EOF'
import sys, time, numpy as np
sizes = [int(s) for s in sys.argv[1].split(",")]
rows = 4096
rng = np.random.default_rng(0)
try:
    from threadpoolctl import threadpool_info
    info = [(i.get("internal_api"), i.get("architecture"), i.get("num_threads")) for i in threadpool_info()]
except Exception:
    info = "threadpoolctl not installed"
for n in sizes:
    X = rng.uniform(-1, 1, (rows, n)); W = rng.standard_normal((n, n)) / np.sqrt(n); b = rng.standard_normal(n) * 0.1
    for _ in range(3): Z = X @ W.T + b
    ts = []
    t_end = time.perf_counter() + 2.0
    while time.perf_counter() < t_end or len(ts) < 5:
        t = time.perf_counter(); Z = X @ W.T + b; ts.append(time.perf_counter() - t)
    ts.sort()
    print(f"numpy n={n} rows={rows} gflops={2*rows*n*n/ts[len(ts)//2]/1e9:.2f} best={2*rows*n*n/ts[0]/1e9:.2f} blas={info}")
EOF
bench "$py" "$out/numpy_kernel.py" "$kernel_sizes" > "$out/kernel-numpy-all.txt"
OPENBLAS_NUM_THREADS=1 bench "$py" "$out/numpy_kernel.py" "$kernel_sizes" > "$out/kernel-numpy-1.txt"

cat > "$out/report.py" <<'EOF'
import json, os, statistics, sys
out, sizes, unique_tol, mode, starts = sys.argv[1], sys.argv[2].split(), float(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = [l.split("\t") for l in open(os.path.join(out, "times.tsv")).read().split("\n") if l]
def med(n, who): return statistics.median(float(r[3]) for r in rows if r[0] == n and r[1] == who)
def best(n, who): return min(float(r[3]) for r in rows if r[0] == n and r[1] == who)
def points(path):
    d = json.load(open(path))
    return [p["x"] for p in d["fixedPoints"]], d
def same(a, b):
    if len(a) != len(b): return False
    used = set()
    for p in a:
        hit = [k for k, q in enumerate(b) if k not in used and max(abs(u - v) for u, v in zip(p, q)) <= unique_tol]
        if not hit: return False
        used.add(hit[0])
    return True
print(f"census: starts {starts}, box [-1, 1], tol 1e-10 on |F(x) - x|inf, max-iter 2000; medians of alternating runs "
      f"(s: process wall time; in-proc: each tool's own elapsedSeconds, starts drawn to fixed points de-duplicated; "
      f"x: peer time / fixpoint time; x min: the same for the fastest run of each, the least disturbed by other load); "
      f"fixpoint via {'the CLI (fixpoint census)' if mode == 'cli' else 'bench census-time (CLI census verb not available)'}")
print(f"{'N':>4} {'peer s':>8} {'picard s':>9} {'anderson s':>11} {'picard x':>9} {'default x':>10} "
      f"{'peer in-proc':>12} {'pic in-proc':>11} {'and in-proc':>11} {'pic x in':>8} {'def x in':>8} {'pic x min':>9} {'def x min':>9}  fixed points")
for n in sizes:
    peer_pts, peer = points(os.path.join(out, f"peer{n}.json"))
    pic_pts, pic = points(os.path.join(out, f"fp-picard-{n}", "census.json"))
    and_pts, anc = points(os.path.join(out, f"fp-anderson-{n}", "census.json"))
    tp, tq, ta = med(n, "peer"), med(n, "picard"), med(n, "anderson")
    def inproc(fmt):
        runs = sorted({r[2] for r in rows if r[0] == n})
        return statistics.median(json.load(open(os.path.join(out, fmt.format(r=r))))["elapsedSeconds"] for r in runs)
    ip = inproc(f"peer{n}-run{{r}}.json")
    iq = inproc(os.path.join(f"fp-picard-{n}", "census-run{r}.json"))
    ia = inproc(os.path.join(f"fp-anderson-{n}", "census-run{r}.json"))
    conv = (peer["converged"], pic["outcomes"].get("converged"), anc["outcomes"].get("converged"))
    verdict = "same" if same(peer_pts, pic_pts) and same(peer_pts, and_pts) else "DIFFERENT"
    print(f"{n:>4} {tp:8.3f} {tq:9.3f} {ta:11.3f} {tp/tq:8.2f}x {tp/ta:9.2f}x {ip:12.3f} {iq:11.3f} {ia:11.3f} {ip/iq:7.2f}x {ip/ia:7.2f}x {best(n, 'peer')/best(n, 'picard'):8.2f}x {best(n, 'peer')/best(n, 'anderson'):8.2f}x  "
          f"{verdict} (peer {len(peer_pts)}, picard {len(pic_pts)}, anderson {len(and_pts)}; converged {conv[0]}/{conv[1]}/{conv[2]})")
def parse(path, key):
    d = {}
    for line in open(path):
        if not line.startswith(key): continue
        f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        d[(f["n"], f.get("threads", ""))] = f
    return d
fx = parse(os.path.join(out, "kernel-fixpoint.txt"), "kernel")
n1 = parse(os.path.join(out, "kernel-numpy-1.txt"), "numpy")
na = parse(os.path.join(out, "kernel-numpy-all.txt"), "numpy")
print()
print("kernel: one layer, 4096 rows, GFLOP/s = 2*rows*N^2/time (median); numpy: X @ W.T + b")
print(f"{'N':>4} {'threads':>7} {'fixpoint affine':>15} {'fixpoint +tanh':>14} {'numpy':>8} {'affine/numpy':>12}")
for (n, t), f in sorted(fx.items(), key=lambda kv: (int(kv[0][0]), int(kv[0][1]))):
    ref = n1 if t == "1" else na
    npg = float(ref[(n, "")]["gflops"]) if (n, "") in ref else float("nan")
    print(f"{n:>4} {t:>7} {float(f['affine_gflops']):15.2f} {float(f['tanh_gflops']):14.2f} {npg:8.2f} {float(f['affine_gflops'])/npg:11.2f}x")
blas = open(os.path.join(out, "kernel-numpy-all.txt")).readline().split("blas=", 1)[-1].strip()
print(f"numpy BLAS: {blas}")
EOF
"$py" "$out/report.py" "$out" "$sizes" "$unique_tol" "$mode" "$(for n in $sizes; do printf "%s" "N=$n:$(starts_for "$n") "; done)" | tee "$out/report.txt"
echo "(raw outputs in $out)"
