using System.Diagnostics;
using ScottPlot;

namespace Fixpoint.Cli;

/// <summary>An unstable direction at a fixed point: drawn as a short segment through <paramref name="Point"/> along <paramref name="Direction"/> (any length; it is normalised).</summary>
internal sealed record ModeSegment(double[] Point, double[] Direction);

/// <summary>What census.png draws besides the census itself: start-to-end trajectories (each a list of states, drawn as thin grey lines under the points) and unstable modes.</summary>
internal sealed record CensusOverlays(IReadOnlyList<double[][]> Trajectories, IReadOnlyList<ModeSegment> UnstableModes)
{
    public static readonly CensusOverlays None = new([], []);
}

/// <summary>
/// census.png: start points coloured by the attractor they reached (grey: none), stable fixed points
/// filled, unstable ones hollow, cycles as linked diamonds; on the axes of a <see cref="CensusProjection"/>:
/// by default the coordinates when N ≤ 2, else the plane of the two leading principal components of the
/// fixed and cycle points.
/// </summary>
internal static class CensusPlot
{
    /// <summary>
    /// More starts than this are thinned (every k-th) so the plot stays readable and fast: each marker costs about
    /// 5 µs to render and a few more to encode, and 2500 already fill the basins of a 1000 × 750 panel.
    /// </summary>
    public const int MaxStartsDrawn = 2500;

    /// <summary>
    /// Draws census.png, eigenvalues.png and basins.png into <paramref name="run"/> under a "plot" progress phase and
    /// returns <paramref name="r"/> with the plots' seconds in its phases.
    /// </summary>
    public static CensusResult DrawAll(CensusResult r, CensusProjection projection, RunFolder run, IProgress<Progress>? progress, CensusOverlays? overlays = null)
    {
        long t0 = Stopwatch.GetTimestamp();
        progress?.Report(new Progress("plot", 0, 3));
        // The two small figures are drawn on a second core while census.png is drawn here: separate plots share nothing.
        int drawn = 0;
        void Done() => progress?.Report(new Progress("plot", Interlocked.Increment(ref drawn), 3));
        Task others = Task.Run(() =>
        {
            CensusFigures.Eigenvalues(r, run.File(CensusFigures.EigenvaluesFile));
            Done();
            CensusFigures.Basins(r, run.File(CensusFigures.BasinsFile));
            Done();
        });
        try { Draw(r, projection, run.File(FileName), overlays); }
        finally { others.GetAwaiter().GetResult(); }
        Done();
        return r with { Phases = r.Phases with { Plot = Stopwatch.GetElapsedTime(t0).TotalSeconds } };
    }

    public const string FileName = "census.png";

    /// <summary>
    /// Draws the three pictures of a small census (N = 4, 64 starts) at a small size and throws them away: the first
    /// picture of each kind in a process compiles and initialises its drawing code (eigenvalues.png and basins.png took
    /// 25–40 ms the first time and 10–15 ms after, census.png 30 ms more), which this does on whatever core is idle
    /// while the real census runs.
    /// </summary>
    public static void WarmUp()
    {
        PlotImage.WarmUp();
        var network = new Fixpoint.Init.RandomNetworkSpec(4, 2, new Fixpoint.Maps.TanhActivation(), new Fixpoint.Init.GaussianLaw(0.8),
            new Fixpoint.Init.GaussianLaw(0.1), Seed: 1).Build();
        CensusResult r = FixedPointCensus.Run(network, new UniformBoxStarts(-1, 1), 64, 1, new CensusOptions { Solve = new() { Threads = 1 } });
        _ = Render(r, CensusProjection.Pca, CensusOverlays.None, 160, 120);
        _ = CensusFigures.EigenvaluesPng(r, 160, 120);
        _ = CensusFigures.BasinsPng(r, 160, 120);
    }

    /// <summary>Size of one panel; pca3 and three-column matrices put three side by side.</summary>
    public const int Width = 1000, Height = 750, PanelWidth = 800, PanelHeight = 700;

    /// <summary>Half-length of an unstable-mode segment, as a fraction of the larger extent of the panel's points.</summary>
    public const double ModeSegmentFraction = 0.06;

    /// <summary>census.png on the axes of <paramref name="projection"/>, with the <paramref name="overlays"/> (trajectories under the points, unstable modes through their points).</summary>
    public static void Draw(CensusResult r, CensusProjection projection, string path, CensusOverlays? overlays = null)
    {
        byte[] png = Render(r, projection, overlays ?? CensusOverlays.None);
        AtomicFile.Write(path, s => s.Write(png));
    }

