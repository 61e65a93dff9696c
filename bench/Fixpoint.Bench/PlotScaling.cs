using System.Globalization;
using ScottPlot;

namespace Fixpoint.Bench;

/// <summary>`plot-scaling`: draws bench/results/scaling.csv (from the `scaling` mode) as log-log plots of time against N, L and the number of starts.</summary>
internal static class PlotScaling
{
    public static int Run(QuickArgs a)
    {
        string csv = a.String("csv") ?? "bench/results/scaling.csv";
        string outDir = a.String("out") ?? Path.GetDirectoryName(csv) ?? ".";
        var rows = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).ToList();
        foreach (var (sweep, column, label) in new[] { ("n", 2, "width N (L = 4, 4096 starts)"), ("layers", 3, "depth L (N = 64, 4096 starts)"), ("starts", 4, "starts (N = 64, L = 4)") })
        {
            var plt = new Plot();
            var palette = new ScottPlot.Palettes.Category10();
            int k = 0;
            foreach (var g in rows.Where(r => r[0] == sweep).GroupBy(r => r[1]))
            {
                double[] xs = g.Select(r => Math.Log10(double.Parse(r[column], CultureInfo.InvariantCulture))).ToArray();
                double[] ys = g.Select(r => Math.Log10(double.Parse(r[6], CultureInfo.InvariantCulture))).ToArray();
                var s = plt.Add.Scatter(xs, ys, palette.GetColor(k++));
                s.LegendText = g.Key;
                s.MarkerSize = 8;
            }
            plt.Title($"census solve time against {label}, log-log");
            plt.XLabel($"log₁₀ {label}");
            plt.YLabel("log₁₀ seconds");
            plt.ShowLegend(Alignment.UpperLeft);
            string path = Path.Combine(outDir, $"scaling-{sweep}.png");
            plt.SavePng(path, 800, 550);
            Console.WriteLine($"wrote {path}");
        }
        return 0;
    }
}
