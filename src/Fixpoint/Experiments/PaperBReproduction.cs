using System.Globalization;
using System.Text;
using Fixpoint.Census;

namespace Fixpoint.Experiments;

/// <summary>One sweep of the paper-B reproduction: its spec and what the claim section uses it for.</summary>
public sealed record PaperBSweep(string Name, string Claim, string SpecJson)
{
    public SweepSpec Spec => SweepSpec.Parse(SpecJson, Name + ".json");
}

/// <summary>A sweep's rows once run: every finished task, its cells and its homogeneity tests across depth.</summary>
public sealed record PaperBSweepResult(PaperBSweep Sweep, IReadOnlyList<TaskRow> Rows, IReadOnlyList<CellSummary> Cells, IReadOnlyList<SeriesHomogeneity> Tests, bool Complete);

public sealed record PaperBResult(IReadOnlyList<PaperBSweepResult> Sweeps, bool Cancelled, TimeSpan Elapsed);

/// <summary>
/// The sweeps behind docs/results/paper-b.md and the tables made from them. Each sweep runs into its own store
/// (resumable: a second run with the same folder skips finished tasks), so the tables can be regenerated from the
/// stores alone. Every claim is decided on Q (stable fixed points the map's dynamics reach from the starts) and
/// Q_total (with the Newton pass), with ≥ 100 networks per cell in the full plan.
/// </summary>
public static class PaperBReproduction
{
    private const string Common = """
        "starts": { "count": STARTS, "law": "uniform", "box": [-1, 1] },
        "solver": { "name": "picard", "atol": 1e-10, "maxIterations": 1000, "maxPeriod": 8 },
        "census": { "unstable": true }
        """;

    private static string Spec(string name, string axes, int realisations, int starts) =>
        "{\n  \"name\": \"" + name + "\",\n  \"seed\": 2026,\n  \"axes\": " + axes + ",\n  \"realisations\": " +
        realisations.ToString(CultureInfo.InvariantCulture) + ",\n  " + Common.Replace("STARTS", starts.ToString(CultureInfo.InvariantCulture)).Replace("\n", "\n  ") + "\n}\n";

    /// <summary>
    /// The full plan: 100 networks per cell, σ_b ∈ {0.1, 0.5, 1}, N from 10 to 200, L from 1 to 512, the Newton pass in
    /// every task. Wide cells cost most (a task at N = 50, L = 16 takes ~6 s, one at N = 200 with σ_b = 0.1 ~6 s), so
    /// those come as their own sweeps over fewer depths rather than as the full product.
    /// </summary>
    public static IReadOnlyList<PaperBSweep> Full { get; } =
    [
        new("claim1", "1", Spec("paper-b-claim1",
            """{ "width": [10, 20], "depth": [1, 2, 4, 8], "weights": ["gaussian(0.5)", "gaussian(1)", "gaussian(2)"], "scaling": "1/sqrt(n)", "biases": ["gaussian(0.1)", "gaussian(0.5)", "gaussian(1)"], "activation": "tanh" }""", 100, 100)),
        new("claim1-wide", "1", Spec("paper-b-claim1-wide",
            """{ "width": [50], "depth": [1, 4], "weights": ["gaussian(1)"], "scaling": "1/sqrt(n)", "biases": ["gaussian(0.1)", "gaussian(1)"], "activation": "tanh" }""", 100, 50)),
        new("claim1-n200", "1", Spec("paper-b-claim1-n200",
            """{ "width": [200], "depth": [1], "weights": ["gaussian(1)"], "scaling": "1/sqrt(n)", "biases": ["gaussian(0.1)", "gaussian(0.5)", "gaussian(1)"], "activation": "tanh" }""", 100, 50)),
        new("claim2", "2", Spec("paper-b-claim2",
            """{ "width": [10, 20], "depth": [1, 4, 16], "weights": ["cauchy(1)"], "scaling": "1/n", "biases": ["gaussian(0.1)", "gaussian(1)"], "activation": "tanh" }""", 100, 100)),
        new("claim2-wide", "2", Spec("paper-b-claim2-wide",
            """{ "width": [50], "depth": [1, 4], "weights": ["cauchy(1)"], "scaling": "1/n", "biases": ["gaussian(0.1)", "gaussian(1)"], "activation": "tanh" }""", 100, 100)),
        new("claim3", "3", Spec("paper-b-claim3",
            """{ "width": [10], "depth": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], "weights": ["cauchy(1)"], "scaling": "none", "biases": ["gaussian(0.1)"], "activation": "tanh" }""", 100, 100)),
        new("claim3-n20", "3", Spec("paper-b-claim3-n20",
            """{ "width": [20], "depth": [1, 2, 4, 8, 16, 32, 64, 128, 256], "weights": ["cauchy(1)"], "scaling": "none", "biases": ["gaussian(0.1)"], "activation": "tanh" }""", 100, 100)),
    ];