    internal static byte[] Render(CensusResult r, CensusProjection projection, CensusOverlays overlays, int width = Width, int height = Height)
    {
        int n = r.Dimension;
        ProjectionFrame frame = projection.Frame(r);
        int step = Math.Max(1, r.StartStatus.Length / MaxStartsDrawn);
        // Every start drawn is projected once, for all panels.
        var groups = new Dictionary<int, List<double[]>>();
        for (int i = 0; i < r.StartStatus.Length; i += step)
        {
            if (r.StartStatus[i] is null or Fixpoint.Solvers.SolveStatus.Cancelled) continue;
            double[] y = frame.Map(r.StartPoints.AsSpan(i * n, n).ToArray());
            if (frame.Jitter) y[1] = Jitter(i);
            int g = r.StartAttractor[i] ?? -1;
            if (!groups.TryGetValue(g, out var list)) groups[g] = list = [];
            list.Add(y);
        }
        var fixedPoints = r.FixedPoints.Select(f => frame.Map(f.X)).ToArray();
        var cycles = r.Cycles.Select(c => c.Points.Select(frame.Map).ToArray()).ToArray();
        var trajectories = overlays.Trajectories.Select(t => t.Select(frame.Map).ToArray()).ToArray();
        var modes = overlays.UnstableModes.Select(m => (P: m.Point, D: m.Direction)).ToArray();

        string title = $"{Count(r.FixedPoints.Count, "fixed point")} ({r.StableCount} stable), {Count(r.Cycles.Count, "cycle")}; {Count(r.Starts, "start")}{(r.Partial ? " (partial)" : "")}";
        var panels = frame.Panels;
        if (panels.Length == 1)
            return Panel(r, frame, panels[0], groups, fixedPoints, cycles, trajectories, modes, title, true, width, height);
        var images = panels.Select((pair, k) => Panel(r, frame, pair, groups, fixedPoints, cycles, trajectories, modes,
            k == 0 ? $"{title}\n{frame.Names[pair.X]}–{frame.Names[pair.Y]}" : $"\n{frame.Names[pair.X]}–{frame.Names[pair.Y]}", k == 0, PanelWidth, PanelHeight)).ToList();
        return PngPanels.Combine(images, images.Count);
    }

    private static byte[] Panel(CensusResult r, ProjectionFrame frame, (int X, int Y) pair, Dictionary<int, List<double[]>> groups,
        double[][] fixedPoints, double[][][] cycles, double[][][] trajectories, (double[] P, double[] D)[] modes, string title, bool legend, int width, int height)
    {
        int a = pair.X, b = pair.Y;
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        // Trajectories first, so the points are drawn over them.
        for (int t = 0; t < trajectories.Length; t++)
        {
            if (trajectories[t].Length == 0) continue;
            var line = plt.Add.ScatterLine(trajectories[t].Select(y => y[a]).ToArray(), trajectories[t].Select(y => y[b]).ToArray(), Colors.Gray.WithAlpha(0.6));
            line.LineWidth = 1;
            line.LegendText = t == 0 ? $"{Count(trajectories.Length, "trajectory", "trajectories")}" : "";
        }
        foreach (var (g, ys) in groups.OrderBy(kv => kv.Key))
        {
            Color c = g < 0 ? Colors.Gray.WithAlpha(0.5) : palette.GetColor(g % palette.Colors.Length).WithAlpha(0.55);
            var m = new PointCloud(ys.Select(y => y[a]).ToArray(), ys.Select(y => y[b]).ToArray(), 3, c);
            plt.Add.Plottable(m);
            m.LegendText = g < 0 ? "starts: no attractor" : g < r.FixedPoints.Count ? $"starts → fixed point {g}" : $"starts → cycle {g - r.FixedPoints.Count}";
        }
        if (modes.Length > 0)
        {
            // The segment's half-length is a share of the panel's extent, in state units: a direction that leaves the plane looks shorter.
            double half = ModeSegmentFraction * Extent(groups.Values.SelectMany(v => v).Concat(fixedPoints), a, b);
            for (int k = 0; k < modes.Length; k++)
            {
                var (p, d) = modes[k];
                double norm = Math.Sqrt(d.Sum(v => v * v));
                if (!(norm > 0) || !double.IsFinite(norm)) continue;
                var lo = frame.Map([.. p.Zip(d, (x, v) => x - half * v / norm)]);
                var hi = frame.Map([.. p.Zip(d, (x, v) => x + half * v / norm)]);
                var seg = plt.Add.Line(lo[a], lo[b], hi[a], hi[b]);
                seg.LineColor = Colors.Red;
                seg.LineWidth = 2.5f;
                seg.LegendText = k == 0 ? "unstable mode (eigenvector, ± a short step)" : "";
            }
        }
        for (int k = 0; k < r.FixedPoints.Count; k++)
        {
            FixedPointInfo f = r.FixedPoints[k];
            double px = fixedPoints[k][a], py = fixedPoints[k][b];
            bool stable = f.Stability == Stability.Stable;
            Color c = f.Hits > 0 ? palette.GetColor(k % palette.Colors.Length) : Colors.Black;
            var outline = plt.Add.Marker(px, py, stable ? MarkerShape.FilledCircle : MarkerShape.OpenCircle, 14, Colors.Black);
            var fill = plt.Add.Marker(px, py, stable ? MarkerShape.FilledCircle : MarkerShape.OpenCircle, stable ? 10 : 12, stable ? c : Colors.Black);
            fill.MarkerLineWidth = stable ? 1 : 2;
            outline.LegendText = "";
        }
        for (int j = 0; j < cycles.Length; j++)
        {
            var pts = cycles[j].Append(cycles[j][0]).ToArray();
            var line = plt.Add.ScatterLine(pts.Select(y => y[a]).ToArray(), pts.Select(y => y[b]).ToArray(), palette.GetColor((r.FixedPoints.Count + j) % palette.Colors.Length));
            line.LinePattern = LinePattern.Dashed;
            line.MarkerShape = MarkerShape.FilledDiamond;
            line.MarkerSize = 10;
            line.LegendText = $"cycle {j} (period {r.Cycles[j].Period})";
        }
        if (legend)
        {
            // Legend entries for the marker meaning.
            var stableKey = plt.Add.Marker(double.NaN, double.NaN, MarkerShape.FilledCircle, 10, Colors.Black);
            stableKey.LegendText = "stable fixed point (filled)";
            var unstableKey = plt.Add.Marker(double.NaN, double.NaN, MarkerShape.OpenCircle, 12, Colors.Black);
            unstableKey.LegendText = "unstable or marginal fixed point (hollow)";
            plt.ShowLegend(LegendCorner(fixedPoints.Concat(cycles.SelectMany(c => c)), groups.Values.SelectMany(v => v), a, b));
        }
        else plt.HideLegend();
        plt.Title(title);
        plt.XLabel(frame.Names[a]);
        plt.YLabel(frame.Note.Length > 0 && b == 1 && a == 0 ? $"{frame.Names[b]}   ({frame.Note})" : frame.Names[b]);
        if (frame.Jitter) plt.Axes.SetLimitsY(-1.5, 1.5);
        return PlotImage.Png(plt, width, height);
    }

