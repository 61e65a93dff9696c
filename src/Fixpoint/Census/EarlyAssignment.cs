using Fixpoint.Maps;
using Fixpoint.Solvers;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Census;

/// <summary>A proved region of attraction B around an approximate fixed point: F(B) ⊆ B and F is a contraction on B.</summary>
public interface IAttractionBall
{
    /// <summary>The centre x̃ (an approximate fixed point; the fixed point in B lies within the radius).</summary>
    double[] Center { get; }

    /// <summary>‖F(x̃) − x̃‖∞.</summary>
    double CenterResidual { get; }

    /// <summary>The proved radius, in <see cref="Norm"/>.</summary>
    double Radius { get; }

    /// <summary>The proved contraction factor K &lt; 1 on B, in <see cref="Norm"/>.</summary>
    double Contraction { get; }

    /// <summary>The norm's name in result files.</summary>
    string Norm { get; }

    /// <summary>m when what is proved is about F^m (then <see cref="Contraction"/> is that of F^m on the inner ball); null for F itself.</summary>
    int? Steps => null;

    /// <summary>The radius of the inner ball that <see cref="Contraction"/> holds on; null when it holds on the whole ball.</summary>
    double? InnerRadius => null;

    /// <summary>True only when x provably lies in B (false may also mean "too close to the boundary to tell").</summary>
    bool Contains(ReadOnlySpan<double> x);

    /// <summary><see cref="Contains"/> for <paramref name="rows"/> consecutive points of <paramref name="x"/> (row-major), with the same answers.</summary>
    void ContainsAll(ReadOnlySpan<double> x, int rows, Span<bool> inside)
    {
        int n = rows == 0 ? 0 : x.Length / rows;
        for (int r = 0; r < rows; r++) inside[r] = Contains(x.Slice(r * n, n));
    }
}

/// <summary>Proves balls of attraction; the census calls it for each attractor its pilot found (the implementation lives above the census, in Certify).</summary>
public interface IAttractionBallProver
{
    /// <summary>
    /// A proved ball around <paramref name="center"/> that captures the orbits of Picard with <paramref name="damping"/>
    /// (1: undamped), or null when nothing could be proved (then no start is assigned to it). Without
    /// <paramref name="costlyFallback"/> only the prover's cheap proofs are tried.
    /// </summary>
    IAttractionBall? Prove(IMap map, double[] center, double damping, bool costlyFallback, CancellationToken cancellationToken);

    /// <summary>Whether this prover can prove anything for <paramref name="map"/> at all (automatic assignment skips the maps it cannot).</summary>
    bool Supports(IMap map) => true;

    /// <summary>Work that depends on the map only (not on a fixed point), started on another thread while the pilot round runs; <paramref name="cancellationToken"/> is cancelled when the pilot ends, and the proofs do what is left.</summary>
    void Prepare(IMap map, CancellationToken cancellationToken) { }

    /// <summary>Whether this prover has a cheap proof (far below the cost of the starts it saves) for Picard with <paramref name="damping"/> on <paramref name="map"/>.</summary>
    bool HasCheapProof(IMap map, double damping) => false;

    /// <summary>J(<paramref name="point"/>) (row-major N × N) where a proof formed it at exactly that point and still holds it, else null: the census's stability step then forms none.</summary>
    double[]? FormedJacobian(IMap map, ReadOnlySpan<double> point) => null;
}

/// <summary>
/// Settings of early assignment (docs/census.md, "Early assignment"). Starts run in rounds: the first
/// <see cref="PilotStarts"/> without any ball, then rounds that each double the starts done so far (at least 64 starts a round). After each round the
/// new attractors it found (the first converged start of each new cluster, polished by Newton) get a ball from
/// <see cref="Prover"/>, at most <see cref="MaxBalls"/> tries in all; in later rounds a start whose iterate enters a
/// proved ball ends at once, converged to that fixed point. The rounds depend only on the number of starts, so
/// results never depend on the thread count.
/// </summary>
public sealed record EarlyAssignmentOptions
{
    /// <summary>The pilot without <see cref="PilotStarts"/>: 16384 / N starts, within 16 … 256 (a wide start costs more, and one converged start is enough to prove a ball).</summary>
    public static int DefaultPilotStarts(int dimension) => Math.Clamp(16384 / Math.Max(1, dimension), 16, 256);
    public const int DefaultMaxBalls = 64;

    private readonly int? _pilotStarts;
    private readonly int _maxBalls = DefaultMaxBalls;

