using Spectre.Console;

namespace Fixpoint.Cli;

/// <summary>Prints a census: a summary, then one row per fixed point and per cycle (a Spectre table on a terminal, aligned text otherwise).</summary>
internal static class CensusReport
{
    public static void Print(CliConsole console, CensusResult r, string description, string dir)
    {
        TextWriter o = console.Out;
        o.WriteLine($"network: {description}");
        o.WriteLine($"starts: {r.Starts} of {r.RequestedStarts} ({r.StartsDescription}), solver {r.Solver}, seed {r.Seed}{(r.Partial ? "  [PARTIAL: interrupted]" : "")}");
        o.WriteLine($"outcomes: converged {r.Outcomes.Converged}, cycle {r.Outcomes.Cycle}, diverged {r.Outcomes.Diverged}, max-iterations {r.Outcomes.MaxIterations}"
            + (r.Outcomes.NonFinite > 0 ? $", non-finite {r.Outcomes.NonFinite}" : "") + (r.Outcomes.Stalled > 0 ? $", stalled {r.Outcomes.Stalled}" : ""));
        int unstable = r.FixedPoints.Count(f => f.Stability == Stability.Unstable);
        int marginal = r.FixedPoints.Count(f => f.Stability == Stability.Marginal);
        o.WriteLine($"fixed points: {r.FixedPoints.Count} distinct ({r.StableCount} stable, {marginal} marginal, {unstable} unstable); cycles: {r.Cycles.Count}");
        var m = r.EstimatedMissing;
        o.WriteLine($"missed attractors (Chao1): {Format.Sig(m.Missing, 3)} ± {Format.Sig(m.StdError, 3)} (estimate {Format.Sig(m.Chao1, 3)} total, coverage {Format.Sig(m.Coverage, 4)})");

        string[] head = ["#", "x", "residual", "ρ", "stability", "unst.dims", "type", "hits", "basin", "basin 95% CI"];
        var rows = r.FixedPoints.Select((f, i) => new[]
        {
            i.ToString(CultureInfo.InvariantCulture), Vec(f.X), Format.Sci(f.Residual), f.SpectralRadius.ToString("0.######", CultureInfo.InvariantCulture),
            f.Stability.Key(), f.UnstableDimensions.ToString(CultureInfo.InvariantCulture), f.IsFocus ? "focus" : "node",
            f.Hits.ToString(CultureInfo.InvariantCulture), f.BasinFraction.ToString("0.####", CultureInfo.InvariantCulture),
            $"[{f.BasinCI95.Lo:0.####}, {f.BasinCI95.Hi:0.####}]",
        }).ToList();
        // On a narrow terminal: the point shortened first, then type, the interval, unstable dims, residual and basin left out.
        ConsoleTable.Print(console, "fixed points", head, rows, new TableFit(Shrink: 1, MinShrunk: 20, DropOrder: [6, 9, 5, 2, 8], Short: r.FixedPoints.Select(f => ShortVec(f.X)).ToList()));
        if (r.Cycles.Count > 0)
        {
            string[] ch = ["#", "period", "first point", "multiplier ρ", "stability", "hits", "basin"];
            var crow = r.Cycles.Select((c, i) => new[]
            {
                i.ToString(CultureInfo.InvariantCulture), c.Period.ToString(CultureInfo.InvariantCulture), Vec(c.Points[0]),
                c.MultiplierRadius.ToString("0.######", CultureInfo.InvariantCulture), c.Stability.Key(),
                c.Hits.ToString(CultureInfo.InvariantCulture), c.BasinFraction.ToString("0.####", CultureInfo.InvariantCulture),
            }).ToList();
            ConsoleTable.Print(console, "cycles", ch, crow, new TableFit(Shrink: 2, MinShrunk: 20, DropOrder: [3, 6, 5], Short: r.Cycles.Select(c => ShortVec(c.Points[0])).ToList()));
        }
        if (r.SlowPoints is { } slow)
            o.WriteLine(slow.Count == 0 ? "slow points: none (every minimum of ½‖F(x) − x‖² reached was a fixed point)"
                : $"slow points: {slow.Count} (lowest q {Format.Sig(slow[0].Q, 4)} at ‖F(x) − x‖∞ {Format.Sig(slow[0].Residual, 4)}, ρ {Format.Sig(slow[0].SpectralRadius, 6)}; in census.json)");
        string others = string.Concat(new[] { "starts.csv", CensusPlot.FileName, CensusFigures.EigenvaluesFile, CensusFigures.BasinsFile, "jacobians.safetensors", "trajectories.safetensors" }
            .Where(f => File.Exists(Path.Combine(dir, f))).Select(f => ", " + f));
        o.WriteLine($"wrote {Path.Combine(dir, "census.json")}, fixed_points.csv{others} in {r.ElapsedSeconds:0.###} s");
    }


    /// <summary>A point for a narrow terminal: 3 coordinates at 3 significant digits and the count of the rest.</summary>
    internal static string ShortVec(double[] x) =>
        "(" + string.Join(", ", x.Take(3).Select(v => Format.Sig(v, 3))) + (x.Length > 3 ? $", … {x.Length - 3} more" : "") + ")";

    /// <summary>A point, shortened after 4 coordinates.</summary>
    internal static string Vec(double[] x)
    {
        IEnumerable<string> parts = x.Take(4).Select(v => v.ToString("0.#########", CultureInfo.InvariantCulture));
        return "(" + string.Join(", ", parts) + (x.Length > 4 ? $", … {x.Length - 4} more" : "") + ")";
    }
}
