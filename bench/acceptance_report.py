#!/usr/bin/env python3
"""The table of `compare-numpy.sh --acceptance` and `--scaling` from the runs in OUT.

Usage: acceptance_report.py OUT acceptance|scaling UNIQUE_TOL [DEPTH]
OUT/acceptance.tsv has one line per run: N, starts, run, fixpoint wall seconds, peer wall seconds (nan: no
peer). Each run left OUT/accept-fp-N-K-runR/census.json, OUT/accept-fp-N-K-runR.rho.json (bench/numpy_rho.py)
and OUT/accept-peer-N-K-runR.json. Prints the table and writes OUT/acceptance.csv (or census-scaling.csv).
Then the iteration alone: map evaluations (census.json `evaluations`, the peer's `mapEvaluations`), the seconds
they took (`phaseSeconds.solve`, the peer's `iterationSeconds`) and the rate in GFLOP/s, 2·DEPTH·N² flops an
evaluation (DEPTH: 4 unless given), which says whether a ratio is made by fewer evaluations or faster ones.
"""
import json, math, os, statistics, sys

out, mode, unique_tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
depth = int(sys.argv[4]) if len(sys.argv) > 4 else 4
rows = [l.split("\t") for l in open(os.path.join(out, "acceptance.tsv")).read().split("\n") if l]
cases = list(dict.fromkeys((r[0], r[1]) for r in rows))
phases = ["solve", "newton", "polish", "stability", "plot"]


def same(a, b):
    if len(a) != len(b):
        return False
    used = set()
    for p in a:
        hit = [k for k, q in enumerate(b) if k not in used and max(abs(u - v) for u, v in zip(p, q)) <= unique_tol]
        if not hit:
            return False
        used.add(hit[0])
    return True


def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None


csv = ["n,starts,fixpoint_s,peer_s,census_s," + ",".join(phases)]
iteration = []
print("census on defaults, plot included: fixpoint census --model net.safetensors --starts K --box -1 1 --atol 1e-10 "
      "(tanh, L = 4, Gaussian 0.8/sqrt(N), seed 7)")
print("s: process wall time (median of the runs); x: peer s / fixpoint s; phases: census.json phaseSeconds; "
      "plot %: plot / fixpoint s (target <= 10 %); rho diff: max |rho - max|eigvals(J)|| in NumPy at the census's points (<= 1e-8)")
print(f"{'N':>5} {'starts':>6} {'peer s':>8} {'fixpoint s':>10} {'x':>7} {'solve':>7} {'newton':>7} {'polish':>7} "
      f"{'stabil.':>8} {'plot':>7} {'plot %':>6} {'rho diff':>9}  fixed points")
for n, k in cases:
    mine = [r for r in rows if r[0] == n and r[1] == k]
    fp = statistics.median(float(r[3]) for r in mine)
    pe = [float(r[4]) for r in mine if r[4] != "nan"]
    peer = statistics.median(pe) if pe else math.nan
    runs = [r[2] for r in mine]
    cs = [load(os.path.join(out, f"accept-fp-{n}-{k}-run{r}", "census.json")) for r in runs]
    if any(c is None for c in cs):
        print(f"{n:>5} {k:>6} {peer:8.3f} {fp:10.3f}  no census.json (see {out}/accept-fp-{n}-{k}-run*.err)")
        continue
    ph = {p: statistics.median(c.get("phaseSeconds", {}).get(p, math.nan) for c in cs) for p in phases}
    rhos = [load(os.path.join(out, f"accept-fp-{n}-{k}-run{r}.rho.json")) or {} for r in runs]
    rho = max(d.get("maxRhoDiff", math.nan) for d in rhos)
    fx = [p["x"] for p in cs[0]["fixedPoints"]]
    peer_file = load(os.path.join(out, f"accept-peer-{n}-{k}-run{runs[0]}.json")) if pe else None
    if peer_file is not None:
        pp = [p["x"] for p in peer_file["fixedPoints"]]
        verdict = f"{'same' if same(pp, fx) else 'DIFFERENT'} (peer {len(pp)}, fixpoint {len(fx)})"
    else:
        verdict = f"fixpoint {len(fx)} (no peer)"
    flags = ("" if rho <= 1e-8 else "  RHO OFF") + ("" if ph["plot"] <= 0.1 * fp else "  PLOT > 10 %")
    print(f"{n:>5} {k:>6} {peer:8.3f} {fp:10.3f} {peer / fp:6.2f}x {ph['solve']:7.2f} {ph['newton']:7.2f} {ph['polish']:7.2f} "
          f"{ph['stability']:8.2f} {ph['plot']:7.2f} {100 * ph['plot'] / fp:5.1f}% {rho:9.1e}  {verdict}{flags}")
    peers = [load(os.path.join(out, f"accept-peer-{n}-{k}-run{r}.json")) for r in runs] if pe else []
    peers = [q for q in peers if q is not None]
    flops = 2.0 * depth * int(n) ** 2
    ev, sv = statistics.median(c["evaluations"] for c in cs), ph["solve"]
    if peers:
        pev, psv = statistics.median(q["mapEvaluations"] for q in peers), statistics.median(q["iterationSeconds"] for q in peers)
        iteration.append(f"{n:>5} {k:>6} {int(ev):>11} {int(pev):>11} {sv:8.2f} {psv:8.2f} {ev * flops / sv / 1e9:9.1f} {pev * flops / psv / 1e9:9.1f}")
    census_s = statistics.median(c["elapsedSeconds"] for c in cs)
    csv.append(f"{n},{k},{fp},{peer},{census_s}," + ",".join(str(ph[p]) for p in phases))
if iteration:
    print()
    print(f"the iteration alone (medians; GFLOP/s = evaluations * 2*{depth}*N^2 / seconds):")
    print(f"{'N':>5} {'starts':>6} {'evals fp':>11} {'evals peer':>11} {'solve s':>8} {'peer s':>8} {'fp GF/s':>9} {'peer GF/s':>9}")
    for line in iteration:
        print(line)
name = "census-scaling.csv" if mode == "scaling" else "acceptance.csv"
open(os.path.join(out, name), "w").write("\n".join(csv) + "\n")