    /// <summary>
    /// The corner of the panel whose legend would cover the fewest fixed and cycle points (upper right on a tie): the box
    /// is about 45% of the width and 40% of the height of the range of all the points drawn (the axes' range, nearly).
    /// </summary>
    private static Alignment LegendCorner(IEnumerable<double[]> points, IEnumerable<double[]> starts, int a, int b)
    {
        var pts = points.Where(y => double.IsFinite(y[a]) && double.IsFinite(y[b])).ToList();
        if (pts.Count == 0) return Alignment.UpperRight;
        var all = pts.Concat(starts.Where(y => double.IsFinite(y[a]) && double.IsFinite(y[b]))).ToList();
        double xl = all.Min(y => y[a]), xh = all.Max(y => y[a]), yl = all.Min(y => y[b]), yh = all.Max(y => y[b]);
        double U(double x) => xh > xl ? (x - xl) / (xh - xl) : 0.5;
        double V(double y) => yh > yl ? (y - yl) / (yh - yl) : 0.5;
        (Alignment Corner, Func<double, double, bool> Covers)[] corners =
        [
            (Alignment.UpperRight, (u, v) => u > 0.55 && v > 0.6),
            (Alignment.UpperLeft, (u, v) => u < 0.45 && v > 0.6),
            (Alignment.LowerRight, (u, v) => u > 0.55 && v < 0.4),
            (Alignment.LowerLeft, (u, v) => u < 0.45 && v < 0.4),
        ];
        return corners.OrderBy(c => pts.Count(y => c.Covers(U(y[a]), V(y[b])))).First().Corner; // OrderBy is stable: ties keep this order
    }

    /// <summary>The larger of the two coordinate ranges of the points (1 when they do not vary).</summary>
    private static double Extent(IEnumerable<double[]> points, int a, int b)
    {
        double xl = double.PositiveInfinity, xh = double.NegativeInfinity, yl = double.PositiveInfinity, yh = double.NegativeInfinity;
        foreach (double[] y in points)
        {
            if (!double.IsFinite(y[a]) || !double.IsFinite(y[b])) continue;
            xl = Math.Min(xl, y[a]); xh = Math.Max(xh, y[a]);
            yl = Math.Min(yl, y[b]); yh = Math.Max(yh, y[b]);
        }
        double e = Math.Max(xh - xl, yh - yl);
        return e > 0 && double.IsFinite(e) ? e : 1.0;
    }

    private static string Count(int n, string noun, string? plural = null) => n == 1 ? $"1 {noun}" : $"{n} {plural ?? noun + "s"}";

    private static double Jitter(int i) => ((i * 2654435761L % 1000) / 1000.0 - 0.5) * 1.6;
}
