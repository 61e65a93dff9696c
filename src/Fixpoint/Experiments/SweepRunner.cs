using System.Diagnostics;
using Fixpoint.Census;
using Fixpoint.Maps;

namespace Fixpoint.Experiments;

/// <summary>Shard k of n: the tasks whose index ≡ k (mod n).</summary>
public readonly record struct Shard(int Index, int Count)
{
    public static readonly Shard All = new(0, 1);

    public bool Contains(SweepTask t) => t.Index % Count == Index;

    public override string ToString() => $"{Index}/{Count}";

    public static Shard Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int k) || !int.TryParse(parts[1], out int n) || n < 1 || k < 0 || k >= n)
            throw new FormatException($"shard '{text}' is not k/n with 0 ≤ k < n");
        return new Shard(k, n);
    }
}

/// <summary>What a sweep run did.</summary>
public sealed record SweepRunSummary(int TasksInShard, int AlreadyDone, int Ran, bool Cancelled, double ElapsedSeconds);

/// <summary>Runs the tasks of a sweep (one shard of it), in parallel over tasks, skipping those already in the store.</summary>
public static class SweepRunner
{
    /// <summary>A fixed point counts as a saturated corner when every coordinate has |x_i| at least this.</summary>
    public const double CornerLevel = 0.95;

    /// <summary>Runs one task: builds its network and takes its census. Pure: the same task gives the same row anywhere.</summary>
    public static TaskRow? RunTask(SweepSpec spec, SweepTask task, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        Network net = spec.BuildNetwork(task);
        CensusResult r = FixedPointCensus.Run(net, spec.StartLaw, spec.Starts, task.Seed, spec.Census, null, ct);
        if (r.Partial) return null;
        var attracting = r.FixedPoints.Where(f => f.Stability == Stability.Stable).ToList();
        return new TaskRow(task.Key, task.Index, task.Cell, task.Realisation, task.Seed,
            attracting.Count,
            spec.Census.Unstable ? r.FixedPoints.Count(f => f.Stability == Stability.Unstable) : null,
            r.FixedPoints.Count,
            // The store's columns keep their meaning from before NonFinite and Stalled were told apart: diverged includes non-finite, max_iterations stalled.
            r.Outcomes.Converged, r.Outcomes.Cycle, r.Outcomes.Diverged + r.Outcomes.NonFinite, r.Outcomes.MaxIterations + r.Outcomes.Stalled,
            r.Cycles.Select(c => c.Period).Distinct().Order().ToArray(),
            r.FixedPoints.Select(f => f.SpectralRadius).ToArray(),
            r.EstimatedMissing.Chao1, r.EstimatedMissing.StdError, r.EstimatedMissing.Coverage,
            r.Evaluations, clock.Elapsed.TotalSeconds)
        {
            UnstableDimensionCounts = Histogram(r.FixedPoints.Select(f => f.UnstableDimensions)),
            StableUnreached = attracting.Count(f => f.Hits == 0),
            CornerPoints = r.FixedPoints.Count(f => f.X.Length > 0 && f.X.All(v => Math.Abs(v) >= CornerLevel)),
        };
    }

    /// <summary>Entry k: how many of <paramref name="values"/> equal k (values ≥ 0).</summary>
    private static int[] Histogram(IEnumerable<int> values)
    {
        var list = values.ToList();
        var counts = new int[list.Count == 0 ? 0 : list.Max() + 1];
        foreach (int v in list) counts[v]++;
        return counts;
    }

    public static SweepRunSummary Run(SweepSpec spec, SweepStore store, Shard shard, int threads,
        IProgress<Progress>? progress = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var mine = spec.Tasks().Where(shard.Contains).ToList();
        HashSet<string> done = store.FinishedKeys();
        var pending = mine.Where(t => !done.Contains(t.Key)).ToList();
        int already = mine.Count - pending.Count;
        int finished = already;
        progress?.Report(new Progress("tasks", finished, mine.Count));
        var writeLock = new object();
        try
        {
            Parallel.ForEach(pending, new ParallelOptions
            {
                MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount,
                CancellationToken = ct,
            }, task =>
            {
                TaskRow? row = RunTask(spec, task, ct);
                if (row is null) return; // interrupted: not stored, it runs again on resume
                lock (writeLock)
                {
                    store.Insert(row);
                    finished++;
                    progress?.Report(new Progress("tasks", finished, mine.Count));
                }
            });
        }
        catch (OperationCanceledException) { }
        return new SweepRunSummary(mine.Count, already, finished - already, ct.IsCancellationRequested, clock.Elapsed.TotalSeconds);
    }
}
