using System.Globalization;
using Fixpoint.Certify;
using Fixpoint.Maps;

namespace Fixpoint.Experiments;

/// <summary>
/// One case study of paper A: Ke, Li, Liang, Shi and Song (2024), "Advancing the Understanding of Fixed Point
/// Iterations in Deep Neural Networks" (arXiv 2410.11279), section 5. Its network is the looped layer
/// f(x) = g(W(m, d)x + C·1); its scalar map y ↦ g(y + C) has one attracting fixed point in each of the two
/// per-coordinate regions D1, D2. Everything that differs between the two cases is a field here, and
/// <see cref="Find"/> is the one place a name becomes a case.
/// </summary>
/// <param name="Name">The name on the command line (<c>--network</c>) and in the table: <c>ke2024-poly</c> or <c>ke2024-exp</c>.</param>
/// <param name="Activation">g.</param>
/// <param name="Shift">C, the bias of every coordinate.</param>
/// <param name="K">The paper's contraction bound K of Theorem 4.1 for this case.</param>
/// <param name="Regions">The per-coordinate regions [D1, D2] (closed), in the shifted coordinate y.</param>
/// <param name="RegionFixedPoints">The fixed point of the scalar map in each region, to the digits the paper quotes (a start for certificates).</param>
/// <param name="EnumerationDomain">A per-coordinate interval that holds every fixed point of the scalar map.</param>
/// <param name="Figure1Range">The plotting range of figure 1 (the scalar map).</param>
/// <param name="Figure2Box">The plotted rectangle x1 × x2 of figure 2 (the d = 2 network's coordinates).</param>
/// <param name="ScalarMap">The scalar map in words, for legends.</param>
/// <param name="Title">The case in words, with its theorem, for figure titles.</param>
public sealed record PaperACase(
    string Name,
    Activation Activation,
    double Shift,
    double K,
    IReadOnlyList<Interval> Regions,
    IReadOnlyList<double> RegionFixedPoints,
    Interval EnumerationDomain,
    Interval Figure1Range,
    IReadOnlyList<Interval> Figure2Box,
    string ScalarMap,
    string Title)
{
    /// <summary>C = sqrt((15 + sqrt 65)/8) ≈ 1.6978758, a root of 4C⁴ − 15C² + 10 = 0.</summary>
    private static readonly double PolynomialShift = Math.Sqrt((15.0 + Math.Sqrt(65.0)) / 8.0);

    /// <summary>C = −2.15 for the exponential case study.</summary>
    private const double ExponentialShift = -2.15;

    /// <summary>
    /// Theorem 5.1: g(x) = −(2/5)x⁴ + (8/5)C x³ + (3/2 − (12/5)C²)x² + ((8/5)C³ − 3C)x + 1, so that
    /// g(y + C) = −0.4y⁴ + 1.5y²; D1 = [1.302, 1.502], D2 = [−0.3, 0.3]; K = 0.92 (its proof's value, the statement says &lt; 0.9).
    /// </summary>
    public static PaperACase Poly { get; } = new(
        "ke2024-poly",
        PolynomialG(PolynomialShift),
        PolynomialShift,
        0.92,
        [new Interval(1.302, 1.502), new Interval(-0.3, 0.3)],
        [1.4028, 0.0],
        new Interval(-3, 3),
        new Interval(-1.5, 1.5),
        [new Interval(-1.5, 1.5), new Interval(-3, 3)],
        "y ↦ g(y + C) = −0.4y⁴ + 1.5y²",
        "polynomial activation (Thm 5.1)");

    /// <summary>
    /// Theorem 5.2: g(x) = exp(x³ + (−2 − 3C)x² + (3C² + 4C)x + ln 2) − 1, so that g(y + C) = exp(y³ − 2y² + κ) − 1;
    /// D1 = [−0.1, 0.1], D2 = [−1.01, −0.81]; K = 0.85.
    /// </summary>
    public static PaperACase Exp { get; } = new(
        "ke2024-exp",
        ExponentialG(ExponentialShift),
        ExponentialShift,
        0.85,
        [new Interval(-0.1, 0.1), new Interval(-1.01, -0.81)],
        [-0.000228, -0.9104098],
        new Interval(-1.5, 2.5),
        new Interval(-1.5, 0.5),
        [new Interval(-1.5, 0.5), new Interval(-1.5, 2.5)],
        "y ↦ g(y + C) = exp(y³ − 2y² + κ) − 1",
        "exponential activation (Thm 5.2)");

    /// <summary>Both cases, polynomial first.</summary>
    public static IReadOnlyList<PaperACase> All { get; } = [Poly, Exp];

    /// <summary>The names of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(c => c.Name)];

    /// <summary>The case of this name; null when there is none.</summary>
    public static PaperACase? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    /// <summary>The case of this name; an unknown name throws <see cref="ArgumentException"/> listing the known ones.</summary>
    public static PaperACase Named(string name) =>
        Find(name) ?? throw new ArgumentException($"unknown network '{name}'; known: {string.Join(", ", Names)}", nameof(name));

    /// <summary>W(m, d) = (1/m²)·11ᵀ + (1 − 1/m²)·I: diagonal 1, off-diagonal 1/m².</summary>
    public static double[] Weight(int d, double m)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(d, 1);
        if (!(m > 0) || !double.IsFinite(m)) throw new ArgumentOutOfRangeException(nameof(m), m, "must be a positive number");
        var w = new double[d * d];
        double off = 1.0 / (m * m);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                w[i * d + j] = i == j ? 1.0 : off;
        return w;
    }

    /// <summary>
    /// The looped network f(x) = g(W(m, d)x + C·1), one tied layer applied <paramref name="depth"/> times
    /// (depth 1 is the layer map f itself, whose fixed points the paper counts).
    /// </summary>
    public Network Create(int d, double m, int depth = 1)
    {
        var bias = Enumerable.Repeat(Shift, d).ToArray();
        return new Network([new DenseLayer(d, d, Weight(d, m), bias)], Activation, tied: true, depth: depth);
    }

    /// <summary>The uncoupled network f_∞(x) = g(x + C·1) (W = I): each coordinate is the scalar map.</summary>
    public Network Uncoupled(int d)
    {
        Network coupled = Create(d, 1.0);
        var w = new double[d * d];
        for (int i = 0; i < d; i++) w[i * d + i] = 1.0;
        return new Network([new DenseLayer(d, d, w, coupled.Layers[0].Bias)], coupled.Activation, tied: true, depth: 1);
    }

    /// <summary>Product region number <paramref name="index"/> (0 ≤ index &lt; 2^d): coordinate i lies in D1 when bit i of index is 0, in D2 when it is 1.</summary>
    public Interval[] ProductRegion(int d, int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(d, 1);
        if (index < 0 || index >= 1 << d) throw new ArgumentOutOfRangeException(nameof(index), index, $"must be in 0 … 2^{d} − 1");
        var box = new Interval[d];
        for (int i = 0; i < d; i++) box[i] = Regions[(index >> i) & 1];
        return box;
    }

    /// <summary>The fixed point of the scalar map in each coordinate's region of product region <paramref name="index"/>, as a point.</summary>
    public double[] RegionFixedPoint(int d, int index)
    {
        ProductRegion(d, index);
        var p = new double[d];
        for (int i = 0; i < d; i++) p[i] = RegionFixedPoints[(index >> i) & 1];
        return p;
    }

    /// <summary><see cref="RegionFixedPoint"/> as text, such as <c>(1.4028, 0)</c>.</summary>
    public string RegionFixedPointText(int d, int index) =>
        $"({string.Join(", ", RegionFixedPoint(d, index).Select(v => v.ToString(CultureInfo.InvariantCulture)))})";

    public override string ToString() => Name;

    private static PolynomialActivation PolynomialG(double c) =>
        new([1.0, 1.6 * c * c * c - 3.0 * c, 1.5 - 2.4 * c * c, 1.6 * c, -0.4]);

    private static ExpPolynomialActivation ExponentialG(double c) =>
        new([Math.Log(2.0), 3.0 * c * c + 4.0 * c, -2.0 - 3.0 * c, 1.0]);
}
