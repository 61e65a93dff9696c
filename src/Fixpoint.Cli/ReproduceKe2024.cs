using System.CommandLine;
using System.Text.Json;
using Fixpoint.Certify;
using Fixpoint.Experiments;
using Fixpoint.IO;
using ScottPlot;

namespace Fixpoint.Cli;

/// <summary><c>fixpoint reproduce ke2024</c>: paper A's table and figures 1–3, with certificates (docs/results/paper-a.md).</summary>
internal static class ReproduceKe2024
{
    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var outDir = new Option<string>("--out") { Description = "Output folder for table.md, table.json, fig1.png, fig2.png, fig3.png (default ke2024).", DefaultValueFactory = _ => "ke2024" };
        var maxD = new Option<int>("--max-dim") { Description = "Table rows for d = 1 … this (default 10).", DefaultValueFactory = _ => 10 };
        var maxEnum = new Option<int>("--max-enumeration-dim") { Description = "Complete enumeration for d ≤ this (default 4).", DefaultValueFactory = _ => 4 };
        var threads = new Option<int>("--threads") { Description = "Table rows computed at once (default: one per core). Results do not depend on it.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("ke2024", "Reproduce Ke et al. 2024 (paper A): the table of fixed-point counts and certificates, and figures 1–3.") { outDir, maxD, maxEnum, threads };
        cmd.SetAction(p =>
        {
            int md = p.GetValue(maxD), me = p.GetValue(maxEnum), th = p.GetValue(threads);
            if (md < 1 || md > 14) throw new UsageException($"--max-dim must be in 1 … 14 (got {md})");
            if (me < 0 || me > 6) throw new UsageException($"--max-enumeration-dim must be in 0 … 6 (got {me})");
            if (th < 0) throw new UsageException($"--threads must be ≥ 0 (got {th})");
            string dir = p.GetValue(outDir)!;
            var options = new PaperAReproductionOptions { MaxDimension = md, MaxEnumerationDimension = me, Threads = th };
            PaperAReproductionResult r = ProgressReporter.Run(console, "", progress =>
                PaperAReproduction.Run(options, progress, ct));
            Directory.CreateDirectory(dir);
            AtomicFile.WriteText(Path.Combine(dir, "table.md"), r.TableMarkdown());
            AtomicFile.Write(Path.Combine(dir, "table.json"), s => WriteTableJson(s, r, p));
            AtomicFile.Write(Path.Combine(dir, "fig1.png"), s => s.Write(Figure1(r)));
            if (r.Figure2 is not null) AtomicFile.Write(Path.Combine(dir, "fig2.png"), s => s.Write(Figure2(r.Figure2)));
            if (r.Figure3.Count > 0) AtomicFile.Write(Path.Combine(dir, "fig3.png"), s => s.Write(Figure3(r.Figure3)));
            console.Out.WriteLine(r.TableMarkdown());
            console.Out.WriteLine($"{(r.Cancelled ? "PARTIAL (interrupted): " : "")}wrote table.md, table.json, fig1.png, fig2.png, fig3.png in {dir} ({r.Elapsed.TotalSeconds:0.#} s)");
            return r.Cancelled ? ExitCodes.Interrupted : ExitCodes.Ok;
        });
        return cmd;
    }

