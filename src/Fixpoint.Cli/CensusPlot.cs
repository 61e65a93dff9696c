using System.Diagnostics;
using ScottPlot;

namespace Fixpoint.Cli;

/// <summary>
/// census.png: start points coloured by the attractor they reached (grey: none), stable fixed points
/// filled, unstable ones hollow, cycles as linked diamonds; on the coordinates when N ≤ 2, else on
/// the plane of the two leading principal components of the fixed and cycle points.
/// </summary>
internal static class CensusPlot
{
    /// <summary>
    /// More starts than this are thinned (every k-th) so the plot stays readable and fast: each marker costs about
    /// 15 µs to render, so 20 000 of them took 0.3 s, a third of a census of 16 384 starts at N = 64.
    /// </summary>
    public const int MaxStartsDrawn = 5000;

    /// <summary>Draws census.png under a "plot" progress phase and returns <paramref name="r"/> with the plot's seconds in its phases.</summary>
    public static CensusResult Draw(CensusResult r, IMap map, StartSpec spec, string path, IProgress<Progress>? progress)
    {
        long t0 = Stopwatch.GetTimestamp();
        progress?.Report(new Progress("plot", 0, 1));
        Draw(r, map, spec, path);
        progress?.Report(new Progress("plot", 1, 1));
        return r with { Phases = r.Phases with { Plot = Stopwatch.GetElapsedTime(t0).TotalSeconds } };
    }

    public static void Draw(CensusResult r, IMap map, StartSpec spec, string path)
    {
        int n = r.Dimension;
        Func<double[], (double X, double Y)> project;
        string xLabel, yLabel;
        if (n == 1)
        {
            project = p => (p[0], 0);
            xLabel = "x"; yLabel = "";
        }
        else if (n == 2)
        {
            project = p => (p[0], p[1]);
            xLabel = "x₁"; yLabel = "x₂";
        }
        else
        {
            (project, double share) = Plane(r, n);
            xLabel = "PC1"; yLabel = $"PC2   (PC1 and PC2 carry {share * 100:0}% of the variance)";
        }

        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int step = Math.Max(1, r.StartStatus.Length / MaxStartsDrawn);
        int attractors = r.FixedPoints.Count + r.Cycles.Count;
        var groups = new Dictionary<int, (List<double> X, List<double> Y)>();
        for (int i = 0; i < r.StartStatus.Length; i += step)
        {
            if (r.StartStatus[i] is null or Fixpoint.Solvers.SolveStatus.Cancelled) continue;
            var (px, py) = project(r.StartPoints.AsSpan(i * n, n).ToArray());
            if (n == 1) py = Jitter(i);
            int g = r.StartAttractor[i] ?? -1;
            if (!groups.TryGetValue(g, out var list)) groups[g] = list = ([], []);
            list.X.Add(px);
            list.Y.Add(py);
        }
        foreach (var (g, (xs, ys)) in groups.OrderBy(kv => kv.Key))
        {
            Color c = g < 0 ? Colors.Gray.WithAlpha(0.5) : palette.GetColor(g % palette.Colors.Length).WithAlpha(0.55);
            var m = plt.Add.Markers(xs.ToArray(), ys.ToArray(), MarkerShape.FilledCircle, 3, c);
            m.LegendText = g < 0 ? "starts: no attractor" : g < r.FixedPoints.Count ? $"starts → fixed point {g}" : $"starts → cycle {g - r.FixedPoints.Count}";
        }
        for (int k = 0; k < r.FixedPoints.Count; k++)
        {
            FixedPointInfo f = r.FixedPoints[k];
            var (px, py) = project(f.X);
            bool stable = f.Stability == Stability.Stable;
            Color c = f.Hits > 0 ? palette.GetColor(k % palette.Colors.Length) : Colors.Black;
            var outline = plt.Add.Marker(px, py, stable ? MarkerShape.FilledCircle : MarkerShape.OpenCircle, 14, Colors.Black);
            var fill = plt.Add.Marker(px, py, stable ? MarkerShape.FilledCircle : MarkerShape.OpenCircle, stable ? 10 : 12, stable ? c : Colors.Black);
            fill.MarkerLineWidth = stable ? 1 : 2;
            outline.LegendText = "";
        }
        for (int j = 0; j < r.Cycles.Count; j++)
        {
            CycleInfo cy = r.Cycles[j];
            var pts = cy.Points.Append(cy.Points[0]).Select(project).ToArray();
            var line = plt.Add.ScatterLine(pts.Select(p => p.X).ToArray(), pts.Select(p => p.Y).ToArray(), palette.GetColor((r.FixedPoints.Count + j) % palette.Colors.Length));
            line.LinePattern = LinePattern.Dashed;
            line.MarkerShape = MarkerShape.FilledDiamond;
            line.MarkerSize = 10;
            line.LegendText = $"cycle {j} (period {cy.Period})";
        }
        // Legend entries for the marker meaning.
        var stableKey = plt.Add.Marker(double.NaN, double.NaN, MarkerShape.FilledCircle, 10, Colors.Black);
        stableKey.LegendText = "stable fixed point (filled)";
        var unstableKey = plt.Add.Marker(double.NaN, double.NaN, MarkerShape.OpenCircle, 12, Colors.Black);
        unstableKey.LegendText = "unstable or marginal fixed point (hollow)";
        plt.ShowLegend(Alignment.UpperRight);
        plt.Title($"{Count(r.FixedPoints.Count, "fixed point")} ({r.StableCount} stable), {Count(r.Cycles.Count, "cycle")}; {Count(r.Starts, "start")}{(r.Partial ? " (partial)" : "")}");
        plt.XLabel(xLabel);
        plt.YLabel(yLabel);
        if (n == 1) plt.Axes.SetLimitsY(-1.5, 1.5);
        byte[] png = plt.GetImageBytes(1000, 750, ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private static double Jitter(int i) => ((i * 2654435761L % 1000) / 1000.0 - 0.5) * 1.6;

    /// <summary>PCA of the fixed and cycle points (of the first 2000 starts when those span less than a plane).</summary>
    private static (Func<double[], (double, double)>, double) Plane(CensusResult r, int n)
    {
        var pts = r.FixedPoints.Select(f => f.X).Concat(r.Cycles.SelectMany(c => c.Points)).ToList();
        int m = pts.Count < 3 ? pts.Count + Math.Min(r.StartStatus.Length, 2000) : pts.Count;
        var rows = new double[m * n];
        for (int i = 0; i < pts.Count; i++) pts[i].CopyTo(rows, i * n);
        if (m > pts.Count) r.StartPoints.AsSpan(0, (m - pts.Count) * n).CopyTo(rows.AsSpan(pts.Count * n));
        PrincipalPlane plane = PrincipalComponents.Leading(rows, m, n);
        return (p => plane.Project(p), plane.Share);
    }
}
