using System.Globalization;
using ScottPlot;

namespace Fixpoint.Bench;

/// <summary>
/// `plot-scaling`: draws bench/results/scaling.csv (from the `scaling` mode) as log-log plots of time against N, L and the
/// number of starts; with --census-csv, draws census-scaling.csv (from `compare-numpy.sh --scaling`) as census-scaling.png.
/// </summary>
internal static class PlotScaling
{
    public static int Run(QuickArgs a)
    {
        if (a.String("census-csv") is string census) return Census(census, a.String("out") ?? Path.GetDirectoryName(census) ?? ".");
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

    /// <summary>
    /// Seconds against N, log-log: the whole `fixpoint census` process with its plot, each phase of census.json's
    /// phaseSeconds (a phase that never ran is left out), and the NumPy peer where it ran.
    /// Columns: n, starts, fixpoint_s, peer_s, census_s, solve, newton, polish, stability, plot.
    /// </summary>
    private static int Census(string csv, string outDir)
    {
        string[] header = File.ReadAllLines(csv)[0].Split(',');
        var rows = File.ReadAllLines(csv).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        double Value(string[] r, string column) => double.Parse(r[Array.IndexOf(header, column)], CultureInfo.InvariantCulture);
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var (column, label) in new[] { ("fixpoint_s", "fixpoint census (process, with census.png)"), ("peer_s", "NumPy peer (process)"),
                     ("solve", "solve"), ("newton", "newton"), ("polish", "polish"), ("stability", "stability"), ("plot", "plot") })
        {
            var points = rows.Select(r => (N: Value(r, "n"), S: Value(r, column))).Where(p => p.S > 0 && double.IsFinite(p.S)).ToList();
            if (points.Count == 0) continue;
            var s = plt.Add.Scatter(points.Select(p => Math.Log10(p.N)).ToArray(), points.Select(p => Math.Log10(p.S)).ToArray(), palette.GetColor(k++));
            s.LegendText = label;
            s.MarkerSize = 8;
            if (column is not ("fixpoint_s" or "peer_s")) s.LinePattern = LinePattern.Dashed;
        }
        string starts = string.Join(", ", rows.Select(r => r[1]).Distinct());
        plt.Title($"fixpoint census on defaults against N (tanh, L = 4, Gaussian 0.8/√N; {starts} starts), log-log");
        plt.XLabel("log₁₀ N");
        plt.YLabel("log₁₀ seconds");
        plt.ShowLegend(Alignment.UpperLeft);
        string path = Path.Combine(outDir, "census-scaling.png");
        plt.SavePng(path, 900, 600);
        Console.WriteLine($"wrote {path}");
        return 0;
    }
}
