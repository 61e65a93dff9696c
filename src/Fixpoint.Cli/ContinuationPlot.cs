using Fixpoint.Continuation;
using ScottPlot;

namespace Fixpoint.Cli;

/// <summary>bifurcation.png: the parameter across, a scalar of x up; stable stretches solid, unstable dashed; every bifurcation marked and labelled.</summary>
internal static class ContinuationPlot
{
    public static void Draw(ContinuationResult r, Func<double[], double> y, string yLabel, string path)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        bool stableShown = false, unstableShown = false;
        foreach (Branch b in r.Branches)
        {
            Color color = palette.GetColor(b.Id % palette.Colors.Length);
            // Split the branch where its stability changes; the point at the change ends one stretch and starts the next.
            int start = 0;
            for (int i = 1; i <= b.Points.Count; i++)
            {
                if (i < b.Points.Count && Stable(b.Points[i]) == Stable(b.Points[start])) continue;
                var stretch = b.Points.Skip(start).Take(Math.Min(i + 1, b.Points.Count) - start).ToList();
                if (stretch.Count >= 1)
                {
                    var s = plt.Add.Scatter(stretch.Select(q => q.Parameter).ToArray(), stretch.Select(q => y(q.X)).ToArray(), color);
                    s.MarkerSize = stretch.Count == 1 ? 4 : 0;
                    s.LineWidth = 2;
                    bool stable = Stable(b.Points[start]);
                    if (!stable) s.LinePattern = LinePattern.Dashed;
                    if (stable && !stableShown) { s.LegendText = "stable"; stableShown = true; }
                    if (!stable && !unstableShown) { s.LegendText = "unstable (dashed)"; unstableShown = true; }
                }
                start = i;
            }
        }
        foreach (Bifurcation f in r.Bifurcations)
        {
            double fy = y(f.X);
            var m = plt.Add.Marker(f.Parameter, fy, MarkerShape.FilledCircle, 9, Colors.Black);
            _ = m;
            string label = f.Type switch
            {
                BifurcationType.Fold => "fold",
                BifurcationType.Flip => "flip",
                BifurcationType.NeimarkSacker => $"NS θ={f.Angle.GetValueOrDefault():0.###}",
                _ => "BP",
            };
            var t = plt.Add.Text($"{label} {f.Parameter.ToString("0.####", CultureInfo.InvariantCulture)}", f.Parameter, fy);
            t.LabelFontSize = 13;
            t.LabelOffsetX = 6;
            t.LabelOffsetY = -6;
        }
        plt.XLabel(r.Parameter);
        plt.YLabel(yLabel);
        plt.Title($"fixed points in {r.Parameter}{(r.Status == ContinuationStatus.Partial ? " (partial)" : "")}");
        if (stableShown || unstableShown) plt.ShowLegend(Alignment.UpperLeft);
        byte[] png = plt.GetImageBytes(1000, 650, ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }

    private static bool Stable(BranchPoint q) => q.UnstableDimensions == 0;
}
