using System.Globalization;
using Fixpoint.Maps;
using static Fixpoint.Certify.Rounding;

namespace Fixpoint.Certify;

/// <summary>The verdict of a region (Banach) certificate.</summary>
public enum RegionStatus
{
    /// <summary>Both conditions were proved: D holds exactly one fixed point, which attracts all of D.</summary>
    Certified,
    /// <summary>At least one condition could not be proved; see the violations.</summary>
    Failed,
}

/// <summary>The two hypotheses of the Banach argument on a box D.</summary>
public enum RegionCondition
{
    /// <summary>F(D) ⊆ D.</summary>
    Inclusion,
    /// <summary>Every Jacobian row has ℓ1 norm ≤ K &lt; 1 on D (‖J‖∞ ≤ K).</summary>
    Contraction,
}

/// <summary>
/// One failed condition: for <see cref="RegionCondition.Inclusion"/>, <see cref="Index"/> is the
/// coordinate i and <see cref="Excess"/> = max(D_i.Lo − F_i.Lo, F_i.Hi − D_i.Hi) &gt; 0, the distance by
/// which the image enclosure sticks out of D; for <see cref="RegionCondition.Contraction"/>, it is the
/// row j and the amount by which its ℓ1-norm bound exceeds K (or reaches 1 when no K was given).
/// </summary>
public sealed record RegionViolation(RegionCondition Condition, int Index, double Excess)
{
    public override string ToString() => Condition == RegionCondition.Inclusion
        ? string.Create(CultureInfo.InvariantCulture, $"inclusion fails in coordinate {Index} by {Excess:G6}")
        : string.Create(CultureInfo.InvariantCulture, $"contraction fails in row {Index} by {Excess:G6}");
}

/// <summary>Settings of <see cref="RegionCertificate.Check(Network, ReadOnlySpan{Interval}, RegionCertificateOptions?)"/>.</summary>
public sealed record RegionCertificateOptions
{
    private readonly double? _contractionBound;
    private readonly int _layers = 1;

    /// <summary>
    /// The K to prove (0 &lt; K &lt; 1), as in a paper's statement; null proves the computed bound
    /// max_j sup_D ‖row_j J‖₁ and requires only that it be &lt; 1.
    /// </summary>
    public double? ContractionBound
    {
        get => _contractionBound;
        init => _contractionBound = value is null || (value > 0 && value < 1) ? value : throw new ArgumentOutOfRangeException(nameof(ContractionBound), value, "must be in (0, 1)");
    }

    /// <summary>L in the a-priori bound ‖x^(L) − p‖∞ ≤ K^L·ε/(1 − K): iterations of F; ≥ 0.</summary>
    public int Layers { get => _layers; init => _layers = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Layers), value, "must be ≥ 0"); }
}

/// <summary>
/// A region certificate (paper A, Lemma 3.4 and Theorem 4.1) for the map F of a network over a closed box D.
/// <para>Contract: <see cref="RegionStatus.Certified"/> only when an interval enclosure proves
/// F(D) ⊆ D and sup over D of every Jacobian row's ℓ1 norm ≤ <see cref="K"/> &lt; 1. Then F has exactly one
/// fixed point p in D, p ∈ <see cref="Image"/>, iteration from any start in D converges to p, and
/// ‖x^(L) − p‖∞ ≤ <see cref="APrioriBound"/> = K^L·ε/(1 − K) with ε = <see cref="Diameter"/>, the ∞-diameter of D.
/// Otherwise <see cref="RegionStatus.Failed"/> lists every failing coordinate or row.</para>
/// </summary>
public sealed record RegionCertificateResult(
    RegionStatus Status,
    Interval[] Region,
    Interval[] Image,
    double[] RowNorms,
    double MaxRowNorm,
    double K,
    double Diameter,
    int Layers,
    double APrioriBound,
    IReadOnlyList<RegionViolation> Violations)
{
    public bool Certified => Status == RegionStatus.Certified;

    /// <summary>The largest violation of each condition first: inclusion, then contraction; null when certified.</summary>
    public RegionViolation? Failure => Violations.Count == 0 ? null
        : Violations.Where(v => v.Condition == RegionCondition.Inclusion).MaxBy(v => v.Excess)
          ?? Violations.MaxBy(v => v.Excess);
}

