using System.Diagnostics;
using Fixpoint.Maps;

namespace Fixpoint.Certify;

/// <summary>Settings of <see cref="FixedPointEnumerator.Enumerate"/>.</summary>
public sealed record FixedPointEnumerationOptions
{
    public const int DefaultMaxBoxes = 200_000;
    public const double DefaultMinWidth = 1e-9;
    public const int DefaultNewtonSteps = 20;
    public const int DefaultProgressInterval = 500;

    private readonly int _maxBoxes = DefaultMaxBoxes;
    private readonly double _minWidth = DefaultMinWidth;
    private readonly int _newtonSteps = DefaultNewtonSteps;
    private readonly int _progressInterval = DefaultProgressInterval;

    /// <summary>Boxes examined before the search stops; the boxes still pending are then reported undecided.</summary>
    public int MaxBoxes { get => _maxBoxes; init => _maxBoxes = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBoxes), value, "must be ≥ 1"); }

    /// <summary>A box whose widest coordinate is at most this (absolute) is not bisected further: it becomes undecided.</summary>
    public double MinWidth { get => _minWidth; init => _minWidth = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(MinWidth), value, "must be > 0 and finite"); }

    /// <summary>Newton steps tried from the midpoint of each undecided box to find a fixed point to inflate around (0 turns this off: boxes alone then decide).</summary>
    public int NewtonSteps { get => _newtonSteps; init => _newtonSteps = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(NewtonSteps), value, "must be ≥ 0"); }

    /// <summary>Boxes between two progress reports.</summary>
    public int ProgressInterval { get => _progressInterval; init => _progressInterval = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(ProgressInterval), value, "must be ≥ 1"); }
}

/// <summary>How an enumeration ended.</summary>
public enum EnumerationStatus
{
    /// <summary>Every part of the domain was decided: the certified fixed points are all of them.</summary>
    Complete,
    /// <summary>Some boxes are undecided (budget or minimum width reached); they are listed.</summary>
    Incomplete,
    /// <summary>Cancelled; what was decided is kept and the rest is listed as undecided.</summary>
    Cancelled,
}

/// <summary>Why a box was left undecided.</summary>
public enum UndecidedReason
{
    /// <summary>The box reached <see cref="FixedPointEnumerationOptions.MinWidth"/> without a verdict (e.g. a singular fixed point).</summary>
    MinWidth,
    /// <summary>The <see cref="FixedPointEnumerationOptions.MaxBoxes"/> budget ran out before the box was examined.</summary>
    Budget,
    /// <summary>The search was cancelled before the box was examined.</summary>
    Cancelled,
    /// <summary>A certified fixed point lies within rounding of the domain's boundary, so whether it counts is undecided.</summary>
    OnDomainBoundary,
}

/// <summary>
/// A fixed point proved to exist: <see cref="UniqueBox"/> holds exactly one fixed point (Krawczyk),
/// and that point lies in <see cref="Enclosure"/> (tight) and inside the enumeration domain.
/// <see cref="Point"/> is a floating-point approximation inside <see cref="Enclosure"/>.
/// <see cref="SpectralRadius"/> is ρ(J(Point)) in floating point, for information (not certified);
/// <see cref="Stable"/> is ρ &lt; 1.
/// </summary>
public sealed record CertifiedFixedPoint(double[] Point, Interval[] Enclosure, Interval[] UniqueBox, double SpectralRadius)
{
    public bool Stable => SpectralRadius < 1;
}

/// <summary>A part of the domain that the search did not decide; it may hold any number of fixed points.</summary>
public sealed record UndecidedBox(Interval[] Box, UndecidedReason Reason);

/// <summary>Progress of an enumeration: boxes examined, boxes pending, fixed points found, and the fraction of the domain's volume excluded so far.</summary>
public sealed record EnumerationProgress(int BoxesExamined, int Pending, int FixedPoints, double ExcludedFraction);

/// <summary>
/// The result of a complete search.
/// <para>Contract: every fixed point of F in the closed domain lies either in the
/// <see cref="CertifiedFixedPoint.Enclosure"/> of exactly one entry of <see cref="FixedPoints"/> (each of which
/// holds exactly one) or in a box of <see cref="Undecided"/>. Undecided boxes are never dropped.
/// <see cref="ProvenCount"/> is the number of fixed points in the domain when nothing is undecided, else null.</para>
/// <see cref="ExcludedFraction"/> is the fraction of the domain's volume proved free of fixed points by
/// exclusion tests (the rest was covered by unique boxes or is undecided).
/// </summary>
public sealed record EnumerationResult(
    EnumerationStatus Status,
    Interval[] Domain,
    IReadOnlyList<CertifiedFixedPoint> FixedPoints,
    IReadOnlyList<UndecidedBox> Undecided,
    int BoxesExamined,
    double ExcludedFraction,
    TimeSpan Elapsed)
{
    public int? ProvenCount => Undecided.Count == 0 && Status == EnumerationStatus.Complete ? FixedPoints.Count : null;
}

