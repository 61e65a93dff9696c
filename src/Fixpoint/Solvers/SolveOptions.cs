namespace Fixpoint.Solvers;

/// <summary>
/// How a solve stops. The one termination test, used by every solver and by the census:
/// <c>‖F(x) − x‖∞ ≤ Atol + Rtol·‖x‖∞</c> (see <see cref="IsConverged"/>).
/// </summary>
public sealed record SolveOptions
{
    public const double DefaultAtol = 1e-10;
    public const double DefaultRtol = 0.0;
    public const int DefaultMaxIterations = 2000;
    public const int DefaultMaxPeriod = 8;
    public const double DefaultDivergenceBound = 1e8;
    public const double DefaultMinCycleSeparation = 1e-6;

    private readonly double _atol = DefaultAtol;
    private readonly double _rtol = DefaultRtol;
    private readonly int _maxIterations = DefaultMaxIterations;
    private readonly int _maxPeriod = DefaultMaxPeriod;
    private readonly double _divergenceBound = DefaultDivergenceBound;
    private readonly double _minCycleSeparation = DefaultMinCycleSeparation;
    private readonly int _threads;

    /// <summary>Absolute tolerance of the termination test; ≥ 0.</summary>
    public double Atol { get => _atol; init => _atol = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Atol), value, "must be ≥ 0 and finite"); }

    /// <summary>Relative tolerance of the termination test; ≥ 0. Atol and Rtol may not both be 0.</summary>
    public double Rtol { get => _rtol; init => _rtol = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Rtol), value, "must be ≥ 0 and finite"); }

    /// <summary>Iterations (steps of the solver) before a start is reported as <see cref="SolveStatus.MaxIterations"/>.</summary>
    public int MaxIterations { get => _maxIterations; init => _maxIterations = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxIterations), value, "must be ≥ 1"); }

    /// <summary>Longest period a cycle is looked for (2 … MaxPeriod); 1 turns cycle detection off.</summary>
    public int MaxPeriod { get => _maxPeriod; init => _maxPeriod = value >= 1 && value <= 64 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPeriod), value, "must be in 1 … 64"); }

    /// <summary>
    /// The one divergence test: at an evaluated iterate x, ‖x‖∞ or ‖F(x)‖∞ above this bound is
    /// <see cref="SolveStatus.Diverged"/> (a NaN or ±∞ is <see cref="SolveStatus.NonFinite"/> instead).
    /// </summary>
    public double DivergenceBound { get => _divergenceBound; init => _divergenceBound = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(DivergenceBound), value, "must be > 0"); }

    /// <summary>
    /// A cycle is reported only when its points are pairwise farther apart (∞-norm) than this,
    /// so that slow oscillating convergence (an eigenvalue near −1) is not mistaken for a 2-cycle.
    /// </summary>
    public double MinCycleSeparation { get => _minCycleSeparation; init => _minCycleSeparation = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MinCycleSeparation), value, "must be ≥ 0"); }

    /// <summary>Worker threads for batches; 0 means one per core. Results never depend on it.</summary>
    public int Threads { get => _threads; init => _threads = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Threads), value, "must be ≥ 0"); }

    /// <summary>The tolerance at a point of ∞-norm <paramref name="xInf"/>: Atol + Rtol·‖x‖∞.</summary>
    public double Tolerance(double xInf) => Atol + Rtol * xInf;

    /// <summary>The termination test ‖F(x) − x‖∞ ≤ Atol + Rtol·‖x‖∞.</summary>
    public bool IsConverged(double residualInf, double xInf) => residualInf <= Tolerance(xInf);

    /// <summary>An optional proved-attraction test run on every iterate (<see cref="IEarlyAssignment"/>); null: every start iterates to the tolerance.</summary>
    public IEarlyAssignment? Assignment { get; init; }

    public int EffectiveThreads => Threads == 0 ? Environment.ProcessorCount : Threads;

    public void Validate()
    {
        if (Atol == 0 && Rtol == 0) throw new ArgumentException("Atol and Rtol are both 0: no iterate could ever converge");
    }
}
