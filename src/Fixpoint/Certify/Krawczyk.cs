using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Certify;

/// <summary>The verdict of a box certificate for the zeros of G(x) = F(x) − x.</summary>
public enum CertificateStatus
{
    /// <summary>The box holds exactly one fixed point (Krawczyk: K(X) lies in the interior of X).</summary>
    Unique,
    /// <summary>Nothing was proved; <see cref="UnknownReason"/> says why.</summary>
    Unknown,
    /// <summary>The box holds no fixed point (0 ∉ G(X), or K(X) ∩ X = ∅).</summary>
    Excluded,
}

/// <summary>Why a certificate ended <see cref="CertificateStatus.Unknown"/>.</summary>
public enum UnknownReason
{
    /// <summary>The status is not <see cref="CertificateStatus.Unknown"/>.</summary>
    None,
    /// <summary>K(X) meets X but does not lie in its interior: the box is too large, or the fixed point is singular or on the boundary.</summary>
    NotContained,
    /// <summary>J(x̃) − I could not be inverted (a singular or nearly singular fixed point).</summary>
    SingularJacobian,
    /// <summary>An enclosure was not finite (overflow in the network).</summary>
    NonFinite,
}

/// <summary>Messages (and JSON keys) for the statuses of the certificates.</summary>
public static class CertificateStatusText
{
    public static string Message(this CertificateStatus s) => s switch
    {
        CertificateStatus.Unique => "exactly one fixed point in the box",
        CertificateStatus.Unknown => "not decided",
        CertificateStatus.Excluded => "no fixed point in the box",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static string Message(this UnknownReason r) => r switch
    {
        UnknownReason.None => "",
        UnknownReason.NotContained => "K(X) is not inside the interior of X",
        UnknownReason.SingularJacobian => "J − I is singular at the centre",
        UnknownReason.NonFinite => "an enclosure overflowed",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    /// <summary>The JSON spelling: unique, unknown, excluded.</summary>
    public static string Key(this CertificateStatus s) => s switch
    {
        CertificateStatus.Unique => "unique",
        CertificateStatus.Unknown => "unknown",
        CertificateStatus.Excluded => "excluded",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static string Message(this RegionStatus s) => s switch
    {
        RegionStatus.Certified => "F(D) ⊆ D and ‖J‖∞ ≤ K < 1 on D: exactly one fixed point in D, attracting all of D",
        RegionStatus.Failed => "a condition of the region certificate could not be proved",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static string Message(this EnumerationStatus s) => s switch
    {
        EnumerationStatus.Complete => "every part of the domain was decided: the fixed points listed are all of them",
        EnumerationStatus.Incomplete => "some boxes are undecided; they may hold further fixed points",
        EnumerationStatus.Cancelled => "cancelled; the boxes not examined are listed as undecided",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static string Message(this UndecidedReason r) => r switch
    {
        UndecidedReason.MinWidth => "the box reached the minimum width without a verdict",
        UndecidedReason.Budget => "the box budget ran out before the box was examined",
        UndecidedReason.Cancelled => "cancelled before the box was examined",
        UndecidedReason.OnDomainBoundary => "a certified fixed point lies within rounding of the domain's boundary",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    public static string Message(this RobustIterationStatus s) => s switch
    {
        RobustIterationStatus.BoundsHeld => "both bounds held at every step, with every iterate in D and ‖h‖∞ ≤ δ",
        RobustIterationStatus.BoundsHeldOutsideHypotheses => "both bounds held, but an iterate left D or ‖h‖∞ exceeded δ",
        RobustIterationStatus.BoundViolated => "a bound failed",
        RobustIterationStatus.NonFinite => "an iterate was not finite",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };
}

/// <summary>
/// One Krawczyk test of a box X around the centre x̃. <see cref="Residual"/> encloses G(X) = F(X) − X
/// (natural form ∩ mean-value form); <see cref="Operator"/> is K(X) (null when J − I was singular).
/// When the status is <see cref="CertificateStatus.Unique"/> the fixed point lies in <see cref="Operator"/> ∩ X.
/// </summary>
public sealed record KrawczykBoxResult(
    CertificateStatus Status,
    UnknownReason Reason,
    Interval[] Box,
    double[] Center,
    Interval[] Residual,
    Interval[]? Operator);

/// <summary>
/// ε-inflation settings of <see cref="Krawczyk.Certify(Network, ReadOnlySpan{double}, KrawczykOptions?, CancellationToken)"/>:
/// boxes x̃ ± r are tested for r = r₀, r₀·Growth, r₀·Growth², … up to <see cref="MaxRadius"/>, with
/// r₀ = <see cref="InitialRadius"/> × max(1, ‖x̃‖∞).
/// </summary>
public sealed record KrawczykOptions
{
    public const double DefaultInitialRadius = 1e-10;
    public const double DefaultGrowth = 2.0;
    public const double DefaultMaxRadius = 1.0;
    public const int DefaultPolishSteps = 8;

    private readonly double _initialRadius = DefaultInitialRadius;
    private readonly double _growth = DefaultGrowth;
    private readonly double _maxRadius = DefaultMaxRadius;
    private readonly int _polishSteps = DefaultPolishSteps;

    /// <summary>The first radius, relative to max(1, ‖x̃‖∞); &gt; 0.</summary>
    public double InitialRadius { get => _initialRadius; init => _initialRadius = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(InitialRadius), value, "must be > 0 and finite"); }

    /// <summary>Factor between successive radii; &gt; 1.</summary>
    public double Growth { get => _growth; init => _growth = value > 1 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Growth), value, "must be > 1"); }

    /// <summary>The largest radius tried (absolute, ∞-norm); &gt; 0.</summary>
    public double MaxRadius { get => _maxRadius; init => _maxRadius = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(MaxRadius), value, "must be > 0 and finite"); }

    /// <summary>Newton steps that refine x̃ before the tests (0 keeps x̃ as given); the refined point is used only when its residual is smaller.</summary>
    public int PolishSteps { get => _polishSteps; init => _polishSteps = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(PolishSteps), value, "must be ≥ 0"); }
}

/// <summary>
/// The outcome of ε-inflation around an approximate fixed point x̃ (<see cref="Center"/>, after polishing).
/// <para>Contract: <see cref="CertificateStatus.Unique"/> means every box x̃ ± r with
/// <see cref="SmallestRadius"/> ≤ r ≤ <see cref="LargestRadius"/> on the tested ladder passed the
/// strict-interior test, so <see cref="LargestBox"/> holds exactly one fixed point and it lies in
/// <see cref="Enclosure"/> (K of the smallest box, intersected with it). <see cref="CertificateStatus.Excluded"/>
/// means no radius was certified and the box of radius <see cref="ExcludedRadius"/> provably holds no
/// fixed point. Otherwise <see cref="CertificateStatus.Unknown"/>, with the reason met at the smallest radius.
/// Radii that were not certified are NaN.</para>
/// </summary>
public sealed record KrawczykResult(
    CertificateStatus Status,
    UnknownReason Reason,
    double[] Center,
    double CenterResidual,
    Interval[]? Enclosure,
    Interval[]? SmallestBox,
    Interval[]? LargestBox,
    double SmallestRadius,
    double LargestRadius,
    double ExcludedRadius,
    int Tests);

/// <summary>
/// Krawczyk's interval Newton test for G(x) = F(x) − x: with a centre x̃ ∈ X and a preconditioner
/// Y ≈ (J(x̃) − I)⁻¹,
/// <c>K(X) = x̃ − Y G(x̃) + (I − Y J_G(X))(X − x̃)</c>, J_G(X) = J_F(X) − I.
/// Every fixed point in X lies in K(X) (for any Y); if K(X) lies in the interior of X, X holds exactly
/// one fixed point (Krawczyk 1969; Rump 1983 for the strict-interior form), stable or not; if
/// K(X) ∩ X = ∅ it holds none.
/// </summary>
public static class Krawczyk
{
    /// <summary>Tests <paramref name="box"/> with its midpoint as centre.</summary>
    public static KrawczykBoxResult Test(Network network, ReadOnlySpan<Interval> box) => Test(new IntervalNetwork(network), box);