    public EarlyAssignmentOptions(IAttractionBallProver prover) => Prover = prover ?? throw new ArgumentNullException(nameof(prover));

    public IAttractionBallProver Prover { get; init; }

    /// <summary>Starts of the first round, which runs without balls; ≥ 1; null: <see cref="DefaultPilotStarts"/>. A census of no more starts than the pilot is exactly one without assignment.</summary>
    public int? PilotStarts { get => _pilotStarts; init => _pilotStarts = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(PilotStarts), value, "must be ≥ 1"); }

    /// <summary>The pilot of a census of dimension <paramref name="dimension"/>.</summary>
    public int PilotFor(int dimension) => PilotStarts ?? DefaultPilotStarts(dimension);

    /// <summary>Most attractors a census tries to prove a ball for (each try costs O(L·N³)); ≥ 1.</summary>
    public int MaxBalls { get => _maxBalls; init => _maxBalls = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBalls), value, "must be ≥ 1"); }

    /// <summary>
    /// Starts per dimension from which one costly proof (the eigenbasis ball) pays for itself: it costs O(L·N³) with a large
    /// constant and saves O(L·N²) per start; on tanh networks (docs/census.md, "Early assignment", bench/early-assignment.sh)
    /// it broke even near 64·N starts on 2 cores (N = 128: 11% slower at 64·N, 18% faster at 128·N).
    /// </summary>
    public const int AutomaticStartsPerDimension = 128;

    /// <summary>
    /// Starts per dimension from which one cheap proof (<see cref="IAttractionBallProver.HasCheapProof"/>: the Euclidean
    /// ball of F^m, a few dense products) pays for itself (docs/census.md, "Early assignment").
    /// </summary>
    public const double CheapStartsPerDimension = 0.25;

    /// <summary>
    /// Applied only where it pays: a map the prover supports, and at least <see cref="AutomaticStartsPerDimension"/>·N
    /// starts per ball tried (<see cref="CheapStartsPerDimension"/>·N where the prover has a cheap proof), capped by
    /// <see cref="MaxBalls"/>. Otherwise the census is exactly one without assignment, and census.json has no <c>earlyAssignment</c>.
    /// </summary>
    public bool Automatic { get; init; }

    /// <summary>The balls a census of <paramref name="starts"/> starts of dimension <paramref name="dimension"/> may try: <see cref="MaxBalls"/>, or fewer (0: none) when <see cref="Automatic"/>.</summary>
    public int BallsFor(int dimension, int starts, bool cheapProof = false)
    {
        if (!Automatic) return MaxBalls;
        double perBall = (cheapProof ? CheapStartsPerDimension : AutomaticStartsPerDimension) * Math.Max(1, dimension);
        return (int)Math.Min(MaxBalls, Math.Floor(starts / perBall));
    }

    /// <summary>Whether a census of <paramref name="starts"/> may fall back on the costly proofs when the cheap one fails.</summary>
    public bool AllowsCostlyProofs(int dimension, int starts) => !Automatic || BallsFor(dimension, starts) > 0;
}

/// <summary>What early assignment did in a census.</summary>
/// <param name="AssignedStarts">Starts that ended on entering a proved ball (counted as converged to its fixed point).</param>
/// <param name="PilotStarts">Starts of the first round, run without balls.</param>
/// <param name="Balls">Attractors with a proved ball.</param>
/// <param name="Refused">Attractors for which no ball could be proved.</param>
public sealed record EarlyAssignmentSummary(long AssignedStarts, int PilotStarts, int Balls, int Refused);

/// <summary>The proved ball of a fixed point: its radius and contraction factor in <paramref name="Norm"/>, and the starts assigned through it.</summary>
/// <param name="Steps">m where the proof is about F^m (the Euclidean ball); null for F itself.</param>
/// <param name="InnerRadius">The radius of the inner ball on which F^m is a contraction with factor <paramref name="Contraction"/> (the Euclidean ball); null when that is the whole ball.</param>
public sealed record ProvenBall(double Radius, string Norm, double Contraction, long AssignedStarts,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? Steps = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] double? InnerRadius = null);

/// <summary>
/// The census side of early assignment: the rounds, which attractors get a ball, and the test the iteration driver runs
/// (<see cref="IEarlyAssignment"/>). Applies only to Picard (damped or not), whose orbits a proved ball captures; with
/// another solver, without <see cref="CensusOptions.EarlyAssignment"/>, or with no more starts than the pilot, the batch is
/// solved exactly as without it.
/// </summary>
internal sealed class EarlyAssignment
{
    /// <summary>
    /// The smallest round after the pilot: a round of 16 wide starts is one 16-row block on one core (the batch driver's
    /// smallest chunk), which ran at about half the rate of the later rounds at N = 2048.
    /// </summary>
    internal const int MinRoundStarts = 64;

