using System.Diagnostics;
using System.Globalization;
using System.Text;
using Fixpoint.Maps;
using Fixpoint.Solvers;

namespace Fixpoint.Bench;

/// <summary>
/// `scaling`: how the cost of a census grows with the width N, the depth L and the number of starts,
/// for Picard and Anderson, plus the kernel's throughput per N. Writes one CSV row per measurement
/// (the columns are documented in docs/performance.md) and echoes it to stdout.
/// Networks: tanh, Gaussian weights 1/√N (scale 1), biases 0.1·Gaussian, seed 0; starts uniform in
/// [−1, 1]^N; Atol 1e-10, 2000 iterations at most; all cores.
/// </summary>
internal static class Scaling
{
    private const string Header = "sweep,solver,n,layers,starts,threads,seconds,evaluations,evals_per_second,us_per_eval,gflops,mean_iterations,converged";

    public static int Run(QuickArgs a)
    {
        string outPath = a.String("out") ?? Path.Combine("bench", "results", "scaling.csv");
        bool quick = a.Flag("quick");
        int threads = a.Int("threads", 0);
        a.RejectUnknown();
        int[] widths = quick ? [16, 64, 256] : [16, 32, 64, 128, 256, 512];
        int[] depths = quick ? [2, 4] : [2, 4, 8, 16];
        int[] startCounts = quick ? [256, 4096] : [256, 1024, 4096, 16384];
        var rows = new List<string> { Header };
        void Emit(string line)
        {
            rows.Add(line);
            Console.WriteLine(line);
        }
        Console.WriteLine(Header);
        foreach (int n in widths)
        {
            // One tanh layer on 4096 rows: seconds per batch, rows per second, GFLOP/s (median).
            var (gflops, _) = QuickKernel.Measure(n, 4096, 1, "tanh", threads, single: false, seconds: quick ? 0.5 : 1.0);
            double seconds = 2.0 * 4096 * n * n / (gflops * 1e9);
            Emit(string.Create(CultureInfo.InvariantCulture,
                $"kernel,layer-tanh,{n},1,4096,{Threads(threads)},{seconds:G6},4096,{4096 / seconds:G6},{1e6 * seconds / 4096:G6},{gflops:G6},1,4096"));
        }
        foreach (string solver in new[] { "picard", "anderson" })
        {
            foreach (int n in widths) Emit(Measure("n", solver, n, 4, 1024, threads));
            foreach (int l in depths) Emit(Measure("layers", solver, 64, l, 1024, threads));
            foreach (int s in startCounts) Emit(Measure("starts", solver, 64, 4, s, threads));
        }
        string? dir = Path.GetDirectoryName(outPath);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(outPath, string.Join("\n", rows) + "\n", new UTF8Encoding(false));
        Console.Error.WriteLine($"wrote {outPath}");
        return 0;
    }

    private static int Threads(int t) => t == 0 ? Environment.ProcessorCount : t;

    private static string Measure(string sweep, string solverName, int n, int layers, int starts, int threads)
    {
        Network net = Workloads.Network(n, layers, "tanh", scale: 1.0, seed: 0);
        ISolver solver = SolverSpec.Create(solverName).Build();
        var options = new SolveOptions { Atol = 1e-10, MaxIterations = 2000, Threads = threads };
        double[] x0 = Workloads.Uniform(starts, n);
        solver.SolveBatch(net, x0, Math.Min(starts, 64), options); // JIT and pools warm
        var sw = Stopwatch.StartNew();
        BatchResult r = solver.SolveBatch(net, x0, starts, options);
        double seconds = sw.Elapsed.TotalSeconds;
        double rate = r.Evaluations / seconds;
        double gflops = 2.0 * r.Evaluations * net.MultiplyAddsPerPoint / seconds / 1e9;
        double meanIter = r.Results.Average(q => q!.Iterations);
        int converged = r.Results.Count(q => q!.Converged);
        return string.Create(CultureInfo.InvariantCulture,
            $"{sweep},{solverName},{n},{layers},{starts},{Threads(threads)},{seconds:G6},{r.Evaluations},{rate:G6},{1e6 / rate:G6},{gflops:G6},{meanIter:G6},{converged}");
    }
}