/// <summary>
/// Complete enumeration of the fixed points of a network in a box, by branch and bound:
/// <list type="number">
/// <item>a box X is first cut by every known unique box U (X \ U is split into slabs), because U holds
/// only its own fixed point, which is already counted;</item>
/// <item>X is excluded when 0 ∉ G(X) (natural ∩ mean-value enclosure of F(x) − x) or K(X) ∩ X = ∅;</item>
/// <item>if K(X) lies in the interior of X, X holds exactly one fixed point: it is recorded with X as its unique box;</item>
/// <item>otherwise X is shrunk to X ∩ K(X) (every fixed point in X lies in K(X)), Newton is tried from
/// its midpoint, and a converged point is certified by ε-inflation (Krawczyk on x̃ ± r for growing r):
/// its largest certified box becomes a new unique box and is cut out of the search;</item>
/// <item>else X is bisected along its widest coordinate, or left undecided at <see cref="FixedPointEnumerationOptions.MinWidth"/>.</item>
/// </list>
/// Boxes are examined depth first, on one thread, in a fixed order: the result is deterministic.
/// A fixed point is never counted twice: each certified point lies in the interior of its unique box,
/// every later box is cut by all known unique boxes, and a Newton point inside a known unique box is ignored.
/// </summary>
public static class FixedPointEnumerator
{
    public static EnumerationResult Enumerate(Network network, ReadOnlySpan<Interval> domain, FixedPointEnumerationOptions? options = null,
        IProgress<EnumerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new FixedPointEnumerationOptions();
        int n = network.Dimension;
        if (domain.Length != n) throw new ArgumentException($"the domain has {domain.Length} coordinates, the network {n}", nameof(domain));
        for (int i = 0; i < n; i++)
            if (domain[i].IsEmpty || !domain[i].IsFinite || domain[i].IsPoint)
                throw new ArgumentException($"coordinate {i} of the domain is {domain[i]}: it must be a bounded interval of positive width", nameof(domain));

        var clock = Stopwatch.StartNew();
        var f = new IntervalNetwork(network);
        var analysis = new BoxAnalysis(f);
        Interval[] dom = domain.ToArray();
        double domVolume = IntervalVector.Volume(dom);
        var inflation = new KrawczykOptions { MaxRadius = 0.5 * IntervalVector.MaxWidth(dom), PolishSteps = 4 };
        var known = new List<Known>();
        var points = new List<CertifiedFixedPoint>();
        var undecided = new List<UndecidedBox>();
        var stack = new Stack<Interval[]>();
        stack.Push(dom);
        int examined = 0;
        double excludedVolume = 0;
        bool cancelled = false;

        while (stack.Count > 0)
        {
            if (cancellationToken.IsCancellationRequested) { cancelled = true; break; }
            if (examined >= options.MaxBoxes) break;
            Interval[] x = stack.Pop();
            if (CutByKnown(x, known, stack)) continue;
            examined++;
            if (progress is not null && examined % options.ProgressInterval == 0)
                progress.Report(new EnumerationProgress(examined, stack.Count, points.Count, excludedVolume / domVolume));

            double[] c = IntervalVector.Midpoint(x);
            KrawczykBoxResult r = analysis.Run(x, c);
            if (r.Status == CertificateStatus.Excluded)
            {
                excludedVolume += IntervalVector.Volume(x);
                continue;
            }
            if (r.Status == CertificateStatus.Unique)
            {
                Interval[] enclosure = Tighten(analysis, IntervalVector.Intersect(r.Operator!, x));
                Record(x, enclosure, IntervalVector.Midpoint(enclosure));
                continue;
            }
            if (r.Operator is not null)
            {
                // every fixed point in X lies in K(X): keep X ∩ K(X)
                Interval[] shrunk = IntervalVector.Intersect(x, r.Operator);
                excludedVolume += IntervalVector.Volume(x) - IntervalVector.Volume(shrunk);
                x = shrunk;
            }
            if (options.NewtonSteps > 0 && TryNewton(x))
            {
                stack.Push(x); // cut by the new unique box when popped
                continue;
            }
            if (IntervalVector.MaxWidth(x) <= options.MinWidth)
            {
                undecided.Add(new UndecidedBox(x, UndecidedReason.MinWidth));
                continue;
            }
            (Interval[] left, Interval[] right) = IntervalVector.Bisect(x, IntervalVector.WidestCoordinate(x));
            stack.Push(right);
            stack.Push(left);
        }

        UndecidedReason pendingReason = cancelled ? UndecidedReason.Cancelled : UndecidedReason.Budget;
        while (stack.Count > 0) undecided.Add(new UndecidedBox(stack.Pop(), pendingReason));
        // unique boxes found late may cover parts of boxes left undecided earlier
        var remaining = new List<UndecidedBox>();
        foreach (UndecidedBox u in undecided)
        {
            if (u.Reason == UndecidedReason.OnDomainBoundary) { remaining.Add(u); continue; }
            var pieces = new Stack<Interval[]>();
            pieces.Push(u.Box);
            while (pieces.Count > 0)
            {
                Interval[] p = pieces.Pop();
                if (!CutByKnown(p, known, pieces)) remaining.Add(u with { Box = p });
            }
        }
        progress?.Report(new EnumerationProgress(examined, 0, points.Count, excludedVolume / domVolume));
        var status = cancelled ? EnumerationStatus.Cancelled : remaining.Count == 0 ? EnumerationStatus.Complete : EnumerationStatus.Incomplete;
        List<CertifiedFixedPoint> sorted = [.. points.OrderBy(p => p.Point, Numerics.LexicographicComparer.Instance)];
        return new EnumerationResult(status, dom, sorted, remaining, examined, excludedVolume / domVolume, clock.Elapsed);

        // A point certified in the unique box `box`; counted when its enclosure lies in the domain.
        void Record(Interval[] box, Interval[] enclosure, double[] point)
        {
            known.Add(new Known(box, enclosure));
            if (IntervalVector.IsSubsetOf(enclosure, dom))
                points.Add(new CertifiedFixedPoint(point, enclosure, box, SpectralRadius(network, point)));
            else if (IntervalVector.Overlaps(enclosure, dom))
                undecided.Add(new UndecidedBox(IntervalVector.Intersect(enclosure, dom), UndecidedReason.OnDomainBoundary));
        }

        // Newton from the midpoint; a new fixed point is certified by ε-inflation and recorded.
        bool TryNewton(Interval[] x)
        {
            (double[] p, double res) = PointNewton.Solve(network, IntervalVector.Midpoint(x), options.NewtonSteps, dom);
            if (!(res <= 1e-8 * Math.Max(1.0, Numerics.DenseLinearAlgebra.MaxAbs(p)))) return false;
            foreach (Known k in known)
                if (IntervalVector.Contains(k.Box, p)) return false; // that fixed point is known already
            KrawczykResult kr = Krawczyk.Inflate(analysis, p, inflation, CancellationToken.None);
            if (kr.Status != CertificateStatus.Unique) return false;
            foreach (Known k in known)
                if (IntervalVector.Overlaps(k.Box, kr.Enclosure!)) return false; // may be a known point: let the boxes decide
            Record(kr.LargestBox!, kr.Enclosure!, kr.Center);
            return true;
        }
    }

