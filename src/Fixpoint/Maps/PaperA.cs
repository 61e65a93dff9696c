namespace Fixpoint.Maps;

/// <summary>
/// The constructions of Ke, Li, Liang, Shi and Song (2024), "Advancing the Understanding of Fixed
/// Point Iterations in Deep Neural Networks" (arXiv 2410.11279), section 5.
/// </summary>
public static class PaperA
{
    /// <summary>C = sqrt((15 + sqrt 65)/8) ≈ 1.6978758, a root of 4C⁴ − 15C² + 10 = 0.</summary>
    public static readonly double PolynomialShift = Math.Sqrt((15.0 + Math.Sqrt(65.0)) / 8.0);

    /// <summary>C = −2.15 for the exponential case study.</summary>
    public const double ExponentialShift = -2.15;

    /// <summary>g(x) = −(2/5)x⁴ + (8/5)C x³ + (3/2 − (12/5)C²)x² + ((8/5)C³ − 3C)x + 1, so that g(y + C) = −0.4y⁴ + 1.5y².</summary>
    public static PolynomialActivation PolynomialActivation
    {
        get
        {
            double c = PolynomialShift;
            return new PolynomialActivation([1.0, 1.6 * c * c * c - 3.0 * c, 1.5 - 2.4 * c * c, 1.6 * c, -0.4]);
        }
    }

    /// <summary>g(x) = exp(x³ + (−2 − 3C)x² + (3C² + 4C)x + ln 2) − 1, so that g(y + C) = exp(y³ − 2y² + κ) − 1.</summary>
    public static ExpPolynomialActivation ExponentialActivation
    {
        get
        {
            double c = ExponentialShift;
            return new ExpPolynomialActivation([Math.Log(2.0), 3.0 * c * c + 4.0 * c, -2.0 - 3.0 * c, 1.0]);
        }
    }

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

    /// <summary>The named networks: <c>ke2024-poly</c> and <c>ke2024-exp</c>.</summary>
    public static readonly IReadOnlyList<string> NetworkNames = ["ke2024-poly", "ke2024-exp"];

    /// <summary>
    /// The looped network f(x) = g(W(m, d)x + C·1), one tied layer applied <paramref name="depth"/> times
    /// (depth 1 is the layer map f itself, whose fixed points the paper counts).
    /// </summary>
    public static Network Create(string name, int d, double m, int depth = 1)
    {
        (Activation g, double c) = name switch
        {
            "ke2024-poly" => ((Activation)PolynomialActivation, PolynomialShift),
            "ke2024-exp" => (ExponentialActivation, ExponentialShift),
            _ => throw new ArgumentException($"unknown network '{name}'; known: {string.Join(", ", NetworkNames)}", nameof(name)),
        };
        var bias = Enumerable.Repeat(c, d).ToArray();
        return new Network([new DenseLayer(d, d, Weight(d, m), bias)], g, tied: true, depth: depth);
    }
}