    /// <summary>The same sweeps at a few networks per cell and shallow depths: a smoke test whose numbers mean nothing.</summary>
    public static IReadOnlyList<PaperBSweep> Quick { get; } =
    [
        new("claim1", "1", Spec("paper-b-claim1-quick",
            """{ "width": [6], "depth": [1, 2], "weights": ["gaussian(0.5)", "gaussian(2)"], "scaling": "1/sqrt(n)", "biases": ["gaussian(0.1)", "gaussian(1)"], "activation": "tanh" }""", 6, 20)),
        new("claim2", "2", Spec("paper-b-claim2-quick",
            """{ "width": [6], "depth": [1, 2], "weights": ["cauchy(1)"], "scaling": "1/n", "biases": ["gaussian(0.1)"], "activation": "tanh" }""", 6, 20)),
        new("claim3", "3", Spec("paper-b-claim3-quick",
            """{ "width": [6], "depth": [1, 4, 16], "weights": ["cauchy(1)"], "scaling": "none", "biases": ["gaussian(0.1)"], "activation": "tanh" }""", 6, 20)),
    ];

    /// <summary>
    /// Runs every sweep of <paramref name="plan"/> into <c>DIR/NAME.db</c> (resuming what is there) and summarises it.
    /// Cancellation stops after the tasks in flight; the sweeps run so far are summarised and marked incomplete.
    /// </summary>
    public static PaperBResult Run(IReadOnlyList<PaperBSweep> plan, string dir, int threads, IProgress<Progress>? progress = null, CancellationToken ct = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = new List<PaperBSweepResult>();
        foreach (PaperBSweep sweep in plan)
        {
            SweepSpec spec = sweep.Spec;
            string store = Path.Combine(dir, sweep.Name + ".db");
            IReadOnlyList<TaskRow> rows;
            using (SweepStore s = SweepStore.OpenOrCreate(store, spec))
            {
                if (!ct.IsCancellationRequested)
                {
                    SweepRunner.Run(spec, s, Shard.All, threads, progress is null ? null : new Relay(progress, sweep.Name), ct);
                }
                rows = s.Rows();
            }
            bool complete = rows.Count == spec.TaskCount;
            results.Add(new PaperBSweepResult(sweep, rows, rows.Count > 0 ? SweepSummary.Summarise(rows) : [], rows.Count > 0 ? SweepSummary.AcrossDepth(rows) : [], complete));
        }
        return new PaperBResult(results, ct.IsCancellationRequested, clock.Elapsed);
    }

    /// <summary>Reports progress under the sweep's name, synchronously (Progress&lt;T&gt; would post to a thread pool).</summary>
    private sealed class Relay(IProgress<Progress> inner, string name) : IProgress<Progress>
    {
        public void Report(Progress value) => inner.Report(value with { Phase = name });
    }

