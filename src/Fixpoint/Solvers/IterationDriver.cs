using System.Buffers;
using System.Runtime.CompilerServices;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Solvers;

/// <summary>
/// What a solver supplies to <see cref="IterationDriver"/>: the size of its per-start state and, per
/// chunk of starts, a <see cref="ChunkStep"/> that holds that state and takes the steps.
/// </summary>
internal interface IIterationStep
{
    /// <summary>
    /// Numbers (doubles) the whole solve keeps per start, driver rows included, which caps the chunk
    /// (see <see cref="IterationDriver.ChunkSize"/>); 0 when not stated.
    /// </summary>
    int NumbersPerStart(int dimension, SolveOptions options);

    /// <summary>
    /// True when the iterate left by the last step is evaluated and tested once more after the step
    /// limit (Newton, whose steps are few and costly); false when the limit ends the row at once.
    /// </summary>
    bool TestsLastIterate { get; }

    /// <summary>The state of a chunk of up to <paramref name="rows"/> starts, rented for that chunk.</summary>
    ChunkStep CreateChunk(IMap map, int rows, SolveOptions options);
}

/// <summary>
/// A solver's state for one chunk of starts: row a of the chunk is start a until the driver moves
/// rows on compaction (<see cref="Move"/>). Rows start empty (no history).
/// </summary>
internal abstract class ChunkStep : IDisposable
{
    /// <summary>
    /// One step of row <paramref name="row"/> at iteration <paramref name="iteration"/> (1-based):
    /// <paramref name="x"/> is the iterate, <paramref name="fx"/> = F(x), <paramref name="g"/> = F(x) − x
    /// and <paramref name="residual"/> = ‖g‖∞; x is finite, within the divergence bound and not converged.
    /// The step writes the next iterate into x (and, when it evaluated F there, F of it into fx), or ends the row.
    /// </summary>
    public abstract StepOutcome Step(int row, int iteration, Span<double> x, Span<double> fx, ReadOnlySpan<double> g, double residual);

    /// <summary>Moves the state of row <paramref name="from"/> to row <paramref name="to"/> (the driver keeps active rows first).</summary>
    public abstract void Move(int from, int to);

    public virtual void Dispose() { }
}

/// <summary>
/// A test the driver runs on every evaluated iterate of every start (<see cref="SolveOptions.Assignment"/>):
/// when it names a target, the start ends at once as <see cref="SolveStatus.Converged"/> at the target's
/// point, with <see cref="SolveResult.AssignedTo"/> set. An implementation must be a pure function of x
/// (so results do not depend on the thread count) and must only name a target whose attraction of x is proved.
/// </summary>
public interface IEarlyAssignment
{
    /// <summary>The target that x is proved to converge to, or null. Called from many threads at once.</summary>
    AssignmentTarget? Find(ReadOnlySpan<double> x);

    /// <summary>
    /// <see cref="Find"/> for each of <paramref name="rows"/> consecutive points of <paramref name="x"/> (row-major), into
    /// <paramref name="targets"/>: the same answers, so that an implementation can test a whole block of iterates with
    /// matrix products. Called from many threads at once.
    /// </summary>
    void FindAll(ReadOnlySpan<double> x, int rows, Span<AssignmentTarget?> targets)
    {
        int n = rows == 0 ? 0 : x.Length / rows;
        for (int r = 0; r < rows; r++) targets[r] = Find(x.Slice(r * n, n));
    }
}

/// <summary>Where an assigned start ends: target <paramref name="Index"/>, reported at <paramref name="Point"/> with residual ‖F(Point) − Point‖∞ <paramref name="Residual"/>.</summary>
public sealed record AssignmentTarget(int Index, double[] Point, double Residual);

/// <summary>What a step did with its row.</summary>
/// <param name="End">The status that ends the row, or null when the row goes on.</param>
/// <param name="Evaluated">True when fx holds F at the new iterate, so the driver does not evaluate it again.</param>
/// <param name="Evaluations">Evaluations of F the step itself made (a line search's trial points).</param>
/// <param name="Point">The point a row ends at (a cycle's first point); null: its best iterate.</param>
/// <param name="Residual">The residual reported with <paramref name="Point"/>.</param>
/// <param name="Period">A cycle's period.</param>
/// <param name="Points">A cycle's points in orbit order.</param>
internal readonly record struct StepOutcome(SolveStatus? End, bool Evaluated, long Evaluations, double[]? Point, double Residual, int Period, double[][]? Points)
{
    /// <summary>x holds the next iterate; F there is not known yet.</summary>
    public static StepOutcome Moved => default;

    /// <summary>x holds the next iterate and fx = F(x); <paramref name="evaluations"/> evaluations were made.</summary>
    public static StepOutcome MovedEvaluated(long evaluations) => new(null, true, evaluations, null, 0, 0, null);

    /// <summary>Ends the row with <paramref name="status"/> and its best iterate.</summary>
    public static StepOutcome Stop(SolveStatus status, long evaluations) => new(status, false, evaluations, null, 0, 0, null);

    /// <summary>Ends the row as a cycle of <paramref name="points"/> (period = their count), reported at its first point.</summary>
    public static StepOutcome Cycle(double[][] points, double residual) => new(SolveStatus.Cycle, false, 0, points[0], residual, points.Length, points);
}