    private static void WriteTableJson(Stream s, PaperAReproductionResult r, ParseResult p)
    {
        using var w = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", "fixpoint-ke2024-table/1");
        w.WriteString("fixpointVersion", FixpointCli.Version);
        w.WriteString("command", "fixpoint " + string.Join(' ', p.Tokens.Select(t => t.Value)));
        w.WriteBoolean("partial", r.Cancelled);
        w.WriteStartArray("rows");
        foreach (PaperATableRow row in r.Table)
        {
            w.WriteStartObject();
            foreach (var prop in typeof(PaperATableRow).GetProperties())
            {
                string name = char.ToLowerInvariant(prop.Name[0]) + prop.Name[1..];
                switch (prop.GetValue(row))
                {
                    case null: w.WriteNull(name); break;
                    case string v: w.WriteString(name, v); break;
                    case int v: w.WriteNumber(name, v); break;
                    case double v when double.IsFinite(v): w.WriteNumber(name, v); break;
                    case double: w.WriteNull(name); break;
                    default: throw new InvalidOperationException(prop.Name);
                }
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("elapsedSeconds", r.Elapsed.TotalSeconds);
        w.WriteEndObject();
    }

    private static byte[] Figure1(PaperAReproductionResult r)
    {
        var panels = r.Figure1.Select(f =>
        {
            var plt = new Plot();
            var map = plt.Add.ScatterLine(f.X, f.Y, Colors.Blue);
            map.LineWidth = 2;
            PaperACase paper = PaperACase.Named(f.Network);
            map.LegendText = paper.ScalarMap;
            var id = plt.Add.ScatterLine(new[] { f.X[0], f.X[^1] }, new[] { f.X[0], f.X[^1] }, Colors.Gray);
            id.LinePattern = LinePattern.Dashed;
            id.LegendText = "y = x";
            for (int i = 0; i < f.FixedPoints.Length; i++)
            {
                double x = f.FixedPoints[i];
                if (x < f.X[0] || x > f.X[^1]) continue;
                var m = plt.Add.Marker(x, x, f.Stable[i] ? MarkerShape.FilledCircle : MarkerShape.OpenCircle, 12, f.Stable[i] ? Colors.Red : Colors.Black);
                m.MarkerLineWidth = 2;
                var t = plt.Add.Text($"{x:0.#######}", x, x);
                t.LabelFontSize = 12;
                // Right of the point, or left of it in the right tenth of the panel, so no label runs off the edge.
                bool right = x > f.X[^1] - 0.1 * (f.X[^1] - f.X[0]);
                t.Alignment = right ? Alignment.LowerRight : Alignment.LowerLeft;
                t.OffsetX = right ? -8 : 8;
                t.OffsetY = -4;
            }
            plt.Title(paper.Title);
            plt.XLabel("y");
            plt.YLabel("g(y + C)");
            plt.ShowLegend(Alignment.UpperLeft);
            plt.Axes.SetLimitsX(f.X[0], f.X[^1]);
            double lo = Math.Max(f.Y.Min(), f.X[0] - 0.5), hi = Math.Min(f.Y.Max(), f.X[^1] + 0.5);
            plt.Axes.SetLimitsY(lo - 0.1, hi + 0.1);
            return PlotImage.Png(plt, 800, 650);
        }).ToList();
        return PngPanels.Combine(panels, panels.Count);
    }

    private static byte[] Figure2(PaperAFigure2Data f)
    {
        var panels = new List<byte[]>();
        foreach (var (g, name) in new[] { (f.G1, "f₁ − x₁"), (f.G2, "f₂ − x₂") })
        {
            var plt = new Plot();
            int n2 = f.X2.Length, n1 = f.X1.Length;
            var data = new double[n2, n1];
            for (int i2 = 0; i2 < n2; i2++)
                for (int i1 = 0; i1 < n1; i1++)
                    data[n2 - 1 - i2, i1] = Math.Clamp(g[i2][i1], -3, 3); // heatmap rows run top to bottom
            var hm = plt.Add.Heatmap(data);
            hm.Extent = new CoordinateRect(f.X1[0], f.X1[^1], f.X2[0], f.X2[^1]);
            hm.Colormap = new ScottPlot.Colormaps.Turbo();
            var bar = plt.Add.ColorBar(hm);
            bar.Label = $"{name} (clipped to ±3)";
            // The colour bar is as tall as the panel: automatic ticks put about 30 labels on it, so it gets 4–7 at a round step.
            double zlo = double.PositiveInfinity, zhi = double.NegativeInfinity;
            foreach (double v in data) { zlo = Math.Min(zlo, v); zhi = Math.Max(zhi, v); }
            bar.Axis.TickGenerator = PlotTicks.Round(zlo, zhi);
            foreach (var (zg, color, label) in new[] { (f.G1, Colors.Black, "f₁ = x₁"), (f.G2, Colors.White, "f₂ = x₂") })
            {
                var (zx, zy) = ZeroSet(f.X1, f.X2, zg);
                plt.Add.Markers(zx, zy, MarkerShape.FilledCircle, 3, color);
                // The legend's key is drawn larger and outlined: a white dot alone would vanish on the legend's white.
                var zkey = plt.Add.Marker(double.NaN, double.NaN, MarkerShape.FilledCircle, 8, color);
                zkey.MarkerStyle.OutlineColor = Colors.Black;
                zkey.MarkerStyle.OutlineWidth = 1;
                zkey.LegendText = $"zero set: {label}";
            }
            foreach (CertifiedFixedPoint p in f.FixedPoints)
            {
                var m = plt.Add.Marker(p.Point[0], p.Point[1], p.SpectralRadius < 1 ? MarkerShape.FilledCircle : MarkerShape.OpenCircle, 12, Colors.Magenta);
                m.MarkerLineWidth = 2;
            }
            var key = plt.Add.Marker(double.NaN, double.NaN, MarkerShape.FilledCircle, 12, Colors.Magenta);
            key.LegendText = "certified fixed point (hollow: unstable)";
            plt.Title($"{name}, d = 2 polynomial network, m = {f.M:0.##}");
            plt.XLabel("x₁");
            plt.YLabel("x₂");
            plt.ShowLegend(Alignment.LowerLeft);
            plt.Axes.SetLimits(f.X1[0], f.X1[^1], f.X2[0], f.X2[^1]);
            panels.Add(PlotImage.Png(plt, 800, 900));
        }
        return PngPanels.Combine(panels, 2);
    }

    /// <summary>Points where g changes sign along grid edges (linear interpolation): the zero contour.</summary>
    private static (double[] X, double[] Y) ZeroSet(double[] x1, double[] x2, double[][] g)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i2 = 0; i2 < x2.Length; i2++)
            for (int i1 = 0; i1 < x1.Length; i1++)
            {
                double v = g[i2][i1];
                if (i1 + 1 < x1.Length && Math.Sign(v) != Math.Sign(g[i2][i1 + 1]))
                {
                    double t = v / (v - g[i2][i1 + 1]);
                    xs.Add(x1[i1] + t * (x1[i1 + 1] - x1[i1]));
                    ys.Add(x2[i2]);
                }
                if (i2 + 1 < x2.Length && Math.Sign(v) != Math.Sign(g[i2 + 1][i1]))
                {
                    double t = v / (v - g[i2 + 1][i1]);
                    xs.Add(x1[i1]);
                    ys.Add(x2[i2] + t * (x2[i2 + 1] - x2[i2]));
                }
            }
        return (xs.ToArray(), ys.ToArray());
    }

