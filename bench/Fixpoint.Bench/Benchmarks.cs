using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Fixpoint.Maps;
using Fixpoint.Solvers;

namespace Fixpoint.Bench;

/// <summary>
/// The batched layer X ← g(X·Wᵀ + b) for `Rows` rows of width N, one layer: `Affine` (g = identity)
/// and `Tanh`, single-threaded and with the parallel entry point. GFLOP/s = 2·Rows·N² / mean time.
/// </summary>
[Config(typeof(KernelConfig))]
public class KernelBenchmarks
{
    private Network _identity = null!;
    private Network _tanh = null!;
    private double[] _x = [];
    private double[] _y = [];
    private float[] _xf = [];
    private float[] _yf = [];

    [Params(16, 64, 256)]
    public int N { get; set; }

    [Params(4096)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _identity = Workloads.Network(N, 1, "identity");
        _tanh = Workloads.Network(N, 1, "tanh");
        _x = Workloads.Uniform(Rows, N);
        _y = new double[_x.Length];
        _xf = _x.Select(v => (float)v).ToArray();
        _yf = new float[_x.Length];
    }

    [Benchmark(Baseline = true)]
    public void Affine() => _identity.EvaluateBatch(_x, _y, Rows);

    [Benchmark]
    public void Tanh() => _tanh.EvaluateBatch(_x, _y, Rows);

    [Benchmark]
    public void TanhParallel() => _tanh.EvaluateBatchParallel(_x, _y, Rows);

    [Benchmark]
    public void TanhFloat32() => _tanh.EvaluateBatch(_xf, _yf, Rows);

    private sealed class KernelConfig : ManualConfig
    {
        public KernelConfig() => AddColumn(new RateColumn("GFLOP/s", "2·Rows·N² flops per layer / mean", c =>
            2.0 * Param(c, "Rows") * Param(c, "N") * Param(c, "N") / 1e9));
    }

    internal static double Param(BenchmarkDotNet.Running.BenchmarkCase c, string name) =>
        Convert.ToDouble(c.Parameters[name], CultureInfo.InvariantCulture);
}

/// <summary>
/// Solvers on a depth-4 tanh network with Gaussian weights (scale 1/√N): `Starts` uniform starts in
/// [−1, 1]^N to Atol 1e-10, all cores. Reports map evaluations per second (rows of F evaluated).
/// </summary>
[Config(typeof(SolverConfig))]
public class SolverBenchmarks
{
    private static readonly ConcurrentDictionary<string, long> Evaluations = new();
    private Network _net = null!;
    private double[] _starts = [];

    [Params(16, 64, 256)]
    public int N { get; set; }

    [Params(1024)]
    public int Starts { get; set; }

    [Params("picard", "anderson")]
    public string Solver { get; set; } = "picard";

    [GlobalSetup]
    public void Setup()
    {
        _net = Workloads.Network(N, 4, "tanh", scale: 1.0, seed: 0);
        _starts = Workloads.Uniform(Starts, N);
    }

    [Benchmark]
    public long Solve() => SolverSpec.Create(Solver).Build().SolveBatch(_net, _starts, Starts, new SolveOptions { Atol = 1e-10 }).Evaluations;

    private static string Key(object n, object starts, object solver) => $"{n}/{starts}/{solver}";

    private sealed class SolverConfig : ManualConfig
    {
        public SolverConfig() => AddColumn(new RateColumn("evals/s", "map evaluations (rows) per second", c =>
            Evaluations.GetOrAdd(Key(c.Parameters["N"], c.Parameters["Starts"], c.Parameters["Solver"]), _ => Count(c))));

        // The evaluation count is deterministic, so the host process recomputes it once per case.
        private static long Count(BenchmarkDotNet.Running.BenchmarkCase c)
        {
            var b = new SolverBenchmarks
            {
                N = (int)c.Parameters["N"],
                Starts = (int)c.Parameters["Starts"],
                Solver = (string)c.Parameters["Solver"],
            };
            b.Setup();
            return b.Solve();
        }
    }
}

/// <summary>A column showing work / mean time, the work per invocation given by a function of the case.</summary>
internal sealed class RateColumn(string name, string legend, Func<BenchmarkDotNet.Running.BenchmarkCase, double> work) : IColumn
{
    public string Id => nameof(RateColumn) + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;
    public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        double? meanNs = report?.ResultStatistics?.Mean;
        if (meanNs is null or <= 0) return "NA";
        double rate = work(benchmarkCase) / (meanNs.Value * 1e-9);
        return rate.ToString(rate >= 100 ? "N0" : "F2", CultureInfo.InvariantCulture);
    }
}