    /// <summary>Tests <paramref name="box"/> with its midpoint as centre.</summary>
    public static KrawczykBoxResult Test(IntervalNetwork f, ReadOnlySpan<Interval> box)
    {
        ArgumentNullException.ThrowIfNull(f);
        CheckBox(f, box);
        return new BoxAnalysis(f).Run(box, IntervalVector.Midpoint(box));
    }

    /// <summary>Tests <paramref name="box"/> around the given centre, which must lie in the box.</summary>
    public static KrawczykBoxResult Test(IntervalNetwork f, ReadOnlySpan<Interval> box, ReadOnlySpan<double> center)
    {
        ArgumentNullException.ThrowIfNull(f);
        CheckBox(f, box);
        if (!IntervalVector.Contains(box, center)) throw new ArgumentException("the centre must lie in the box", nameof(center));
        return new BoxAnalysis(f).Run(box, center.ToArray());
    }

    /// <summary>ε-inflation around <paramref name="approximate"/>; see <see cref="KrawczykResult"/> for the contract.</summary>
    public static KrawczykResult Certify(Network network, ReadOnlySpan<double> approximate, KrawczykOptions? options = null, CancellationToken cancellationToken = default)
        => Certify(new IntervalNetwork(network), approximate, options, cancellationToken);

    /// <summary>ε-inflation around <paramref name="approximate"/>; see <see cref="KrawczykResult"/> for the contract.</summary>
    public static KrawczykResult Certify(IntervalNetwork f, ReadOnlySpan<double> approximate, KrawczykOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(f);
        options ??= new KrawczykOptions();
        if (approximate.Length != f.Dimension) throw new ArgumentException($"the point has {approximate.Length} coordinates, the network {f.Dimension}", nameof(approximate));
        for (int i = 0; i < approximate.Length; i++)
            if (!double.IsFinite(approximate[i])) throw new ArgumentException($"coordinate {i} of the point is {approximate[i]}", nameof(approximate));
        return Inflate(new BoxAnalysis(f), approximate, options, cancellationToken);
    }

