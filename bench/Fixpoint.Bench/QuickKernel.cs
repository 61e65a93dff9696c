using System.Diagnostics;
using System.Globalization;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Bench;

/// <summary>
/// `kernel`: GFLOP/s of the batched layer X ← g(X·Wᵀ + b), counting 2·rows·N·N flops per layer,
/// for the affine map alone (g = identity) and with tanh. One line per shape, thread count and precision.
/// </summary>
internal static class QuickKernel
{
    public static int Run(QuickArgs a)
    {
        int[] sizes = a.Ints("n", [16, 64, 256]);
        int rows = a.Int("rows", 4096);
        int layers = a.Int("layers", 1);
        int[] threads = a.Ints("threads", [1, 0]);
        bool f32 = a.Flag("float32");
        double seconds = a.Double("seconds", 1.0);
        a.RejectUnknown();
        if (rows < 1 || layers < 1 || seconds <= 0) throw new ArgumentException("--rows, --layers and --seconds must be positive");
        Console.WriteLine($"# path={Gemm.Path} cores={Environment.ProcessorCount} rows={rows} layers={layers} (GFLOP/s = 2·rows·N²·layers / time; median and best of repeats)");
        foreach (int n in sizes)
            foreach (int t in threads)
                foreach (bool single in f32 ? new[] { false, true } : new[] { false })
                {
                    var (affMed, affBest) = Measure(n, rows, layers, "identity", t, single, seconds);
                    var (tanhMed, tanhBest) = Measure(n, rows, layers, "tanh", t, single, seconds);
                    int shown = t == 0 ? Environment.ProcessorCount : t;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"kernel n={n} rows={rows} layers={layers} threads={shown} precision={(single ? "f32" : "f64")} affine_gflops={affMed:F2} affine_best={affBest:F2} tanh_gflops={tanhMed:F2} tanh_best={tanhBest:F2}"));
                }
        return 0;
    }

    internal static (double Median, double Best) Measure(int n, int rows, int layers, string activation, int threads, bool single, double seconds)
    {
        Network net = Workloads.Network(n, layers, activation);
        double[] x = Workloads.Uniform(rows, n);
        double[] y = new double[rows * n];
        float[] xf = x.Select(v => (float)v).ToArray();
        float[] yf = new float[rows * n];
        double flops = 2.0 * rows * n * n * layers;
        void Once()
        {
            if (single)
            {
                if (threads == 1) net.EvaluateBatch(xf, yf, rows);
                else net.EvaluateBatchParallel(xf, yf, rows, threads);
            }
            else
            {
                if (threads == 1) net.EvaluateBatch(x, y, rows);
                else net.EvaluateBatchParallel(x, y, rows, threads);
            }
        }
        // Warm up (tiered JIT) for a fifth of the time, then time repeats.
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < Math.Min(0.2 * seconds, 1) || sw.ElapsedTicks == 0) Once();
        var rates = new List<double>();
        sw.Restart();
        while (sw.Elapsed.TotalSeconds < seconds || rates.Count < 5)
        {
            long t0 = Stopwatch.GetTimestamp();
            Once();
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            rates.Add(flops / dt / 1e9);
        }
        rates.Sort();
        return (rates[rates.Count / 2], rates[^1]);
    }
}