    private readonly IMap _map;
    private readonly CensusOptions _options;
    private readonly List<Anchor> _anchors = [];
    private readonly List<Ball> _balls = [];
    private int _tried, _refused, _maxBalls;
    private bool _costly;
    private long _assigned;
    private bool _active;

    public EarlyAssignment(IMap map, CensusOptions options)
    {
        _map = map;
        _options = options;
    }

    /// <summary>
    /// Whether early assignment applies to a census of <paramref name="count"/> starts: asked for, the solver is Picard,
    /// and, when automatic, the prover supports the map and the starts pay for at least one proof.
    /// </summary>
    private bool Applies(int count) =>
        _options.EarlyAssignment is { } ea && _options.Solver is PicardSolver
        && (!ea.Automatic || (ea.Prover.Supports(_map) && count > ea.PilotFor(_map.Dimension) && ea.BallsFor(_map.Dimension, count, CheapProof(ea)) > 0));

    private double Damping => _options.Solver is PicardSolver p ? p.Damping : 1;

    private bool CheapProof(EarlyAssignmentOptions ea) => ea.Prover.HasCheapProof(_map, Damping);

    /// <summary>The census batch: in rounds with balls when <see cref="Applies"/>, else one plain solve.</summary>
    public BatchResult SolveBatch(double[] starts, int count, IProgress<int>? progress, CancellationToken ct)
    {
        EarlyAssignmentOptions? ea = _options.EarlyAssignment;
        _active = Applies(count);
        if (ea is null || !_active || count <= ea.PilotFor(_map.Dimension))
        {
            return _options.Solver.SolveBatch(_map, starts, count, _options.Solve, progress, ct);
        }
        _maxBalls = ea.BallsFor(_map.Dimension, count, CheapProof(ea));
        _costly = ea.AllowsCostlyProofs(_map.Dimension, count);
        int n = _map.Dimension;
        var results = new SolveResult[count];
        long evaluations = 0;
        bool cancelled = false;
        int first = 0, size = ea.PilotFor(n);
        // A wide pilot round is a single chunk on one core: the map's own share of the proofs (layer norms) fits beside it.
        // It stops taking up work when the pilot ends: the proofs then bound what is left on all cores.
        using var pilotRunning = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task prepare = CheapProof(ea) ? Task.Run(() => ea.Prover.Prepare(_map, pilotRunning.Token), ct) : Task.CompletedTask;
        while (first < count)
        {
            int len = Math.Min(size, count - first);
            var sub = new double[len * n];
            Array.Copy(starts, (long)first * n, sub, 0, (long)len * n);
            SolveOptions so = _balls.Count > 0 ? _options.Solve with { Assignment = new BallSet([.. _balls]) } : _options.Solve;
            int offset = first;
            BatchResult b = _options.Solver.SolveBatch(_map, sub, len, so,
                progress is null ? null : new SyncProgress<int>(d => progress.Report(offset + d)), ct);
            evaluations += b.Evaluations;
            cancelled |= b.Cancelled;
            Array.Copy(b.Results, 0, results, first, len);
            first += len;
            size = Math.Max(first, MinRoundStarts);
            pilotRunning.Cancel();
            if (first < count && !ct.IsCancellationRequested) ProveNew(results, first - len, len, ct);
        }
        try { prepare.Wait(CancellationToken.None); } catch (AggregateException) when (pilotRunning.IsCancellationRequested) { }
        foreach (SolveResult r in results)
            if (r.AssignedTo is int k) { _assigned++; _balls[k].Assigned++; }
        return new BatchResult(results, cancelled, evaluations);
    }

    /// <summary>The census result with the summary and each fixed point's ball; unchanged when assignment did not apply.</summary>
    public CensusResult Annotate(CensusResult result)
    {
        if (!_active) return result;
        var fps = result.FixedPoints.ToArray();
        foreach (Ball b in _balls)
        {
            if (result.StartAttractor[b.Anchor.FirstStart] is not int k || k >= fps.Length) continue;
            ProvenBall? had = fps[k].Ball;
            fps[k] = fps[k] with
            {
                Ball = had is null ? new ProvenBall(b.Proof.Radius, b.Proof.Norm, b.Proof.Contraction, b.Assigned, b.Proof.Steps, b.Proof.InnerRadius)
                    : had with { AssignedStarts = had.AssignedStarts + b.Assigned },
            };
        }
        int pilot = Math.Min(_options.EarlyAssignment!.PilotFor(_map.Dimension), result.RequestedStarts);
        return result with { FixedPoints = fps, EarlyAssignment = new EarlyAssignmentSummary(_assigned, pilot, _balls.Count, _refused) };
    }