/// <summary>
/// The one iteration loop of every solver. It splits a batch into chunks of starts, solves the chunks
/// in parallel (one chunk per worker at a time), and for each chunk owns the active set, the
/// evaluations of F, the residual ‖F(x) − x‖∞, the tests that end a start, its best iterate, the step
/// limit, progress and cancellation; the solver (<see cref="IIterationStep"/>) supplies the step.
/// <para>Per iteration and start, at the current iterate x and F(x) (evaluated by the driver, or
/// handed back by the step), in this order: any NaN or ±∞ in x or F(x) is
/// <see cref="SolveStatus.NonFinite"/>; ‖x‖∞ or ‖F(x)‖∞ above <see cref="SolveOptions.DivergenceBound"/>
/// is <see cref="SolveStatus.Diverged"/>; <see cref="SolveOptions.IsConverged"/> is
/// <see cref="SolveStatus.Converged"/> (returning x); otherwise x becomes the best iterate when its
/// residual is the lowest so far, and the step runs. With <see cref="SolveOptions.Assignment"/> set, a start whose
/// iterate the assignment test covers ends before that as <see cref="SolveStatus.Converged"/> at the test's target
/// (after the convergence test, so a start that converges anyway is reported as today). At the step limit the start ends as
/// <see cref="SolveStatus.MaxIterations"/> with its best iterate.</para>
/// <para>Each start's trajectory depends only on its own row (the kernels are row-deterministic), so
/// the chunking and the thread count never change a result. Finished rows are swapped to the end of
/// the chunk, so each evaluation is one batched call over the active rows.</para>
/// <para>Memory: a chunk holds at most <see cref="MaxChunk"/> starts and at most
/// <see cref="MaxChunkNumbers"/> / N of them, and the solve keeps a fixed number of length-N rows per
/// start (the driver's x, F(x) and best iterate; Picard adds MaxPeriod − 1, Anderson 2 + 2·History),
/// rented from the shared pool and reused by the next chunk; the solvers state that footprint, and the
/// chunk is also cut to about 1 MiB of it (<see cref="ChunkSize"/>). So the working set is threads ×
/// chunk × N × (rows per start) × 8 bytes — 2 MB per thread for Anderson (m = 5) at N = 256 — whatever
/// the number of starts; what grows with the starts is the caller's start array and one result (a
/// length-N point) per start.</para>
/// <para>The map is evaluated single-threaded inside each chunk (<see cref="IMap.EvaluateBatch"/>):
/// the parallelism is over chunks only, so the two levels never oversubscribe the cores.</para>
/// <para>Cancellation is checked before every iteration; a start cut off by it ends as
/// <see cref="SolveStatus.Cancelled"/> with its best iterate so far (its start when none was tested).</para>
/// </summary>
internal static class IterationDriver
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
    /// From this dimension on a batch is split evenly between the workers instead of into four chunks each: there a
    /// row block of 16–32 starts runs the kernel at about 2/3 of its rate on 128 rows (N = 1024:
    /// `Fixpoint.Bench kernel --n 1024 --rows 16` against `--rows 128`, one thread), and the smaller rounds of early assignment are such batches.
    /// </summary>
    internal const int EvenSplitDimension = 512;

    /// <summary>
    /// The chunk size: about four chunks per worker (one from <see cref="EvenSplitDimension"/> on), 16 … <see cref="MaxChunk"/> starts,
    /// chunk × N ≤ <see cref="MaxChunkNumbers"/>, and chunk × <paramref name="numbersPerStart"/> ≤
    /// <see cref="CacheBudgetNumbers"/> (but not below <see cref="MinCachedChunk"/>) when the solver
    /// states its per-start footprint (0: not stated).
    /// </summary>
    internal static int ChunkSize(int count, int threads, int dimension, int numbersPerStart = 0)
    {
        int cap = Math.Min(MaxChunk, MaxChunkNumbers / Math.Max(dimension, 1));
        if (numbersPerStart > 0) cap = Math.Min(cap, Math.Max(MinCachedChunk, CacheBudgetNumbers / numbersPerStart));
        int perWorker = dimension >= EvenSplitDimension ? 1 : 4;
        return Math.Clamp(count / Math.Max(1, threads * perWorker), 16, Math.Max(16, cap));
    }

    public static BatchResult Run(IIterationStep step, IMap map, double[] starts, int count, SolveOptions options,
        IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int n = map.Dimension;
        if (count < 0 || starts.Length < count * n) throw new ArgumentException($"starts holds {starts.Length} numbers, fewer than {count} × {n}", nameof(starts));
        var results = new SolveResult[count];
        int threads = options.EffectiveThreads;
        int chunk = ChunkSize(count, threads, n, step.NumbersPerStart(n, options));
        int chunks = (count + chunk - 1) / chunk;
        long evaluations = 0;
        int done = 0;
        void Finished(int k)
        {
            int now = Interlocked.Add(ref done, k);
            progress?.Report(now);
        }
        if (threads == 1 || chunks == 1)
        {
            for (int c = 0; c < chunks; c++)
                evaluations += SolveChunk(step, map, starts, c * chunk, Math.Min(chunk, count - c * chunk), options, results, Finished, cancellationToken);
        }
        else
        {
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
            {
                long e = SolveChunk(step, map, starts, c * chunk, Math.Min(chunk, count - c * chunk), options, results, Finished, cancellationToken);
                Interlocked.Add(ref evaluations, e);
            });
        }
        bool cancelled = results.Any(r => r.Status == SolveStatus.Cancelled);
        return new BatchResult(results, cancelled, evaluations);
    }

    /// <summary>Solves starts [first, first + m) and writes their results; returns map evaluations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long SolveChunk(IIterationStep step, IMap map, double[] starts, int first, int m, SolveOptions o,
        SolveResult[] results, Action<int> finished, CancellationToken ct)
    {
        int n = map.Dimension;
        using var ws = new Workspace(m, n);
        using ChunkStep state = step.CreateChunk(map, m, o);
        double[] x = ws.X, fx = ws.Fx, best = ws.Best, bestRes = ws.BestRes, g = ws.G;
        int[] id = ws.Id;
        long[] rowEvals = ws.RowEvals;
        bool[] known = ws.Known;
        Array.Copy(starts, first * n, x, 0, m * n);
        Array.Copy(x, best, m * n);
        bestRes.AsSpan(0, m).Fill(double.PositiveInfinity);
        rowEvals.AsSpan(0, m).Clear();
        known.AsSpan(0, m).Clear();
        for (int i = 0; i < m; i++) id[i] = first + i;
        int active = m;
        long evals = 0;
        bool relative = o.Rtol != 0;
        bool testsLast = step.TestsLastIterate;
        IEarlyAssignment? assignment = o.Assignment;
        int lastIteration = o.MaxIterations + (testsLast ? 1 : 0);

        for (int iter = 1; iter <= lastIteration && active > 0; iter++)
        {
            if (ct.IsCancellationRequested)
            {
                for (int a = 0; a < active; a++)
                    results[id[a]] = End(a, SolveStatus.Cancelled, iter - 1);
                return evals;
            }
            // The test after the step limit (TestsLastIterate) evaluates afresh, as a final check of the last iterate.
            bool final = iter > o.MaxIterations;
            evals += Evaluate(final);
            int reported = Math.Min(iter, o.MaxIterations);
            int finishedNow = 0;
            // Rows move only downwards into slots already visited, so each slot's target stays its own row's.
            assignment?.FindAll(x.AsSpan(0, active * n), active, ws.Targets.AsSpan(0, active));
            for (int a = active - 1; a >= 0; a--)
            {
                Span<double> xa = x.AsSpan(a * n, n);
                Span<double> fa = fx.AsSpan(a * n, n);
                Span<double> ga = g.AsSpan(0, n);
                double r = RowOps.Residual(fa, xa, ga, out double yInf, out double xInf);
                SolveResult? result = null;
                if (!double.IsFinite(r) || !double.IsFinite(yInf) || !double.IsFinite(xInf))
                    result = End(a, SolveStatus.NonFinite, reported);
                else if (xInf > o.DivergenceBound || yInf > o.DivergenceBound)
                    result = End(a, SolveStatus.Diverged, reported);
                else if (o.IsConverged(r, relative ? xInf : 0.0))
                    result = new SolveResult(xa.ToArray(), SolveStatus.Converged, reported, rowEvals[a], r);
                else if (assignment is not null && ws.Targets[a] is AssignmentTarget t)
                    result = new SolveResult((double[])t.Point.Clone(), SolveStatus.Converged, reported, rowEvals[a], t.Residual) { AssignedTo = t.Index };
                else
                {
                    if (r < bestRes[a]) { bestRes[a] = r; xa.CopyTo(best.AsSpan(a * n, n)); }
                    if (final) result = End(a, SolveStatus.MaxIterations, reported);
                    else
                    {
                        StepOutcome s = state.Step(a, iter, xa, fa, ga, r);
                        rowEvals[a] += s.Evaluations;
                        evals += s.Evaluations;
                        known[a] = s.Evaluated;
                        if (s.End is SolveStatus end)
                            result = s.Point is null ? End(a, end, iter)
                                : new SolveResult(s.Point, end, iter, rowEvals[a], s.Residual, s.Period, s.Points);
                        else if (iter == o.MaxIterations && !testsLast)
                            result = End(a, SolveStatus.MaxIterations, iter);
                    }
                }
                if (result is not null)
                {
                    results[id[a]] = result;
                    finishedNow++;
                    active--;
                    if (a != active) Move(active, a);
                }
            }
            if (finishedNow > 0) finished(finishedNow);
        }
        return evals;

        // F at the active rows whose value the last step did not hand back: one batched call when none did.
        long Evaluate(bool all)
        {
            int unknown = 0;
            for (int a = 0; a < active; a++)
                if (all || !known[a]) unknown++;
            if (unknown == active)
            {
                map.EvaluateBatch(x, fx, active);
                for (int a = 0; a < active; a++) rowEvals[a]++;
            }
            else if (unknown > 0)
            {
                for (int a = 0; a < active; a++)
                {
                    if (known[a]) continue;
                    map.Evaluate(x.AsSpan(a * n, n), fx.AsSpan(a * n, n));
                    rowEvals[a]++;
                }
            }
            return unknown;
        }

        // The row's best iterate (its start when none was tested) and the residual there (NaN when unknown).
        SolveResult End(int a, SolveStatus status, int iterations) =>
            new(best.AsSpan(a * n, n).ToArray(), status, iterations, rowEvals[a], bestRes[a] < double.PositiveInfinity ? bestRes[a] : double.NaN);

        void Move(int from, int to)
        {
            Array.Copy(x, from * n, x, to * n, n);
            Array.Copy(fx, from * n, fx, to * n, n);
            Array.Copy(best, from * n, best, to * n, n);
            bestRes[to] = bestRes[from];
            id[to] = id[from];
            rowEvals[to] = rowEvals[from];
            known[to] = known[from];
            state.Move(from, to);
        }
    }

    /// <summary>The driver's rows of a chunk, rented so that consecutive chunks reuse them (no allocation per iteration).</summary>
    private sealed class Workspace : IDisposable
    {
        public Workspace(int m, int n)
        {
            X = Rent(m * n);
            Fx = Rent(m * n);
            Best = Rent(m * n);
            BestRes = Rent(m);
            G = Rent(n);
            Id = ArrayPool<int>.Shared.Rent(m);
            RowEvals = ArrayPool<long>.Shared.Rent(m);
            Known = ArrayPool<bool>.Shared.Rent(m);
            Targets = ArrayPool<AssignmentTarget?>.Shared.Rent(m);
        }

        public double[] X { get; }
        public double[] Fx { get; }
        public double[] Best { get; }
        public double[] BestRes { get; }
        public double[] G { get; }
        public int[] Id { get; }
        public long[] RowEvals { get; }
        public bool[] Known { get; }
        public AssignmentTarget?[] Targets { get; }

        private static double[] Rent(int length) => ArrayPool<double>.Shared.Rent(Math.Max(length, 1));

        public void Dispose()
        {
            foreach (double[] a in new[] { X, Fx, Best, BestRes, G }) ArrayPool<double>.Shared.Return(a);
            ArrayPool<int>.Shared.Return(Id);
            ArrayPool<long>.Shared.Return(RowEvals);
            ArrayPool<bool>.Shared.Return(Known);
            ArrayPool<AssignmentTarget?>.Shared.Return(Targets, clearArray: true);
        }
    }
}