    // Iterates X ← K(X) ∩ X a few times: every fixed point of X stays inside, and the box shrinks quadratically.
    private static Interval[] Tighten(BoxAnalysis analysis, Interval[] x)
    {
        for (int it = 0; it < 6; it++)
        {
            KrawczykBoxResult r = analysis.Run(x, IntervalVector.Midpoint(x));
            if (r.Operator is null) break;
            Interval[] next = IntervalVector.Intersect(r.Operator, x);
            if (IntervalVector.IsEmpty(next)) break; // cannot happen for a box holding a fixed point; keep x
            if (IntervalVector.MaxWidth(next) >= 0.5 * IntervalVector.MaxWidth(x)) { x = next; break; }
            x = next;
        }
        return x;
    }

    /// <summary>Cuts x by the first known unique box whose interior it meets; pushes the pieces. True when x was consumed.</summary>
    private static bool CutByKnown(Interval[] x, List<Known> known, Stack<Interval[]> stack)
    {
        foreach (Known k in known)
        {
            if (!IntervalVector.InteriorsOverlap(x, k.Box)) continue;
            if (IntervalVector.IsSubsetOf(x, k.Box)) return true;
            foreach (Interval[] piece in IntervalVector.Subtract(x, k.Box)) stack.Push(piece);
            return true;
        }
        return false;
    }

    private static double SpectralRadius(Network network, double[] x)
    {
        int n = network.Dimension;
        var j = new double[n * n];
        network.Jacobian(x, j);
        return Numerics.Spectral.SpectralRadius(j, n);
    }

    private sealed record Known(Interval[] Box, Interval[] Enclosure);
}
