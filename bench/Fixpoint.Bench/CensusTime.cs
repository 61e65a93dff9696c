using System.Diagnostics;
using System.Globalization;
using System.Text;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;

namespace Fixpoint.Bench;

/// <summary>
/// `census-time`: the iteration part of a census on a model file — uniform starts in a box, one
/// solver batch, then the converged points de-duplicated greedily in ∞-norm (tolerance
/// --unique-tol, 1e-6) — timed, and written as JSON shaped like census.json
/// (fixedPoints[].x, elapsedSeconds, outcomes). Used by bench/compare-numpy.sh when the CLI is absent.
/// elapsedSeconds is timed like the peer's: from the starts drawn to the fixed points de-duplicated
/// (iterationSeconds is the solver batch alone, totalSeconds includes loading the model and the JIT).
/// </summary>
internal static class CensusTime
{
    public static int Run(QuickArgs a)
    {
        string model = a.Required("model");
        int starts = a.Int("starts", 4096);
        double[] box = a.Doubles("box", [-1, 1]);
        double atol = a.Double("atol", 1e-10);
        int maxIter = a.Int("max-iter", 2000);
        string solverName = a.String("solver") ?? "anderson";
        ulong seed = (ulong)a.Int("seed", 0);
        int threads = a.Int("threads", 0);
        double uniqueTol = a.Double("unique-tol", 1e-6);
        string? outPath = a.String("out");
        bool float32 = a.Flag("float32");
        a.RejectUnknown();
        if (box.Length != 2 || !(box[0] < box[1])) throw new ArgumentException("--box takes LO HI with LO < HI");

        var total = Stopwatch.StartNew();
        Network net = ModelFile.Load(model);
        IMap map = float32 ? new Float32Map(net) : net;
        int n = net.Dimension;
        var rng = Rng.Derive(seed, Rng.HashKey("starts"));
        var x0 = new double[starts * n];
        for (int i = 0; i < x0.Length; i++) x0[i] = rng.Uniform(box[0], box[1]);
        ISolver solver = SolverSpec.Create(solverName).Build();
        var options = new SolveOptions { Atol = atol, Rtol = 0, MaxIterations = maxIter, Threads = threads };
        var sw = Stopwatch.StartNew();
        var elapsedWatch = Stopwatch.StartNew();
        BatchResult result = solver.SolveBatch(map, x0, starts, options);
        double iterSeconds = sw.Elapsed.TotalSeconds;
        var reps = new List<double[]>();
        var counts = new List<int>();
        var outcomes = new Dictionary<string, int>();
        foreach (SolveResult? r in result.Results)
        {
            if (r is null) continue;
            string key = r.Status.Key();
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            if (r.Status != SolveStatus.Converged) continue;
            int found = -1;
            for (int k = 0; k < reps.Count && found < 0; k++)
                if (DenseLinearAlgebra.MaxAbsDiff(reps[k], r.X) <= uniqueTol) found = k;
            if (found >= 0) counts[found]++;
            else { reps.Add(r.X); counts.Add(1); }
        }
        double elapsed = elapsedWatch.Elapsed.TotalSeconds;
        double totalSeconds = total.Elapsed.TotalSeconds;
        var json = new StringBuilder();
        json.Append(CultureInfo.InvariantCulture, $"{{\"tool\":\"fixpoint-bench census-time\",\"solver\":\"{solver.Name}\",\"precision\":\"{(float32 ? "f32" : "f64")}\",\"dimension\":{n},\"starts\":{starts},");
        json.Append(CultureInfo.InvariantCulture, $"\"threads\":{options.EffectiveThreads},\"mapEvaluations\":{result.Evaluations},\"iterationSeconds\":{iterSeconds:R},\"elapsedSeconds\":{elapsed:R},\"totalSeconds\":{totalSeconds:R},");
        json.Append("\"outcomes\":{").Append(string.Join(",", outcomes.Select(kv => $"\"{kv.Key}\":{kv.Value}"))).Append("},");
        json.Append("\"fixedPoints\":[");
        for (int k = 0; k < reps.Count; k++)
        {
            if (k > 0) json.Append(',');
            json.Append("{\"x\":[").Append(string.Join(",", reps[k].Select(v => v.ToString("R", CultureInfo.InvariantCulture)))).Append(CultureInfo.InvariantCulture, $"],\"count\":{counts[k]}}}");
        }
        json.Append("]}");
        if (outPath is not null) File.WriteAllText(outPath, json.ToString());
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"census-time {solver.Name} n={n} starts={starts} evals={result.Evaluations} iter={iterSeconds:F3}s elapsed={elapsed:F3}s total={totalSeconds:F3}s evals/s={result.Evaluations / iterSeconds:F0} unique={reps.Count} outcomes={string.Join(",", outcomes.Select(kv => $"{kv.Key}:{kv.Value}"))}"));
        if (outPath is null) Console.WriteLine(json);
        return 0;
    }
}