    /// <summary>Clusters the round's converged starts as the census does (first anchor within UniqueTol, start order), then proves balls for its new clusters.</summary>
    private void ProveNew(SolveResult[] results, int from, int len, CancellationToken ct)
    {
        var fresh = new List<Anchor>();
        for (int i = from; i < from + len; i++)
        {
            SolveResult r = results[i];
            if (r.Status != SolveStatus.Converged || r.AssignedTo is not null) continue;
            Anchor? a = FindAnchor(r.X);
            if (a is null)
            {
                a = new Anchor(r.X, i, _anchors.Count) { Best = r.X, BestResidual = r.Residual };
                _anchors.Add(a);
                fresh.Add(a);
            }
            else if (r.Residual < a.BestResidual) { a.Best = r.X; a.BestResidual = r.Residual; }
        }
        var candidates = fresh.Take(Math.Max(0, _maxBalls - _tried)).ToArray();
        _tried += candidates.Length;
        var proofs = new IAttractionBall?[candidates.Length];
        var polishOptions = _options.Solve with { Atol = _options.PolishTol, Rtol = 0, MaxIterations = _options.NewtonMaxIterations, Threads = 1 };
        Parallel.For(0, candidates.Length, new ParallelOptions { MaxDegreeOfParallelism = _options.Solve.EffectiveThreads }, c =>
        {
            Anchor a = candidates[c];
            SolveResult p = CensusNewton.For(_options.Newton, _map.Dimension).Solve(_map, a.Best, polishOptions, ct);
            double[] center = p.Status == SolveStatus.Converged && MaxAbsDiff(p.X, a.Best) <= _options.UniqueTol ? p.X : a.Best;
            // An assigned start reports the centre, so the census must file the centre under this anchor.
            if (!ReferenceEquals(FindAnchor(center), a)) return;
            proofs[c] = _options.EarlyAssignment!.Prover.Prove(_map, center, Damping, _costly, ct);
        });
        for (int c = 0; c < candidates.Length; c++)
        {
            if (proofs[c] is IAttractionBall proof) _balls.Add(new Ball(candidates[c], proof, _balls.Count));
            else _refused++;
        }
    }

    private Anchor? FindAnchor(double[] x)
    {
        foreach (Anchor a in _anchors)
            if (MaxAbsDiff(a.X, x) <= _options.UniqueTol) return a;
        return null;
    }

    private sealed class Anchor(double[] x, int firstStart, int index)
    {
        public double[] X { get; } = x;
        public int FirstStart { get; } = firstStart;
        public int Index { get; } = index;
        public double[] Best { get; set; } = x;
        public double BestResidual { get; set; }
    }

    private sealed class Ball(Anchor anchor, IAttractionBall proof, int index)
    {
        public Anchor Anchor { get; } = anchor;
        public IAttractionBall Proof { get; } = proof;
        public AssignmentTarget Target { get; } = new(index, proof.Center, proof.CenterResidual);
        public long Assigned { get; set; }
    }

    /// <summary>The driver's test: the first ball (in proof order) that contains x.</summary>
    private sealed class BallSet(Ball[] balls) : IEarlyAssignment
    {
        public AssignmentTarget? Find(ReadOnlySpan<double> x)
        {
            foreach (Ball b in balls)
                if (b.Proof.Contains(x)) return b.Target;
            return null;
        }

        public void FindAll(ReadOnlySpan<double> x, int rows, Span<AssignmentTarget?> targets)
        {
            targets.Slice(0, rows).Clear();
            if (rows == 0) return;
            int n = x.Length / rows;
            bool[] inside = System.Buffers.ArrayPool<bool>.Shared.Rent(rows);
            try
            {
                foreach (Ball b in balls)
                {
                    b.Proof.ContainsAll(x.Slice(0, rows * n), rows, inside.AsSpan(0, rows));
                    for (int r = 0; r < rows; r++)
                        if (inside[r] && targets[r] is null) targets[r] = b.Target;
                }
            }
            finally { System.Buffers.ArrayPool<bool>.Shared.Return(inside); }
        }
    }
}