    private static byte[] Figure3(IReadOnlyList<PaperAFigure3Trajectory> trajectories)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var plane = new Plot();
        var dist = new Plot();
        int k = 0;
        foreach (PaperAFigure3Trajectory t in trajectories)
        {
            Color c = palette.GetColor(k++);
            double[] ox = t.Orbit.Select(p => p[0]).ToArray(), oy = t.Orbit.Select(p => p[1]).ToArray();
            var line = plane.Add.Scatter(ox, oy, c);
            line.LegendText = $"m = {t.M:0.##}: δ = 1/m, δ/(1 − K) = {t.Radius:0.###}";
            line.MarkerSize = 5;
            var p = t.UncoupledFixedPoint;
            var ball = plane.Add.Rectangle(p[0] - t.Radius, p[0] + t.Radius, p[1] - t.Radius, p[1] + t.Radius);
            ball.FillStyle.Color = c.WithAlpha(0.06);
            ball.LineStyle.Color = c;
            ball.LineStyle.Pattern = LinePattern.Dashed;
            var fp = plane.Add.Marker(t.CoupledFixedPoint[0], t.CoupledFixedPoint[1], MarkerShape.FilledDiamond, 10, c);

            double[] ts = t.Robust.Steps.Select(s => (double)s.T).ToArray();
            var d = dist.Add.Scatter(ts, t.Robust.Steps.Select(s => Math.Log10(Math.Max(s.Distance, 1e-17))).ToArray(), c);
            d.LegendText = $"m = {t.M:0.##}: ‖x(t) − p‖∞";
            var bound = dist.Add.ScatterLine(ts, t.Robust.Steps.Select(s => Math.Log10(Math.Max(s.APrioriBound, 1e-17))).ToArray(), c);
            bound.LinePattern = LinePattern.Dashed;
            bound.LegendText = $"m = {t.M:0.##}: Kᵗ‖x(0) − p‖ + δ/(1 − K){(t.Robust.FirstViolatedStep is int v ? $" (violated at t = {v})" : "")}";
        }
        var start = trajectories[0].Orbit[0];
        plane.Add.Marker(start[0], start[1], MarkerShape.OpenSquare, 12, Colors.Black).LegendText = "start";
        var up = trajectories[0].UncoupledFixedPoint;
        plane.Add.Marker(up[0], up[1], MarkerShape.Cross, 14, Colors.Black).LegendText = $"p: fixed point of the uncoupled map {PaperACase.Poly.RegionFixedPointText(2, 0b10)}";
        plane.Add.Marker(double.NaN, double.NaN, MarkerShape.FilledDiamond, 10, Colors.Gray).LegendText = "fixed point of the coupled network f_m";
        plane.Title("Fig. 3: orbits of the d = 2 polynomial network; dashed: ∞-ball of radius δ/(1 − K) around p");
        plane.XLabel("x₁");
        plane.YLabel("x₂");
        plane.ShowLegend(Alignment.LowerLeft);
        plane.Axes.SetLimits(1.25, 1.6, -0.15, 0.15);
        dist.Title($"distance to p against t (log₁₀), with Thm 4.2's bound, K = {trajectories[0].K:0.##}");
        dist.XLabel("t");
        dist.YLabel("log₁₀ ‖x(t) − p‖∞");
        dist.ShowLegend(Alignment.UpperRight);
        return PngPanels.Combine([PlotImage.Png(plane, 900, 750), PlotImage.Png(dist, 900, 750)], 2);
    }
}
