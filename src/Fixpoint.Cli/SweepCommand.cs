using Fixpoint.Experiments;
using Fixpoint.IO;

namespace Fixpoint.Cli;

/// <summary><c>fixpoint sweep run|merge|report</c>: ensembles of random networks in a resumable, shardable SQLite store.</summary>
internal static class SweepCommand
{
    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var sweep = new Command("sweep", "Run ensembles of random networks over a grid of settings (docs/sweep-spec.md), merge shards, and report Q(N, L).");
        sweep.Subcommands.Add(RunCommand(console, ct));
        sweep.Subcommands.Add(MergeCommand(console));
        sweep.Subcommands.Add(ReportCommand(console));
        return sweep;
    }

    private static Command RunCommand(CliConsole console, CancellationToken ct)
    {
        var spec = new Argument<string>("spec") { Description = "The sweep spec (JSON)." };
        var store = new Option<string>("--store") { Description = "The SQLite store; created when absent, resumed when present.", Required = true };
        var shard = new Option<string>("--shard") { Description = "Run only shard k/n (tasks whose index ≡ k mod n). Default: SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX with --shard-count, else 0/1." };
        var shardCount = new Option<int>("--shard-count") { Description = "n for JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or to override SLURM_ARRAY_TASK_COUNT." };
        var threads = new Option<int>("--threads") { Description = "Tasks run in parallel (default: one per core). Results do not depend on it.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("run", "Run the tasks of a sweep (or of one shard), skipping those already in the store.") { spec, store, shard, shardCount, threads };
        cmd.SetAction(p =>
        {
            int th = p.GetValue(threads);
            if (th < 0) throw new UsageException($"--threads must be ≥ 0 (got {th})");
            Shard s = ResolveShard(p.GetValue(shard), NetworkOptions.Given(p, shardCount) ? p.GetValue(shardCount) : null);
            SweepSpec sp = SweepSpec.Load(p.GetValue(spec)!);
            InputLimits.CheckSweep(p, sp, th);
            string path = p.GetValue(store)!;
            using SweepStore st = SweepStore.OpenOrCreate(path, sp);
            int total = sp.Tasks().Count;
            console.Out.WriteLine($"sweep '{sp.Name}' (spec {sp.Hash}): {total} tasks in {sp.Cells().Count()} cells; shard {s}; store {path}");
            SweepRunSummary sum = ProgressReporter.Run(console, "", progress => SweepRunner.Run(sp, st, s, th, progress, ct));
            console.Out.WriteLine($"shard {s}: {sum.TasksInShard} tasks, {sum.AlreadyDone} already done, {sum.Ran} run now in {sum.ElapsedSeconds:0.0} s ({(sum.Ran > 0 ? sum.Ran / sum.ElapsedSeconds : 0):0.##} tasks/s){(sum.Cancelled ? "; interrupted: rerun the same command to resume" : "")}");
            return sum.Cancelled ? ExitCodes.Interrupted : ExitCodes.Ok;
        });
        return cmd;
    }

    internal static Shard ResolveShard(string? text, int? count)
    {
        if (count is < 1) throw new UsageException($"--shard-count must be ≥ 1 (got {count})");
        if (text is not null)
        {
            try { return Shard.Parse(text); }
            catch (FormatException e) { throw new UsageException($"--shard: {e.Message}"); }
        }
        string? slurmId = Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID");
        if (slurmId is not null)
        {
            int id = EnvInt("SLURM_ARRAY_TASK_ID", slurmId) - (Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_MIN") is string min ? EnvInt("SLURM_ARRAY_TASK_MIN", min) : 0);
            int n = count ?? (Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_COUNT") is string c ? EnvInt("SLURM_ARRAY_TASK_COUNT", c)
                : throw new UsageException("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor --shard-count is"));
            return Checked(id, n, "SLURM_ARRAY_TASK_ID");
        }
        string? index = Environment.GetEnvironmentVariable("JOB_COMPLETION_INDEX");
        if (index is not null)
        {
            if (count is null) throw new UsageException("JOB_COMPLETION_INDEX is set: give the number of shards with --shard-count");
            return Checked(EnvInt("JOB_COMPLETION_INDEX", index), count.Value, "JOB_COMPLETION_INDEX");
        }
        return count is null ? Shard.All : throw new UsageException("--shard-count needs --shard, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX");
    }

    private static Shard Checked(int k, int n, string source) =>
        k >= 0 && k < n ? new Shard(k, n) : throw new UsageException($"{source} gives shard {k}, outside 0 … {n - 1}");

    private static int EnvInt(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new UsageException($"{name}='{value}' is not an integer");

    private static Command MergeCommand(CliConsole console)
    {
        var stores = new Argument<string[]>("stores") { Description = "Shard stores to merge.", Arity = ArgumentArity.OneOrMore };
        var into = new Option<string>("--into") { Description = "The merged store (created when absent).", Required = true };
        var cmd = new Command("merge", "Merge shard stores of one spec into one store (refusing stores of different specs).") { stores, into };
        cmd.SetAction(p =>
        {
            string target = p.GetValue(into)!;
            string[] sources = p.GetValue(stores)!;
            if (sources.Any(s => Path.GetFullPath(s) == Path.GetFullPath(target))) throw new UsageException("--into must not be one of the stores being merged");
            var (added, skipped) = SweepStore.Merge(sources, target);
            console.Out.WriteLine($"merged {sources.Length} stores into {target}: {added} tasks added, {skipped} already there");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Command ReportCommand(CliConsole console)
    {
        var store = new Option<string>("--store") { Description = "The sweep store.", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder for summary.csv and the figures.", DefaultValueFactory = _ => "sweep-report" };
        var cmd = new Command("report", "Summarise a sweep store per cell: Q against depth with 95% bands, outcome fractions, spectral radii.") { store, outDir };
        cmd.SetAction(p =>
        {
            using SweepStore st = SweepStore.Open(p.GetValue(store)!);
            var rows = st.Rows();
            if (rows.Count == 0) throw new UsageException($"{st.Path} holds no finished task yet");
            var cells = SweepSummary.Summarise(rows);
            string dir = p.GetValue(outDir)!;
            var tests = SweepSummary.AcrossDepth(rows);
            using (var run = RunFolder.Begin(dir, "summary.csv", "homogeneity.csv", "q_vs_depth.png", "outcomes_vs_depth.png", "radius_vs_depth.png"))
            {
                AtomicFile.WriteText(run.File("summary.csv"), SweepSummary.ToCsv(cells));
                AtomicFile.WriteText(run.File("homogeneity.csv"), SweepSummary.HomogeneityCsv(tests));
                SweepPlots.Draw(cells, run.Staging);
                run.Commit();
            }
            PrintSummary(console, cells, rows.Count, st);
            PrintHomogeneity(console, tests);
            console.Out.WriteLine($"wrote {Path.Combine(dir, "summary.csv")}, homogeneity.csv, q_vs_depth.png, outcomes_vs_depth.png, radius_vs_depth.png");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static void PrintHomogeneity(CliConsole console, IReadOnlyList<SeriesHomogeneity> tests)
    {
        if (tests.Count == 0) return;
        string[] head = ["series", "of", "depths", "networks", "χ²", "df", "p", "p (perm.)"];
        var rows = tests.Select(t => new[]
        {
            t.Series, t.Quantity, Format.Int(t.Depths), Format.Int(t.Networks), t.Result.Statistic.ToString("0.##", CultureInfo.InvariantCulture),
            Format.Int(t.Result.DegreesOfFreedom), t.Result.PValue.ToString("G3", CultureInfo.InvariantCulture), t.Result.PermutationPValue.ToString("G3", CultureInfo.InvariantCulture),
        }).ToList();
        ConsoleTable.Print(console, "same distribution of Q (0, 1, ≥2) at every depth?", head, rows, new TableFit(DropOrder: [5, 4, 3, 2]));
        if (tests.Count > 1)
            console.Out.WriteLine($"{tests.Count} tests: at a family-wise 5% level (Bonferroni) a p-value must be below {0.05 / tests.Count:G3}; homogeneity.csv has the adjusted values");
    }

    private static void PrintSummary(CliConsole console, IReadOnlyList<CellSummary> cells, int tasks, SweepStore st)
    {
        TextWriter o = console.Out;
        o.WriteLine($"store {st.Path}: {tasks} tasks, {cells.Count} cells (spec {st.SpecHash})");
        string[] head = ["weights", "N", "L", "scaling", "biases", "act", "real.", "Q mean [95%]", "Q min–max", "Q=1", "Q≥2 [95%]", "conv", "cycle", "div+maxit", "ρ med", "periods", "Q total", "limit hid"];
        var rows = cells.Select(c => new[]
        {
            c.Cell.Weights, Format.Int(c.Cell.Width), Format.Int(c.Cell.Depth), c.Cell.Scaling, c.Cell.Biases, c.Cell.Activation + (c.Cell.Tied ? " tied" : ""), Format.Int(c.Realisations),
            $"{c.QMean:0.##} [{c.QLo95:0.##}, {c.QHi95:0.##}]", $"{c.QMin}–{c.QMax}", $"{c.FractionQIsOne:0.##}",
            $"{c.FractionQAtLeastTwo:0.##} [{c.QAtLeastTwoCI95.Lo:0.##}, {c.QAtLeastTwoCI95.Hi:0.##}]",
            $"{c.ConvergedFraction:0.###}", $"{c.CycleFraction:0.###}", $"{c.DivergedFraction + c.MaxIterationsFraction:0.###}",
            double.IsFinite(c.SpectralRadiusMedian) ? c.SpectralRadiusMedian.ToString("0.###", CultureInfo.InvariantCulture) : "–",
            c.CyclePeriods.Length == 0 ? "–" : string.Join(" ", c.CyclePeriods),
            c.QTotalMean is double t ? t.ToString("0.##", CultureInfo.InvariantCulture) : "–",
            c.LimitHidAttractorNetworks is int h ? Format.Int(h) : "–",
        }).ToList();
        // On a narrow terminal the cell's constant parts and the finer statistics give way first.
        ConsoleTable.Print(console, "cells", head, rows, new TableFit(DropOrder: [4, 5, 15, 17, 9, 8, 14, 6, 16, 3, 13, 12, 10]));
    }

}

