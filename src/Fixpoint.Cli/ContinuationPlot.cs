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
        foreach (Branch b in r.Branches)
        {
            Color color = palette.GetColor(b.Id % palette.Colors.Length);
            // Each segment takes the stability of an end that is not on the unit circle (a located bifurcation is a
            // point of the branch, so a change of stability falls on one); runs of equal segments are drawn as one line.
            var pts = b.Points;
            if (pts.Count == 1)
            {
                var one = plt.Add.Marker(pts[0].Parameter, y(pts[0].X), MarkerShape.FilledCircle, 4, color);
                _ = one;
                continue;
            }
            int start = 0;
            bool? current = null;
            for (int i = 0; i < pts.Count - 1; i++)
            {
                bool stable = SegmentStable(pts[i], pts[i + 1]);
                current ??= stable;
                if (stable == current) continue;
                Line(start, i, current.Value);
                (start, current) = (i, stable);
            }
            Line(start, pts.Count - 1, current!.Value);

            void Line(int from, int to, bool stable)
            {
                var stretch = pts.Skip(from).Take(to - from + 1).ToList();
                var s = plt.Add.Scatter(stretch.Select(q => q.Parameter).ToArray(), stretch.Select(q => y(q.X)).ToArray(), color);
                s.MarkerSize = 0;
                s.LineWidth = 2;
                if (!stable) s.LinePattern = LinePattern.Dashed;
            }
        }
        // Labels only where they do not pile up: at most one per 4% of the parameter range.
        double range = Math.Abs(r.To - r.From), lastLabel = double.NegativeInfinity;
        foreach (Bifurcation f in r.Bifurcations.OrderBy(f => f.Parameter))
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
            if (Math.Abs(f.Parameter - lastLabel) < 0.04 * range) continue;
            lastLabel = f.Parameter;
            var t = plt.Add.Text($"{label} {f.Parameter.ToString("0.####", CultureInfo.InvariantCulture)}", f.Parameter, fy);
            t.LabelFontSize = 13;
            t.LabelOffsetY = -6;
            // Near the right edge the label goes to the left of its dot, so it is not cut off.
            bool right = f.Parameter > Math.Max(r.From, r.To) - 0.2 * range;
            t.LabelAlignment = right ? Alignment.LowerRight : Alignment.LowerLeft;
            t.LabelOffsetX = right ? -6 : 6;
        }
        plt.Axes.Margins(0.08, 0.1);
        plt.XLabel(r.Parameter);
        plt.YLabel(yLabel);
        // The key is in the title: a legend box inside the axes would hide branches and bifurcations under it.
        plt.Title($"fixed points in {r.Parameter}: stable solid, unstable dashed, one colour per branch{(r.Status == ContinuationStatus.Partial ? " (partial)" : "")}");
        byte[] png = PlotImage.Png(plt, 1000, 650);
        AtomicFile.Write(path, s => s.Write(png));
    }

    private static bool SegmentStable(BranchPoint a, BranchPoint b) =>
        OnCircle(a) ? b.UnstableDimensions == 0 : a.UnstableDimensions == 0;

    private static bool OnCircle(BranchPoint q) => Math.Abs(q.SpectralRadius - 1) <= 1e-6;
}
