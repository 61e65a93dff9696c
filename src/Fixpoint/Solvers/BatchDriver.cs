using Fixpoint.Maps;

namespace Fixpoint.Solvers;

/// <summary>
/// Splits a batch into chunks of starts and solves the chunks in parallel. Each start's trajectory
/// depends only on its own row (the kernels are row-deterministic), so the chunking and the thread
/// count never change a result; memory is bounded by threads × chunk size.
/// </summary>
internal static class BatchDriver
{
    internal const int MaxChunk = 512;

    /// <summary>Solves starts [first, first + count) and writes their results; returns map evaluations.</summary>
    internal delegate long ChunkSolver(IMap map, double[] starts, int first, int count, SolveOptions options,
        SolveResult?[] results, Action<int> finished, CancellationToken cancellationToken);

    public static BatchResult Run(IMap map, double[] starts, int count, SolveOptions options,
        IProgress<int>? progress, CancellationToken cancellationToken, ChunkSolver solve)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(starts);
        options.Validate();
        int n = map.Dimension;
        if (count < 0 || starts.Length < count * n) throw new ArgumentException($"starts holds {starts.Length} numbers, fewer than {count} × {n}", nameof(starts));
        var results = new SolveResult?[count];
        int threads = options.EffectiveThreads;
        int chunk = Math.Clamp(count / Math.Max(1, threads * 4), 16, MaxChunk);
        int chunks = (count + chunk - 1) / chunk;
        long evaluations = 0;
        int done = 0;
        void Finished(int k)
        {
            int now = Interlocked.Add(ref done, k);
            progress?.Report(now);
        }
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads };
        if (threads == 1 || chunks == 1)
        {
            for (int c = 0; c < chunks; c++)
                evaluations += solve(map, starts, c * chunk, Math.Min(chunk, count - c * chunk), options, results, Finished, cancellationToken);
        }
        else
        {
            Parallel.For(0, chunks, po, c =>
            {
                long e = solve(map, starts, c * chunk, Math.Min(chunk, count - c * chunk), options, results, Finished, cancellationToken);
                Interlocked.Add(ref evaluations, e);
            });
        }
        bool cancelled = cancellationToken.IsCancellationRequested && results.Any(r => r is null);
        return new BatchResult(results, cancelled, evaluations);
    }
}