/// <summary>
/// Theorem 4.1 read literally for one layer f(x) = g(Wx + b):
/// sup over x ∈ D of |g′(⟨w_j, x⟩ + b_j)|·‖w_j‖₁ ≤ K for every row j (with the b_j that the printed
/// statement drops), and f(D) ⊆ D.
/// <para><see cref="RowBounds"/> evaluate g′ over the true pre-activation range ⟨w_j, D⟩ + b_j.
/// <see cref="DiagonalReadingBounds"/> use w_jj·D_j + b_j instead, ignoring how the other coordinates
/// shift the pre-activation: that is the reading behind the thresholds max|f′|·(1 + (d − 1)/m²) ≤ K
/// quoted for paper A (m ≥ 14.5 for d = 2, …); it is not a proof, and <see cref="HoldsInDiagonalReading"/>
/// is reported for comparison only. <see cref="Status"/> is decided by the rigorous <see cref="RowBounds"/>.</para>
/// </summary>
public sealed record LiteralTheorem41Result(
    RegionStatus Status,
    Interval[] Region,
    Interval[] Image,
    Interval[] PreActivation,
    double[] MaxDerivative,
    double[] RowL1,
    double[] RowBounds,
    double[] DiagonalReadingBounds,
    bool HoldsInDiagonalReading,
    double K,
    double Diameter,
    int Layers,
    double APrioriBound,
    IReadOnlyList<RegionViolation> Violations)
{
    public bool Holds => Status == RegionStatus.Certified;
}

/// <summary>Region certificates: the Banach conditions on a box, proved in interval arithmetic.</summary>
public static class RegionCertificate
{
    /// <summary>Checks F(D) ⊆ D and sup_D ‖J_F‖∞ ≤ K &lt; 1 for the whole map F of <paramref name="network"/> (all applied layers).</summary>
    public static RegionCertificateResult Check(Network network, ReadOnlySpan<Interval> region, RegionCertificateOptions? options = null)
        => Check(new IntervalNetwork(network), region, options);