    /// <summary>tables.md: every table of docs/results/paper-b.md, from the stores.</summary>
    public static string TablesMarkdown(PaperBResult result)
    {
        var sb = new StringBuilder();
        foreach (PaperBSweepResult s in result.Sweeps)
        {
            sb.AppendLine($"### {s.Sweep.Name} (claim {s.Sweep.Claim}): {s.Rows.Count} of {s.Sweep.Spec.TaskCount} networks{(s.Complete ? "" : " — INCOMPLETE")}");
            sb.AppendLine();
            if (s.Rows.Count == 0) { sb.AppendLine("(nothing run yet)"); sb.AppendLine(); continue; }
            sb.AppendLine("| weights | biases | N | L | networks | P(Q = 0) | P(Q = 1) | P(Q ≥ 2) [95%] | mean Q_total | P(Q_total = 1) [95%] | limit hid a stable point | corner points per network [95%] | starts in cycles | starts at the limit |");
            sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var cell in s.Rows.GroupBy(r => r.Cell.Key).Select(g => g.ToList())
                         .OrderBy(g => g[0].Cell.Weights, StringComparer.Ordinal).ThenBy(g => g[0].Cell.Biases, StringComparer.Ordinal)
                         .ThenBy(g => g[0].Cell.Width).ThenBy(g => g[0].Cell.Depth))
            {
                SweepCell c = cell[0].Cell;
                int n = cell.Count;
                long starts = cell.Sum(r => r.Starts);
                int q0 = cell.Count(r => r.Q == 0), q1 = cell.Count(r => r.Q == 1), q2 = cell.Count(r => r.Q >= 2);
                var ci2 = CensusStatistics.Wilson(q2, n);
                string total = "–", totalOne = "–", hid = "–", corners = "–";
                if (cell.All(r => r.QTotal.HasValue))
                {
                    total = F(cell.Average(r => r.QTotal!.Value));
                    int t1 = cell.Count(r => r.QTotal == 1);
                    var ct1 = CensusStatistics.Wilson(t1, n);
                    totalOne = $"{F((double)t1 / n)} [{F(ct1.Lo)}, {F(ct1.Hi)}]";
                }
                if (cell.All(r => r.StableUnreached.HasValue)) hid = cell.Count(r => r.StableUnreached > 0).ToString(CultureInfo.InvariantCulture);
                if (cell.All(r => r.CornerPoints.HasValue))
                {
                    double[] k = cell.Select(r => (double)r.CornerPoints!.Value).ToArray();
                    double mean = k.Average(), sd = n > 1 ? Math.Sqrt(k.Sum(v => (v - mean) * (v - mean)) / (n - 1)) : 0;
                    corners = $"{F(mean)} [{F(Math.Max(0, mean - 1.96 * sd / Math.Sqrt(n)))}, {F(mean + 1.96 * sd / Math.Sqrt(n))}]";
                }
                sb.AppendLine($"| {c.Weights} | {c.Biases} | {c.Width} | {c.Depth} | {n} | {F((double)q0 / n)} | {F((double)q1 / n)} | {F((double)q2 / n)} [{F(ci2.Lo)}, {F(ci2.Hi)}] | {total} | {totalOne} | {hid} | {corners} | {F(starts > 0 ? (double)cell.Sum(r => r.Cycle) / starts : double.NaN)} | {F(starts > 0 ? (double)cell.Sum(r => r.MaxIterations) / starts : double.NaN)} |");
            }
            sb.AppendLine();
            if (s.Tests.Count > 0)
            {
                sb.AppendLine($"Same distribution over {{0, 1, ≥ 2}} at every depth? ({s.Tests.Count} tests in this sweep; Bonferroni threshold {G(0.05 / s.Tests.Count)})");
                sb.AppendLine();
                sb.AppendLine("| series | of | depths | networks | χ² | df | p | p (permutation) | small expected share |");
                sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
                foreach (SeriesHomogeneity t in s.Tests)
                    sb.AppendLine($"| {t.Series} | {t.Quantity} | {t.Depths} | {t.Networks} | {F(t.Result.Statistic)} | {t.Result.DegreesOfFreedom} | {G(t.Result.PValue)} | {G(t.Result.PermutationPValue)} | {F(t.Result.SmallExpectedShare)} |");
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.###", CultureInfo.InvariantCulture) : "–";

    private static string G(double v) => double.IsFinite(v) ? v.ToString("G3", CultureInfo.InvariantCulture) : "–";
}
