using Fixpoint.Maps;

namespace Fixpoint.Solvers;

/// <summary>
/// Splits a batch into chunks of starts and solves the chunks in parallel, one chunk per worker at a
/// time. Each start's trajectory depends only on its own row (the kernels are row-deterministic), so
/// the chunking and the thread count never change a result.
/// <para>Memory: a chunk holds at most <see cref="MaxChunk"/> starts and at most
/// <see cref="MaxChunkNumbers"/> / N of them, and its solver keeps a fixed number of length-N rows per
/// start (Picard 3 + MaxPeriod − 1, Anderson 5 + 2·History), rented from the shared pool and reused by
/// the next chunk; the solvers state that footprint, and the chunk is also cut to about 1 MiB of it
/// (<see cref="ChunkSize"/>). So the working set is threads × chunk × N × (rows per start) × 8 bytes —
/// 2 MB per thread for Anderson (m = 5) at N = 256 — whatever the number of starts; what grows with
/// the starts is the caller's start array and one result (a length-N point) per start.</para>
/// <para>The map is evaluated single-threaded inside each chunk (<see cref="IMap.EvaluateBatch"/>):
/// the parallelism is over chunks only, so the two levels never oversubscribe the cores.</para>
/// </summary>
internal static class BatchDriver
{
    internal const int MaxChunk = 512;

    /// <summary>Upper bound on chunk × N, so one chunk row-buffer stays at 1 MiB for large N.</summary>
    internal const int MaxChunkNumbers = 1 << 17;

    /// <summary>
    /// Numbers a chunk's solver state may occupy (1 MiB of doubles): small enough that a chunk's
    /// histories stay in a core's L2 cache between its map evaluations.
    /// </summary>
    internal const int CacheBudgetNumbers = 1 << 17;

    /// <summary>
    /// The cache budget never cuts a chunk below this many starts: for large N the weights alone
    /// overflow L2 between a chunk's steps, and the kernel wants whole row blocks.
    /// </summary>
    internal const int MinCachedChunk = 64;

    /// <summary>
    /// The chunk size: about four chunks per worker, 16 … <see cref="MaxChunk"/> starts,
    /// chunk × N ≤ <see cref="MaxChunkNumbers"/>, and chunk × <paramref name="numbersPerStart"/> ≤
    /// <see cref="CacheBudgetNumbers"/> (but not below <see cref="MinCachedChunk"/>) when the solver
    /// states its per-start footprint (0: not stated).
    /// </summary>
    internal static int ChunkSize(int count, int threads, int dimension, int numbersPerStart = 0)
    {
        int cap = Math.Min(MaxChunk, MaxChunkNumbers / Math.Max(dimension, 1));
        if (numbersPerStart > 0) cap = Math.Min(cap, Math.Max(MinCachedChunk, CacheBudgetNumbers / numbersPerStart));
        return Math.Clamp(count / Math.Max(1, threads * 4), 16, Math.Max(16, cap));
    }

    /// <summary>Solves starts [first, first + count) and writes their results; returns map evaluations.</summary>
    internal delegate long ChunkSolver(IMap map, double[] starts, int first, int count, SolveOptions options,
        SolveResult?[] results, Action<int> finished, CancellationToken cancellationToken);

    public static BatchResult Run(IMap map, double[] starts, int count, SolveOptions options,
        IProgress<int>? progress, CancellationToken cancellationToken, ChunkSolver solve)
        => Run(map, starts, count, options, progress, cancellationToken, solve, numbersPerStart: 0);

    /// <summary>As above, with the solver's state per start in doubles, which caps the chunk (see <see cref="ChunkSize"/>).</summary>
    public static BatchResult Run(IMap map, double[] starts, int count, SolveOptions options,
        IProgress<int>? progress, CancellationToken cancellationToken, ChunkSolver solve, int numbersPerStart)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(starts);
        options.Validate();
        int n = map.Dimension;
        if (count < 0 || starts.Length < count * n) throw new ArgumentException($"starts holds {starts.Length} numbers, fewer than {count} × {n}", nameof(starts));
        var results = new SolveResult?[count];
        int threads = options.EffectiveThreads;
        int chunk = ChunkSize(count, threads, n, numbersPerStart);
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
