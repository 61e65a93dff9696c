using ScottPlot;

namespace Fixpoint.Cli;

/// <summary>The PNG figures of train, restore, classify and early-exit.</summary>
internal static class ApplicationPlots
{
    private static void Save(Plot plt, string path, int width = 1000, int height = 700)
    {
        byte[] png = plt.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }

    private static double Log10(double v) => v > 0 && double.IsFinite(v) ? Math.Log10(v) : double.NaN;

    /// <summary>loss.png: log10 of the training and test reconstruction MSE and of the Jacobian penalty, per epoch.</summary>
    public static void Loss(IReadOnlyList<EpochRecord> h, string title, string path)
    {
        var plt = new Plot();
        double[] x = h.Select(e => (double)e.Epoch).ToArray();
        void Series(string label, Func<EpochRecord, double> f)
        {
            double[] y = h.Select(e => Log10(f(e))).ToArray();
            if (y.All(double.IsNaN)) return;
            var s = plt.Add.Scatter(x, y);
            s.LegendText = label;
            s.MarkerSize = 0;
            s.LineWidth = 2;
        }
        Series("training reconstruction MSE", e => e.Reconstruction);
        Series("test reconstruction MSE", e => e.TestReconstruction);
        Series("Jacobian penalty (1/N)‖J v‖²", e => e.JacobianPenalty);
        plt.Title(title);
        plt.XLabel("epoch");
        plt.YLabel("log10 value");
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, path);
    }

    /// <summary>tails.png: per layer, the Hill index of |W_ij| and the ESD power-law α of WᵀW against the epoch.</summary>
    public static void Tails(IReadOnlyList<EpochRecord> h, string path)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int layers = h.Count == 0 ? 0 : h[0].Tails.Count;
        double[] x = h.Select(e => (double)e.Epoch).ToArray();
        for (int l = 0; l < layers; l++)
        {
            Color c = palette.GetColor(l % palette.Colors.Length);
            var hill = plt.Add.Scatter(x, h.Select(e => e.Tails[l].Hill).ToArray(), c);
            hill.LegendText = $"layer {l}: Hill index of |W|";
            hill.MarkerSize = 0;
            hill.LineWidth = 2;
            var esd = plt.Add.Scatter(x, h.Select(e => e.Tails[l].Esd?.Alpha ?? double.NaN).ToArray(), c);
            esd.LegendText = $"layer {l}: ESD power-law α of WᵀW";
            esd.MarkerSize = 0;
            esd.LineWidth = 2;
            esd.LinePattern = LinePattern.Dashed;
        }
        plt.Title("Heavy tails during training (Gaussian start); lower = heavier");
        plt.XLabel("epoch");
        plt.YLabel("tail index");
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, path);
    }

    /// <summary>montage.png: one row per example, columns clean, damaged, one pass, attractor, nearest training image (grey, −1 black, +1 white).</summary>
    public static void Montage(IReadOnlyList<RestoreExample> examples, int width, int height, string path)
    {
        string[] columns = ["clean", "damaged", "one pass", "attractor", "nearest training"];
        int gap = 1, cw = width + gap, rh = height + gap;
        int totalW = columns.Length * cw - gap, totalH = examples.Count * rh - gap;
        var grid = new double[totalH, totalW];
        for (int i = 0; i < totalH; i++) for (int j = 0; j < totalW; j++) grid[i, j] = double.NaN;
        for (int r = 0; r < examples.Count; r++)
        {
            RestoreExample e = examples[r];
            double[][] imgs = [e.Clean, e.Damaged, e.OnePass, e.Attractor, e.Nearest];
            for (int c = 0; c < imgs.Length; c++)
                for (int y = 0; y < height; y++)
                    for (int x = 0; x < width; x++)
                        grid[r * rh + y, c * cw + x] = Math.Clamp(imgs[c][y * width + x], -1, 1);
        }
        var plt = new Plot();
        var hm = plt.Add.Heatmap(grid);
        hm.Colormap = new ScottPlot.Colormaps.Grayscale();
        hm.ManualRange = new ScottPlot.Range(-1, 1);
        hm.NaNCellColor = Colors.SteelBlue;
        hm.Extent = new CoordinateRect(0, totalW, 0, totalH);
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            columns.Select((_, c) => c * cw + width / 2.0).ToArray(), columns);
        plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            examples.Select((_, r) => totalH - (r * rh + height / 2.0)).ToArray(), examples.Select(e => $"{e.Set} {e.Damage}").ToArray());
        plt.Axes.SetLimits(0, totalW, 0, totalH);
        plt.Title("Restoring by iterating to an attractor");
        int cell = Math.Max(4, 80 / Math.Max(width, height));
        Save(plt, path, Math.Max(600, 260 + totalW * cell), 110 + totalH * cell);
    }

    /// <summary>confusion.png: row-normalised confusion matrices of the basin classifier and of k-NN side by side (last basin column: no labelled attractor).</summary>
    public static void Confusion(ClassifyReport r, string path)
    {
        int c = r.Classes, gap = 2;
        int w = (c + 1) + gap + c;
        var grid = new double[c, w];
        for (int i = 0; i < c; i++)
        {
            for (int j = 0; j < w; j++) grid[i, j] = double.NaN;
            double rowB = Math.Max(1, r.Confusion[i].Sum()), rowK = Math.Max(1, r.KnnConfusion[i].Sum());
            for (int j = 0; j <= c; j++) grid[i, j] = r.Confusion[i][j] / rowB;
            for (int j = 0; j < c; j++) grid[i, c + 1 + gap + j] = r.KnnConfusion[i][j] / rowK;
        }
        var plt = new Plot();
        var hm = plt.Add.Heatmap(grid);
        hm.Colormap = new ScottPlot.Colormaps.Viridis();
        hm.ManualRange = new ScottPlot.Range(0, 1);
        hm.NaNCellColor = Colors.White;
        hm.Extent = new CoordinateRect(0, w, 0, c);
        var xt = Enumerable.Range(0, c + 1).Select(j => j + 0.5).Concat(Enumerable.Range(0, c).Select(j => c + 1 + gap + j + 0.5)).ToArray();
        var xl = Enumerable.Range(0, c).Select(j => j.ToString(CultureInfo.InvariantCulture)).Append("none").Concat(Enumerable.Range(0, c).Select(j => j.ToString(CultureInfo.InvariantCulture))).ToArray();
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xt, xl);
        plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, c).Select(i => c - i - 0.5).ToArray(), Enumerable.Range(0, c).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray());
        plt.Axes.SetLimits(0, w, 0, c);
        plt.XLabel("predicted label");
        plt.YLabel("true label");
        plt.Title($"Basin classifier (left, accuracy {r.Accuracy:0.000}) vs {r.K}-NN (right, {r.KnnAccuracy:0.000})");
        Save(plt, path, 1100, 550);
    }

    /// <summary>early_exit.png: accuracy against mean loops used, one curve per model and exit criterion, each point a τ; full depth is the right end.</summary>
    public static void EarlyExitTradeOff(IReadOnlyList<(string Name, EarlyExitReport Report)> reports, string path)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var (name, rep) in reports)
        {
            foreach (var group in rep.Rows.Where(r => r.Criterion != nameof(ExitCriterion.Never)).GroupBy(r => r.Criterion))
            {
                var rows = group.Prepend(rep.Rows[0]).OrderBy(r => r.MeanLoops).ToArray();
                var s = plt.Add.Scatter(rows.Select(r => r.MeanLoops).ToArray(), rows.Select(r => r.Accuracy).ToArray(), palette.GetColor(k++ % palette.Colors.Length));
                s.LegendText = $"{name}, {(group.Key == nameof(ExitCriterion.Cosine) ? "cos ≥ 1 − τ" : "‖Δh‖∞ ≤ τ")}";
                s.MarkerSize = 7;
                foreach (var r in group)
                {
                    var t = plt.Add.Text(r.Tau.ToString("g2", CultureInfo.InvariantCulture), r.MeanLoops, r.Accuracy);
                    t.LabelFontSize = 10;
                }
            }
        }
        plt.Title("Early exit: accuracy against mean loops (labels: τ)");
        plt.XLabel("mean loops used");
        plt.YLabel("test accuracy");
        plt.ShowLegend(Alignment.LowerRight);
        Save(plt, path);
    }

    /// <summary>early_exit_speedup.png: measured wall-time speed-up against the accuracy change, per model and criterion.</summary>
    public static void EarlyExitSpeedUp(IReadOnlyList<(string Name, EarlyExitReport Report)> reports, string path)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var (name, rep) in reports)
        {
            foreach (var group in rep.Rows.Where(r => r.Criterion != nameof(ExitCriterion.Never)).GroupBy(r => r.Criterion))
            {
                var rows = group.OrderBy(r => r.Tau).ToArray();
                var s = plt.Add.Scatter(rows.Select(r => r.SpeedUp).ToArray(), rows.Select(r => 100 * r.AccuracyChange).ToArray(), palette.GetColor(k++ % palette.Colors.Length));
                s.LegendText = $"{name}, {(group.Key == nameof(ExitCriterion.Cosine) ? "cos ≥ 1 − τ" : "‖Δh‖∞ ≤ τ")}";
                s.MarkerSize = 7;
                foreach (var r in rows)
                {
                    var t = plt.Add.Text(r.Tau.ToString("g2", CultureInfo.InvariantCulture), r.SpeedUp, 100 * r.AccuracyChange);
                    t.LabelFontSize = 10;
                }
            }
        }
        plt.Add.VerticalLine(1, 1, Colors.Gray, LinePattern.Dotted);
        plt.Add.HorizontalLine(0, 1, Colors.Gray, LinePattern.Dotted);
        plt.Title("Early exit: measured wall-time speed-up over full depth vs accuracy change (labels: τ)");
        plt.XLabel("speed-up (median full-depth time / median early-exit time)");
        plt.YLabel("accuracy change (percentage points)");
        plt.ShowLegend(Alignment.LowerLeft);
        Save(plt, path);
    }
}