    internal static KrawczykResult Inflate(BoxAnalysis analysis, ReadOnlySpan<double> approximate, KrawczykOptions o, CancellationToken ct)
    {
        Network net = analysis.F.Network;
        double[] center = approximate.ToArray();
        double centerRes = Residual(net, center);
        if (o.PolishSteps > 0)
        {
            (double[] p, double r) = PointNewton.Solve(net, center, o.PolishSteps);
            if (r < centerRes || !double.IsFinite(centerRes)) (center, centerRes) = (p, r);
        }
        double scale = Math.Max(1.0, DenseLinearAlgebra.MaxAbs(center));
        double radius = o.InitialRadius * scale;
        Interval[]? smallest = null, largest = null, enclosure = null;
        double rSmall = double.NaN, rLarge = double.NaN, rExcluded = double.NaN;
        UnknownReason firstReason = UnknownReason.None;
        CertificateStatus firstStatus = CertificateStatus.Unknown;
        int tests = 0;
        while (radius <= o.MaxRadius && !ct.IsCancellationRequested)
        {
            Interval[] box = IntervalVector.Around(center, radius);
            KrawczykBoxResult r = analysis.Run(box, center);
            tests++;
            if (tests == 1) { firstStatus = r.Status; firstReason = r.Reason; }
            if (r.Status == CertificateStatus.Unique)
            {
                if (smallest is null)
                {
                    smallest = box;
                    rSmall = radius;
                    enclosure = IntervalVector.Intersect(r.Operator!, box);
                }
                largest = box;
                rLarge = radius;
            }
            else
            {
                if (smallest is not null) break;
                if (r.Status == CertificateStatus.Excluded) rExcluded = radius;
            }
            radius *= o.Growth;
        }
        if (smallest is not null)
            return new KrawczykResult(CertificateStatus.Unique, UnknownReason.None, center, centerRes, enclosure, smallest, largest, rSmall, rLarge, double.NaN, tests);
        if (!double.IsNaN(rExcluded))
            return new KrawczykResult(CertificateStatus.Excluded, UnknownReason.None, center, centerRes, null, null, null, double.NaN, double.NaN, rExcluded, tests);
        UnknownReason reason = firstStatus == CertificateStatus.Unknown ? firstReason : UnknownReason.NotContained;
        return new KrawczykResult(CertificateStatus.Unknown, reason, center, centerRes, null, null, null, double.NaN, double.NaN, double.NaN, tests);
    }

    private static double Residual(Network net, double[] x)
    {
        var y = new double[x.Length];
        net.Evaluate(x, y);
        return DenseLinearAlgebra.MaxAbsDiff(y, x);
    }

    private static void CheckBox(IntervalNetwork f, ReadOnlySpan<Interval> box)
    {
        if (box.Length != f.Dimension) throw new ArgumentException($"the box has {box.Length} coordinates, the network {f.Dimension}", nameof(box));
        for (int i = 0; i < box.Length; i++)
            if (box[i].IsEmpty || !box[i].IsFinite) throw new ArgumentException($"coordinate {i} of the box is {box[i]}: it must be a non-empty bounded interval", nameof(box));
    }
}

/// <summary>
/// The work shared by a Krawczyk test and the enumeration's exclusion test for one box:
/// F(X), J_F(X), G(x̃), the mean-value enclosure of G(X), and K(X). Holds scratch buffers, so one
/// instance serves one thread.
/// </summary>
internal sealed class BoxAnalysis
{
    private readonly int _n;
    private readonly Interval[] _fx, _jx, _fc, _g, _k, _m, _d;
    private readonly double[] _a, _y;
    private readonly JacobianWorkspace _workspace = new();