    /// <inheritdoc cref="Check(Network, ReadOnlySpan{Interval}, RegionCertificateOptions?)"/>
    public static RegionCertificateResult Check(IntervalNetwork f, ReadOnlySpan<Interval> region, RegionCertificateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        options ??= new RegionCertificateOptions();
        CheckRegion(region, f.Dimension);
        int n = f.Dimension;
        var image = new Interval[n];
        var jac = new Interval[n * n];
        f.EvaluateWithJacobian(region, image, jac);
        var violations = new List<RegionViolation>();
        AddInclusionViolations(region, image, violations);
        var rowNorms = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s = AddUp(s, jac[i * n + j].Mag);
            rowNorms[i] = double.IsNaN(s) ? double.PositiveInfinity : s;
        }
        double maxRow = rowNorms.Max();
        double k = options.ContractionBound ?? maxRow;
        double limit = options.ContractionBound ?? 1.0;
        for (int i = 0; i < n; i++)
        {
            bool ok = options.ContractionBound is null ? rowNorms[i] < 1.0 : rowNorms[i] <= limit;
            if (!ok) violations.Add(new RegionViolation(RegionCondition.Contraction, i, rowNorms[i] - limit));
        }
        double eps = IntervalVector.MaxWidth(region);
        var status = violations.Count == 0 ? RegionStatus.Certified : RegionStatus.Failed;
        return new RegionCertificateResult(status, region.ToArray(), image, rowNorms, maxRow, k, eps, options.Layers, APriori(k, options.Layers, eps), violations);
    }

    /// <summary>
    /// Theorem 4.1 read literally for the single layer f(x) = g(Wx + b) of <paramref name="network"/>
    /// (one distinct, non-residual layer; for a tied network this is one application of the loop).
    /// <paramref name="layers"/> is L in the a-priori bound, the network's depth when null.
    /// </summary>
    public static LiteralTheorem41Result LiteralTheorem41(Network network, ReadOnlySpan<Interval> region, double k, int? layers = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        return LiteralTheorem41(new IntervalNetwork(network), region, k, layers);
    }

    /// <inheritdoc cref="LiteralTheorem41(Network, ReadOnlySpan{Interval}, double, int?)"/>
    public static LiteralTheorem41Result LiteralTheorem41(IntervalNetwork f, ReadOnlySpan<Interval> region, double k, int? layers = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        Network network = f.Network;
        if (network.Layers.Count != 1) throw new ArgumentException($"Theorem 4.1 is about one layer f(x) = g(Wx + b); the network has {network.Layers.Count} distinct layers", nameof(network));
        if (network.Residual) throw new ArgumentException("Theorem 4.1 is about f(x) = g(Wx + b); the network is residual", nameof(network));
        if (!(k > 0 && k < 1)) throw new ArgumentOutOfRangeException(nameof(k), k, "must be in (0, 1)");
        int l = layers ?? network.Depth;
        if (l < 0) throw new ArgumentOutOfRangeException(nameof(layers), l, "must be ≥ 0");
        DenseLayer layer = network.Layers[0];
        int n = network.Dimension;
        CheckRegion(region, n);
        IntervalActivation g = f.Activation;
        var pre = new Interval[n];
        IntervalNetwork.Affine(layer, region, pre);
        var image = new Interval[n];
        for (int j = 0; j < n; j++) image[j] = g.Value(pre[j]);
        var violations = new List<RegionViolation>();
        AddInclusionViolations(region, image, violations);
        var maxDeriv = new double[n];
        var rowL1 = new double[n];
        var bounds = new double[n];
        var diagonal = new double[n];
        bool diagonalHolds = violations.Count == 0;
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s = AddUp(s, Math.Abs(layer.Weight[j * n + i]));
            rowL1[j] = s;
            maxDeriv[j] = g.Derivative(pre[j]).Mag;
            bounds[j] = MulUp(maxDeriv[j], s);
            Interval diagPre = layer.Weight[j * n + j] * region[j] + Interval.Point(layer.Bias[j]);
            diagonal[j] = MulUp(g.Derivative(diagPre).Mag, s);
            if (double.IsNaN(bounds[j]) || bounds[j] > k) violations.Add(new RegionViolation(RegionCondition.Contraction, j, bounds[j] - k));
            if (!(diagonal[j] <= k)) diagonalHolds = false;
        }
        double eps = IntervalVector.MaxWidth(region);
        var status = violations.Count == 0 ? RegionStatus.Certified : RegionStatus.Failed;
        return new LiteralTheorem41Result(status, region.ToArray(), image, pre, maxDeriv, rowL1, bounds, diagonal, diagonalHolds, k, eps, l, APriori(k, l, eps), violations);
    }

    /// <summary>K^L·ε/(1 − K) rounded up; NaN when K ≥ 1.</summary>
    public static double APriori(double k, int layers, double diameter)
    {
        if (!(k < 1) || !(k >= 0)) return double.NaN;
        double kl = 1.0;
        for (int i = 0; i < layers; i++) kl = MulUp(kl, k);
        return DivUp(MulUp(kl, diameter), SubDown(1.0, k));
    }

    private static void AddInclusionViolations(ReadOnlySpan<Interval> region, ReadOnlySpan<Interval> image, List<RegionViolation> violations)
    {
        for (int i = 0; i < region.Length; i++)
        {
            if (image[i].IsSubsetOf(region[i]) && !image[i].IsEmpty) continue;
            double excess = image[i].IsEmpty ? double.PositiveInfinity : Math.Max(region[i].Lo - image[i].Lo, image[i].Hi - region[i].Hi);
            violations.Add(new RegionViolation(RegionCondition.Inclusion, i, double.IsNaN(excess) ? double.PositiveInfinity : excess));
        }
    }

    private static void CheckRegion(ReadOnlySpan<Interval> region, int n)
    {
        if (region.Length != n) throw new ArgumentException($"the region has {region.Length} coordinates, the network {n}", nameof(region));
        for (int i = 0; i < n; i++)
            if (region[i].IsEmpty || !region[i].IsFinite)
                throw new ArgumentException($"coordinate {i} of the region is {region[i]}: it must be a non-empty bounded interval", nameof(region));
    }
}
