using Fixpoint.Solvers;

namespace Fixpoint.Census;

/// <summary>Options of a census; every tolerance has one meaning, stated here and used exactly so.</summary>
public sealed record CensusOptions
{
    public const double DefaultUniqueTol = 1e-6;
    public const double DefaultPolishTol = 1e-12;
    public const double DefaultStabilityMargin = 1e-6;

    private readonly double _uniqueTol = DefaultUniqueTol;
    private readonly double _polishTol = DefaultPolishTol;
    private readonly double _margin = DefaultStabilityMargin;
    private readonly int _newtonMaxIterations = 100;

    /// <summary>The solver run from every start.</summary>
    public ISolver Solver { get; init; } = new PicardSolver();

    /// <summary>Termination, cycle and divergence settings of that solver.</summary>
    public SolveOptions Solve { get; init; } = new();

    /// <summary>Two converged points are one fixed point when their ∞-norm distance is ≤ UniqueTol (also used for cycles, point by point).</summary>
    public double UniqueTol { get => _uniqueTol; init => _uniqueTol = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(UniqueTol), value, "must be > 0"); }

    private readonly double _roundingFloor;

    /// <summary>
    /// The map's rounding floor: an orbit whose diameter (the largest ∞-norm distance between two of its points) is ≤ this
    /// is a fixed point seen through the map's rounding, not a cycle, and its start counts as converged at the orbit's
    /// first point. 0 (the default, for float64 maps): off. <see cref="Float32Tolerances"/> sets it for float32 maps.
    /// </summary>
    public double RoundingFloor { get => _roundingFloor; init => _roundingFloor = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(RoundingFloor), value, "must be ≥ 0"); }

    /// <summary>Newton polishes each distinct point until ‖F(x) − x‖∞ ≤ PolishTol.</summary>
    public double PolishTol { get => _polishTol; init => _polishTol = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(PolishTol), value, "must be > 0"); }

    /// <summary>ρ &lt; 1 − margin is stable, ρ &gt; 1 + margin unstable, else marginal.</summary>
    public double StabilityMargin { get => _margin; init => _margin = value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(StabilityMargin), value, "must be in [0, 1)"); }

    /// <summary>Also run Newton on F(x) − x from every start and from the orbit points of non-converged starts, to find saddles and repellers.</summary>
    public bool Unstable { get; init; }

    private readonly int _unstableStarts;

    /// <summary>How many of the starts (the first ones) the unstable pass runs Newton from; 0 means all. Newton costs a Jacobian and an LU per step, so large N may want fewer.</summary>
    public int UnstableStarts { get => _unstableStarts; init => _unstableStarts = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(UnstableStarts), value, "must be ≥ 0"); }

    /// <summary>How the eigenvalues of J at each fixed point are computed (<see cref="FixedPointStability"/>).</summary>
    public EigenMethod Eigen { get => _eigen; init => _eigen = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Eigen), value, "must be auto, dense or krylov"); }

    private readonly EigenMethod _eigen = EigenMethod.Auto;
    /// <summary>Early assignment (docs/census.md): starts that enter a proved ball of an attractor end there; null: off, every start iterates to the tolerance.</summary>
    public EarlyAssignmentOptions? EarlyAssignment { get; init; }

    /// <summary>The Newton of polishing and the unstable pass: dense LU, Newton–Krylov, or by N (<see cref="CensusNewton.KrylovThreshold"/>).</summary>
    public NewtonMethod Newton { get; init; } = NewtonMethod.Auto;

    private readonly int _slowModes = FixedPointModes.DefaultSlow;

    /// <summary>
    /// Each fixed point lists its modes (<see cref="FixedPointInfo.Modes"/>): every unstable one and this many of the slowest
    /// stable ones (the largest |λ| ≤ 1); −1: no modes.
    /// </summary>
    public int SlowModes { get => _slowModes; init => _slowModes = value >= -1 ? value : throw new ArgumentOutOfRangeException(nameof(SlowModes), value, "must be ≥ 0 (or −1: no modes)"); }

    /// <summary>The slow-point search (<see cref="SlowPointSearch"/>) after the census; null: off.</summary>
    public SlowPointOptions? SlowPoints { get; init; }

    private readonly int _deflateStarts;

    /// <summary>Deflated Newton from the first DeflateStarts starts, once the other passes are done (0: off; docs/census.md, "Deflation").</summary>
    public int DeflateStarts { get => _deflateStarts; init => _deflateStarts = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(DeflateStarts), value, "must be ≥ 0"); }

    /// <summary>At most this many new points from one start by deflation (each found one is deflated for the next try).</summary>
    public const int DeflationsPerStart = 8;

    /// <summary>The number of starts <c>--deflate</c> takes when <c>--deflate-starts</c> is not given.</summary>
    public const int DefaultDeflateStarts = 100;

    /// <summary>Iteration limit of Newton in polishing and in the unstable pass.</summary>
    public int NewtonMaxIterations { get => _newtonMaxIterations; init => _newtonMaxIterations = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(NewtonMaxIterations), value, "must be ≥ 1"); }
}