    public BoxAnalysis(IntervalNetwork f)
    {
        F = f;
        int n = _n = f.Dimension;
        _fx = new Interval[n];
        _jx = new Interval[n * n];
        _fc = new Interval[n];
        _g = new Interval[n];
        _k = new Interval[n];
        _m = new Interval[n * n];
        _d = new Interval[n];
        _a = new double[n * n];
        _y = new double[n * n];
    }

    public IntervalNetwork F { get; }

    /// <summary>The full test: exclusion by 0 ∉ G(X), then Krawczyk.</summary>
    public KrawczykBoxResult Run(ReadOnlySpan<Interval> x, double[] c)
    {
        int n = _n;
        F.EvaluateWithJacobian(x, _fx, _jx);
        F.Evaluate(IntervalVector.FromPoint(c), _fc);
        for (int i = 0; i < n; i++) _d[i] = x[i] - c[i];
        // G(X) ⊆ (F(X) − X) ∩ (G(x̃) + (J_F(X) − I)(X − x̃))
        bool finite = true, excluded = false;
        for (int i = 0; i < n; i++)
        {
            Interval mv = _fc[i] - c[i];
            for (int j = 0; j < n; j++) mv += (i == j ? _jx[i * n + j] - Interval.Point(1.0) : _jx[i * n + j]) * _d[j];
            Interval natural = _fx[i] - x[i];
            Interval gi = Interval.Intersect(natural, mv);
            _g[i] = gi;
            if (!natural.IsFinite || !mv.IsFinite) finite = false;
            if (gi.IsEmpty || !gi.Contains(0.0)) excluded = true;
        }
        Interval[] residual = (Interval[])_g.Clone();
        if (excluded) return new KrawczykBoxResult(CertificateStatus.Excluded, UnknownReason.None, x.ToArray(), c, residual, null);
        if (!finite) return new KrawczykBoxResult(CertificateStatus.Unknown, UnknownReason.NonFinite, x.ToArray(), c, residual, null);
        if (!Operator(x, c)) return new KrawczykBoxResult(CertificateStatus.Unknown, UnknownReason.SingularJacobian, x.ToArray(), c, residual, null);
        Interval[] k = (Interval[])_k.Clone();
        bool interior = true;
        for (int i = 0; i < n; i++)
        {
            if (!k[i].IsFinite) return new KrawczykBoxResult(CertificateStatus.Unknown, UnknownReason.NonFinite, x.ToArray(), c, residual, k);
            if (!k[i].Overlaps(x[i])) return new KrawczykBoxResult(CertificateStatus.Excluded, UnknownReason.None, x.ToArray(), c, residual, k);
            if (!k[i].IsInteriorOf(x[i])) interior = false;
        }
        return interior
            ? new KrawczykBoxResult(CertificateStatus.Unique, UnknownReason.None, x.ToArray(), c, residual, k)
            : new KrawczykBoxResult(CertificateStatus.Unknown, UnknownReason.NotContained, x.ToArray(), c, residual, k);
    }

    /// <summary>K(X) into _k, using _fc = F([x̃]) and _jx = J_F(X) from <see cref="Run"/>. False when no preconditioner could be formed.</summary>
    private bool Operator(ReadOnlySpan<Interval> x, double[] c)
    {
        int n = _n;
        F.Network.Jacobian(c, _a, _workspace);
        for (int i = 0; i < n; i++) _a[i * n + i] -= 1.0;
        if (!DenseLinearAlgebra.TryInvert(_a, n, _y))
        {
            // fall back to the midpoint of the interval Jacobian
            for (int i = 0; i < n * n; i++) _a[i] = _jx[i].Midpoint;
            for (int i = 0; i < n; i++) _a[i * n + i] -= 1.0;
            if (!DenseLinearAlgebra.TryInvert(_a, n, _y)) return false;
        }
        // M = I − Y (J_F(X) − I)
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> yRow = _y.AsSpan(i * n, n);
            for (int j = 0; j < n; j++)
            {
                Interval s = Interval.Point(0.0);
                for (int k = 0; k < n; k++)
                {
                    double yik = yRow[k];
                    if (yik == 0) continue;
                    Interval jg = k == j ? _jx[k * n + j] - Interval.Point(1.0) : _jx[k * n + j];
                    s += yik * jg;
                }
                _m[i * n + j] = (i == j ? Interval.Point(1.0) : Interval.Point(0.0)) - s;
            }
        }
        // K = x̃ − Y G(x̃) + M (X − x̃)
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> yRow = _y.AsSpan(i * n, n);
            Interval acc = Interval.Point(c[i]);
            for (int k = 0; k < n; k++)
            {
                double yik = yRow[k];
                if (yik == 0) continue;
                acc -= yik * (_fc[k] - c[k]);
            }
            for (int j = 0; j < n; j++) acc += _m[i * n + j] * _d[j];
            _k[i] = acc;
        }
        return true;
    }
}
