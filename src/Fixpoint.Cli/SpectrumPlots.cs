using ScottPlot;

namespace Fixpoint.Cli;

/// <summary>
/// The figures of <c>fixpoint spectrum</c>: the ESD of JJᵀ (histogram, kernel density, prediction) on a linear and
/// on a log10 axis, the eigenvalues of J with the unit circle, the Hill plot of the weights, and the power-law fit
/// of the weights' ESD; for depth ensembles, Q and the spectral quantities against L.
/// </summary>
internal static class SpectrumPlots
{
    public const int Width = 1000, Height = 700;

    /// <summary>More eigenvalues than this are thinned (every k-th) in the eigenvalue plot.</summary>
    public const int MaxEigenvaluesDrawn = 40000;

    private static readonly Color HistColor = new Color(31, 119, 180).WithAlpha(0.45);
    private static readonly Color KdeColor = new(31, 119, 180);
    private static readonly Color TheoryColor = new(214, 39, 40);

    public static void DrawEsd(SpectrumAnalysis a, string title, string info, string path)
    {
        var plt = new Plot();
        Histogram h = a.LinearHistogram;
        AddHistogram(plt, h, "histogram");
        var kde = plt.Add.ScatterLine(a.LinearKde.X, a.LinearKde.Y, KdeColor);
        kde.LineWidth = 2;
        kde.LegendText = "kernel density (reflected at 0)";
        if (a.LinearTheory is Curve t)
        {
            var th = plt.Add.ScatterLine(t.X, t.Y, TheoryColor);
            th.LineWidth = 2;
            th.LinePattern = LinePattern.Dashed;
            th.LegendText = "free-probability prediction (N → ∞)";
        }
        var one = plt.Add.VerticalLine(1.0);
        one.Color = Colors.Gray;
        one.LinePattern = LinePattern.Dotted;
        one.LegendText = "s² = 1";
        // The axis follows the histogram: a kernel estimate or a prediction that is singular at 0 is cut at the top.
        double yMax = h.Density.DefaultIfEmpty(0).Max();
        if (!(yMax > 0)) yMax = a.LinearKde.Y.DefaultIfEmpty(1).Max();
        plt.Axes.SetLimits(0, a.LinearMax, 0, 1.1 * Math.Max(yMax, 1e-12));
        string clip = h.Outside > 0 ? $"; {h.Outside} value{(h.Outside == 1 ? "" : "s")} beyond {Format.Fixed(a.LinearMax, "0.###")} not shown" : "";
        plt.Title($"{title}\n{info}: {a.Summary.Count} squared singular values of J{clip}");
        plt.XLabel("s² (eigenvalue of J J^T)");
        plt.YLabel("density");
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, path);
    }

    public static void DrawEsdLog(SpectrumAnalysis a, string title, string info, string path)
    {
        var plt = new Plot();
        if (a.LogHistogram is Histogram h && a.LogKde is Curve k)
        {
            AddHistogram(plt, h, "histogram of log10 s²");
            var kde = plt.Add.ScatterLine(k.X, k.Y, KdeColor);
            kde.LineWidth = 2;
            kde.LegendText = "kernel density";
            if (a.LogTheory is Curve t)
            {
                var th = plt.Add.ScatterLine(t.X, t.Y, TheoryColor);
                th.LineWidth = 2;
                th.LinePattern = LinePattern.Dashed;
                th.LegendText = "free-probability prediction (N → ∞)";
            }
            var one = plt.Add.VerticalLine(0.0);
            one.Color = Colors.Gray;
            one.LinePattern = LinePattern.Dotted;
            one.LegendText = "s² = 1";
            PowerOfTenTicks(plt.Axes.Bottom);
            double top = Math.Max(h.Density.DefaultIfEmpty(0).Max(), k.Y.DefaultIfEmpty(0).Max());
            if (a.LogTheory is Curve lt) top = Math.Max(top, lt.Y.Where(double.IsFinite).DefaultIfEmpty(0).Max());
            plt.Axes.SetLimitsY(0, 1.08 * Math.Max(top, 1e-12));
        }
        string zeros = a.Summary.Zeros > 0 ? $"; {a.Summary.Zeros} numerically zero values not shown" : "";
        plt.Title($"{title}\n{info}: log10 of the squared singular values of J{zeros}");
        plt.XLabel("s² (log scale)");
        plt.YLabel("density of log10 s²");
        plt.ShowLegend(Alignment.UpperLeft);
        Save(plt, path);
    }

    public static void DrawEigenvalues(SpectrumAnalysis a, string title, string info, string path)
    {
        var plt = new Plot();
        var ev = a.Eigenvalues;
        int step = Math.Max(1, ev.Length / MaxEigenvaluesDrawn);
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < ev.Length; i += step) { xs.Add(ev[i].Real); ys.Add(ev[i].Imaginary); }
        var m = plt.Add.Markers(xs.ToArray(), ys.ToArray(), MarkerShape.FilledCircle, 4, KdeColor.WithAlpha(0.5));
        m.LegendText = $"eigenvalues of J ({ev.Length})";
        double[] th = Enumerable.Range(0, 361).Select(i => i * Math.PI / 180).ToArray();
        var circle = plt.Add.ScatterLine(th.Select(Math.Cos).ToArray(), th.Select(Math.Sin).ToArray(), TheoryColor);
        circle.LineWidth = 2;
        circle.LegendText = "unit circle";
        double r = Math.Max(1.1, 1.05 * (ev.Length > 0 ? ev.Max(e => e.Magnitude) : 1));
        plt.Axes.SetLimits(-r, r, -r, r);
        plt.Axes.SquareUnits();
        plt.Title($"{title}\n{info}: eigenvalues of J, {Format.Fixed(100 * a.FractionOutsideUnitCircle, "0.###")}% outside the unit circle");
        plt.XLabel("Re λ");
        plt.YLabel("Im λ");
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, path, Width, 850);
    }

    public static void DrawHill(SpectrumAnalysis a, string title, string path)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        if (a.PooledTails is { HillPlot: HillPlotData hp, Hill: HillResult hill })
        {
            var line = plt.Add.ScatterLine(hp.K.Select(k => Math.Log10(k)).ToArray(), hp.Index, palette.GetColor(0));
            line.LineWidth = 2;
            line.LegendText = $"all entries of {a.PooledTails.Layers} weight matrices";
            var mark = plt.Add.VerticalLine(Math.Log10(hill.K));
            mark.Color = Colors.Gray;
            mark.LinePattern = LinePattern.Dashed;
            mark.LegendText = $"k = ⌊√n⌋ = {hill.K}: index {Format.Fixed(hill.Index, "0.###")}";
            var ref1 = plt.Add.HorizontalLine(1.0);
            ref1.Color = TheoryColor;
            ref1.LinePattern = LinePattern.Dotted;
            ref1.LegendText = "index 1 (Cauchy)";
            var ref2 = plt.Add.HorizontalLine(2.0);
            ref2.Color = Colors.Black;
            ref2.LinePattern = LinePattern.Dotted;
            ref2.LegendText = "index 2 (finite variance above)";
            double top = Math.Min(hp.Index.Where(double.IsFinite).DefaultIfEmpty(4).Max(), 12);
            plt.Axes.SetLimitsY(0, Math.Max(3, 1.1 * top));
            PowerOfTenTicks(plt.Axes.Bottom);
            plt.Title($"{title}\nHill plot of |W_ij|: {a.PooledTails.Verdict?.Class switch { TailClass.InfiniteVariance => "heavy tails, no variance", TailClass.HeavyFiniteVariance => "heavy tails, finite variance", TailClass.Light => "light tails", _ => "" }}");
        }
        else plt.Title($"{title}\nno Hill plot: {a.PooledTails?.Warning ?? "no weights"}");
        plt.XLabel("k, order statistics used (log scale)");
        plt.YLabel("Hill index α̂(k)");
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, path);
    }

    public static void DrawPowerLaw(SpectrumAnalysis a, string title, string path)
    {
        var plt = new Plot();
        if (a.PooledTails is { PowerLaw: PowerLawFit fit } p && p.Esd.Any(v => v > 0))
        {
            double[] esd = p.Esd.Where(v => v > 0).ToArray(); // ascending
            int n = esd.Length;
            int step = Math.Max(1, n / 4000);
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < n; i += step)
            {
                xs.Add(Math.Log10(esd[i]));
                ys.Add(Math.Log10((double)(n - i) / n)); // P(X ≥ x)
            }
            var m = plt.Add.Markers(xs.ToArray(), ys.ToArray(), MarkerShape.FilledCircle, 4, KdeColor.WithAlpha(0.6));
            m.LegendText = $"eigenvalues of W^T W ({n}, {p.Layers} matrices)";
            double tailShare = (double)fit.NTail / n;
            double x0 = Math.Log10(fit.Xmin), x1 = Math.Log10(esd[^1]);
            double[] lx = Enumerable.Range(0, 50).Select(i => x0 + (x1 - x0) * i / 49).ToArray();
            double[] ly = lx.Select(x => Math.Log10(tailShare) + (1 - fit.Alpha) * (x - x0)).ToArray();
            var line = plt.Add.ScatterLine(lx, ly, TheoryColor);
            line.LineWidth = 2;
            line.LegendText = $"power law α = {Format.Fixed(fit.Alpha, "0.###")} above xmin = {Format.Fixed(fit.Xmin, "0.###")} (KS {Format.Fixed(fit.KsDistance, "0.###")}, {fit.NTail} in tail)";
            var xm = plt.Add.VerticalLine(x0);
            xm.Color = Colors.Gray;
            xm.LinePattern = LinePattern.Dashed;
            // Show the upper part of the ESD, where the tail is: from the 1st percentile (or below xmin) to the maximum.
            double xlo = Math.Min(Math.Log10(esd[(int)(0.01 * (n - 1))]), x0 - 0.3);
            plt.Axes.SetLimits(xlo, x1 + 0.1 * Math.Max(x1 - xlo, 0.1), Math.Log10(1.0 / n) - 0.2, 0.15);
            PowerOfTenTicks(plt.Axes.Bottom);
            PowerOfTenTicks(plt.Axes.Left);
            plt.Title($"{title}\nsurvival function of the eigenvalues of W^T W, Clauset fit");
        }
        else plt.Title($"{title}\nno power-law fit: {a.PooledTails?.Warning ?? "no weights"}");
        plt.XLabel("eigenvalue of W^T W (log scale)");
        plt.YLabel("P(X ≥ x) (log scale)");
        plt.ShowLegend(Alignment.LowerLeft);
        Save(plt, path);
    }

    public static void DrawDepth(DepthEnsembleResult r, string title, string path)
    {
        var plt = new Plot();
        var rows = r.Rows;
        double[] l = rows.Select(x => Math.Log2(x.Depth)).ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        var q = plt.Add.ScatterLine(l, rows.Select(x => x.MeanQ).ToArray(), palette.GetColor(0));
        q.LineWidth = 2;
        q.MarkerShape = MarkerShape.FilledCircle;
        q.MarkerSize = 8;
        q.LegendText = "mean Q (stable fixed points), left axis";
        var eb = plt.Add.ErrorBar(l, rows.Select(x => x.MeanQ).ToArray(), rows.Select(x => double.IsFinite(x.QStdError) ? x.QStdError : 0).ToArray());
        eb.Color = palette.GetColor(0);

        var right = plt.Axes.Right;
        var fFix = plt.Add.ScatterLine(l, rows.Select(x => Nan0(x.FractionAboveOneAtFixedPoints)).ToArray(), palette.GetColor(1));
        fFix.Axes.YAxis = right;
        fFix.LineWidth = 2;
        fFix.MarkerShape = MarkerShape.FilledSquare;
        fFix.MarkerSize = 7;
        fFix.LegendText = "fraction s² > 1 at the fixed points, right axis";
        var fProbe = plt.Add.ScatterLine(l, rows.Select(x => Nan0(x.FractionAboveOneAtProbes)).ToArray(), palette.GetColor(2));
        fProbe.Axes.YAxis = right;
        fProbe.LineWidth = 2;
        fProbe.LinePattern = LinePattern.Dashed;
        fProbe.MarkerShape = MarkerShape.FilledTriangleUp;
        fProbe.MarkerSize = 7;
        fProbe.LegendText = "fraction s² > 1 at start points, right axis";
        var rho = plt.Add.ScatterLine(l, rows.Select(x => Nan0(x.MeanSpectralRadiusStable)).ToArray(), palette.GetColor(3));
        rho.Axes.YAxis = right;
        rho.LineWidth = 2;
        rho.MarkerShape = MarkerShape.FilledDiamond;
        rho.MarkerSize = 7;
        rho.LegendText = "mean ρ(J) at stable fixed points, right axis";
        var cyc = plt.Add.ScatterLine(l, rows.Select(x => x.CycleBasin).ToArray(), palette.GetColor(4));
        cyc.Axes.YAxis = right;
        cyc.LineWidth = 2;
        cyc.LinePattern = LinePattern.Dotted;
        cyc.MarkerShape = MarkerShape.OpenCircle;
        cyc.MarkerSize = 7;
        cyc.LegendText = "fraction of starts ending in a cycle, right axis";
        plt.Axes.Right.Label.Text = "fraction / spectral radius";
        plt.Axes.SetLimitsY(0, 1.15 * Math.Max(1, rows.Max(x => x.MeanQ + (double.IsFinite(x.QStdError) ? x.QStdError : 0))), plt.Axes.Left);
        plt.Axes.SetLimitsY(0, 1.05, right);
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            l, rows.Select(x => x.Depth.ToString(CultureInfo.InvariantCulture)).ToArray());
        plt.Title($"{title}\nQ and the Jacobian spectrum against depth{(r.Partial ? " (partial)" : "")}");
        plt.XLabel("depth L (log scale)");
        plt.YLabel("mean Q");
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, path);
    }

    private static double Nan0(double v) => double.IsFinite(v) ? v : double.NaN;

    private static void AddHistogram(Plot plt, Histogram h, string legend)
    {
        double width = h.Edges[1] - h.Edges[0];
        double[] centres = Enumerable.Range(0, h.Counts.Length).Select(i => 0.5 * (h.Edges[i] + h.Edges[i + 1])).ToArray();
        var bars = plt.Add.Bars(centres, h.Density);
        foreach (Bar b in bars.Bars)
        {
            b.Size = width;
            b.FillColor = HistColor;
            b.LineWidth = 0;
        }
        bars.LegendText = legend;
    }

    /// <summary>Ticks at integer log10 values, labelled 10^k.</summary>
    private static void PowerOfTenTicks(ScottPlot.IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            LabelFormatter = v => Math.Abs(v) < 1e-9 ? "1" : v == 1 ? "10" : $"1e{v:0}",
        };
    }

    private static void Save(Plot plt, string path, int w = Width, int h = Height)
    {
        plt.Axes.Title.Label.FontSize = 15;
        byte[] png = PlotImage.Png(plt, w, h);
        AtomicFile.Write(path, s => s.Write(png));
    }

}
