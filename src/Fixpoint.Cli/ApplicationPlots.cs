using ScottPlot;

namespace Fixpoint.Cli;

/// <summary>The PNG figures of train, restore, classify and early-exit.</summary>
internal static class ApplicationPlots
{
    private static void Save(Plot plt, string path, int width = 1000, int height = 700)
    {
        byte[] png = PlotImage.Png(plt, width, height);
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
        // The extent places the cells' centres (its corners are the corner cells' centres): cell (i, j) spans [j, j + 1].
        hm.Extent = new CoordinateRect(0.5, w - 0.5, 0.5, c - 0.5);
        var bar = plt.Add.ColorBar(hm);
        bar.Label = "share of the row";
        bar.Axis.TickGenerator = PlotTicks.Round(0, 1);
        // Every non-empty cell says its count; light text on the dark (low) end of viridis, dark on the light end.
        for (int i = 0; i < c; i++)
        {
            for (int j = 0; j <= c; j++) CellCount(plt, r.Confusion[i][j], grid[i, j], j, c - i - 1);
            for (int j = 0; j < c; j++) CellCount(plt, r.KnnConfusion[i][j], grid[i, c + 1 + gap + j], c + 1 + gap + j, c - i - 1);
        }
        var xt = Enumerable.Range(0, c + 1).Select(j => j + 0.5).Concat(Enumerable.Range(0, c).Select(j => c + 1 + gap + j + 0.5)).ToArray();
        var xl = Enumerable.Range(0, c).Select(j => j.ToString(CultureInfo.InvariantCulture)).Append("none").Concat(Enumerable.Range(0, c).Select(j => j.ToString(CultureInfo.InvariantCulture))).ToArray();
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xt, xl);
        plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, c).Select(i => c - i - 0.5).ToArray(), Enumerable.Range(0, c).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray());
        plt.Axes.SetLimits(0, w, 0, c);
        plt.XLabel("predicted label");
        plt.YLabel("true label");
        plt.Title($"Basin classifier (left, accuracy {r.Accuracy:0.000}) vs {r.K}-NN (right, {r.KnnAccuracy:0.000}); numbers: test images");
        Save(plt, path, 1250, 600);
    }

    private static void CellCount(Plot plt, int count, double share, int column, int row)
    {
        if (count == 0) return;
        var t = plt.Add.Text(count.ToString(CultureInfo.InvariantCulture), column + 0.5, row + 0.5);
        t.Alignment = Alignment.MiddleCenter;
        t.LabelFontSize = 11;
        t.LabelFontColor = share < 0.6 ? Colors.White : Colors.Black;
    }

    /// <summary>
    /// early_exit.png: accuracy against mean loops used, one panel per model, one curve per exit criterion, each point a τ;
    /// the curves end at full depth (the star).
    /// </summary>
    public static void EarlyExitTradeOff(IReadOnlyList<(string Name, EarlyExitReport Report)> reports, string path)
    {
        var panels = reports.Select(m => TauPanel($"{m.Name}: accuracy against mean loops (labels: τ)", "mean loops used", "test accuracy",
            Series(m.Report, r => r.MeanLoops, r => r.Accuracy, withFullDepth: true), (m.Report.Rows[0].MeanLoops, m.Report.Rows[0].Accuracy), null)).ToList();
        AtomicFile.Write(path, s => s.Write(PngPanels.Combine(panels, panels.Count)));
    }

    /// <summary>early_exit_speedup.png: measured wall-time speed-up against the accuracy change, one panel per model, one curve per criterion.</summary>
    public static void EarlyExitSpeedUp(IReadOnlyList<(string Name, EarlyExitReport Report)> reports, string path)
    {
        var panels = reports.Select(m => TauPanel($"{m.Name}: wall-time speed-up over full depth vs accuracy change (labels: τ)",
            "speed-up (median full-depth time / median early-exit time)", "accuracy change (percentage points)",
            Series(m.Report, r => r.SpeedUp, r => 100 * r.AccuracyChange, withFullDepth: false), null, plt =>
            {
                plt.Add.VerticalLine(1, 1, Colors.Gray, LinePattern.Dotted);
                plt.Add.HorizontalLine(0, 1, Colors.Gray, LinePattern.Dotted);
            })).ToList();
        AtomicFile.Write(path, s => s.Write(PngPanels.Combine(panels, panels.Count)));
    }

    /// <summary>One exit criterion's points (τ ascending), drawn in its own marker so that a series under another stays visible.</summary>
    private sealed record TauSeries(string Label, double[] X, double[] Y, double[] Tau, int Start);

    private static List<TauSeries> Series(EarlyExitReport rep, Func<EarlyExitRow, double> x, Func<EarlyExitRow, double> y, bool withFullDepth)
    {
        var list = new List<TauSeries>();
        foreach (var group in rep.Rows.Where(r => r.Criterion != nameof(ExitCriterion.Never)).GroupBy(r => r.Criterion))
        {
            var rows = group.OrderBy(r => r.Tau).ToList();
            bool fixedDepth = group.Key == nameof(ExitCriterion.FixedDepth);
            // The curve runs on to the full-depth row (τ → 0, or the deepest fixed depth), which carries no label.
            if (withFullDepth && !fixedDepth) rows.Insert(0, rep.Rows[0]);
            string label = group.Key switch
            {
                nameof(ExitCriterion.Cosine) => "cos ≥ 1 − τ",
                nameof(ExitCriterion.FixedDepth) => "fixed depth d (labels: d)",
                _ => "‖Δh‖∞ ≤ τ",
            };
            list.Add(new TauSeries(label, [.. rows.Select(x)], [.. rows.Select(y)], [.. rows.Select(r => r.Tau)], withFullDepth && !fixedDepth ? 1 : 0));
        }
        return list;
    }

    private const int PanelWidth = 900, PanelHeight = 700;

    /// <summary>
    /// One model's panel. Each series has its own marker (filled circles, then larger open squares, …) so points that
    /// coincide with another series' show both; points of a series within a few pixels of each other share one label
    /// (their τs), and each label takes the first of 24 places around its point (three rings of eight) that no earlier
    /// label covers and that stays inside the data area.
    /// </summary>
    private static byte[] TauPanel(string title, string xLabel, string yLabel, List<TauSeries> series, (double X, double Y)? fullDepth, Action<Plot>? decorate)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        MarkerShape[] shapes = [MarkerShape.FilledCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.OpenDiamond];
        float[] sizes = [7, 13, 15, 15];
        decorate?.Invoke(plt);
        var xs = series.SelectMany(s => s.X).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        var ys = series.SelectMany(s => s.Y).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        double x0 = xs.Min(), x1 = xs.Max(), y0 = ys.Min(), y1 = ys.Max();
        double dx = x1 - x0 > 0 ? x1 - x0 : Math.Max(1, Math.Abs(x0)) * 0.1, dy = y1 - y0 > 0 ? y1 - y0 : Math.Max(1, Math.Abs(y0)) * 0.1;
        (x0, x1, y0, y1) = (x0 - 0.08 * dx, x1 + 0.12 * dx, y0 - 0.12 * dy, y1 + 0.1 * dy);
        // The data area in pixels, roughly (the panel less its axis labels and title): enough to keep labels apart.
        double areaW = PanelWidth - 110, areaH = PanelHeight - 120;
        (double, double) Px(double x, double y) => ((x - x0) / (x1 - x0) * areaW, (y1 - y) / (y1 - y0) * areaH);
        var placed = new List<(double L, double T, double R, double B)>();
        for (int k = 0; k < series.Count; k++)
        {
            TauSeries sr = series[k];
            Color c = palette.GetColor(k % palette.Colors.Length);
            var sc = plt.Add.Scatter(sr.X, sr.Y, c);
            sc.LegendText = sr.Label;
            sc.MarkerShape = shapes[k % shapes.Length];
            sc.MarkerSize = sizes[k % sizes.Length];
            sc.MarkerLineWidth = 1.5f;
            sc.LineWidth = 1.5f;
            sc.LinePattern = k == 0 ? LinePattern.Solid : LinePattern.Dashed;
            // Points of this series that sit within a few pixels of each other get one label.
            var clusters = new List<(double Px, double Py, double X, double Y, List<double> Taus)>();
            for (int i = sr.Start; i < sr.X.Length; i++)
            {
                if (!double.IsFinite(sr.X[i]) || !double.IsFinite(sr.Y[i])) continue;
                var (px, py) = Px(sr.X[i], sr.Y[i]);
                int at = clusters.FindIndex(q => Math.Abs(q.Px - px) < 14 && Math.Abs(q.Py - py) < 10);
                if (at >= 0) clusters[at].Taus.Add(sr.Tau[i]);
                else clusters.Add((px, py, sr.X[i], sr.Y[i], [sr.Tau[i]]));
            }
            foreach (var q in clusters)
            {
                var taus = q.Taus.OrderBy(t => t).Select(t => t.ToString("g2", CultureInfo.InvariantCulture)).ToList();
                string text = taus.Count <= 3 ? string.Join(", ", taus) : $"{taus[0]}–{taus[^1]}";
                double w = 6.5 * text.Length + 4, h = 15;
                // Eight places around the point, the series' preferred side first (the first series below right, the
                // second above left); then the same eight two and a half and four times as far.
                var places = new List<(double Dx, double Dy)>();
                foreach (double g in new[] { 1.0, 2.5, 4.0 })
                {
                    (double, double)[] ring = [(8 * g, 6 * g), (8 * g, -6 * g - h), (-8 * g - w, 6 * g), (-8 * g - w, -6 * g - h),
                        (-w / 2, 12 * g), (-w / 2, -12 * g - h), (16 * g, -h / 2), (-16 * g - w, -h / 2)];
                    places.AddRange(k % 2 == 0 ? ring : [ring[3], ring[2], ring[1], ring[0], ring[5], ring[4], ring[7], ring[6]]);
                }
                var choice = places[0];
                foreach (var p in places)
                {
                    var box = (L: q.Px + p.Dx, T: q.Py + p.Dy, R: q.Px + p.Dx + w, B: q.Py + p.Dy + h);
                    bool inside = box.L >= 0 && box.R <= areaW && box.T >= 0 && box.B <= areaH;
                    if (inside && !placed.Any(o => box.L < o.R && o.L < box.R && box.T < o.B && o.T < box.B)) { choice = p; break; }
                }
                placed.Add((q.Px + choice.Dx, q.Py + choice.Dy, q.Px + choice.Dx + w, q.Py + choice.Dy + h));
                var t = plt.Add.Text(text, q.X, q.Y);
                t.LabelFontSize = 11;
                t.LabelFontColor = c.WithLightness(0.3f);
                t.Alignment = Alignment.UpperLeft;
                t.OffsetX = (float)choice.Dx;
                t.OffsetY = (float)choice.Dy;
            }
        }
        if (fullDepth is var (fx, fy))
        {
            var star = plt.Add.Marker(fx, fy, MarkerShape.FilledDiamond, 13, Colors.Black);
            star.LegendText = "full depth";
        }
        plt.Axes.SetLimits(x0, x1, y0, y1);
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.YLabel(yLabel);
        plt.ShowLegend(Alignment.LowerRight);
        return PlotImage.Png(plt, PanelWidth, PanelHeight);
    }
}
