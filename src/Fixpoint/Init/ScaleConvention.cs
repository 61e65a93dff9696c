namespace Fixpoint.Init;

/// <summary>How weights drawn from a law are scaled by the fan-in n of their layer.</summary>
public enum ScaleConvention
{
    /// <summary>No scaling.</summary>
    None,
    /// <summary>Multiply by 1/√n: keeps Gaussian pre-activations O(1).</summary>
    InverseSqrtN,
    /// <summary>Multiply by 1/n: the natural scaling for Cauchy (1-stable) sums.</summary>
    InverseN,
}

public static class ScaleConventions
{
    public const string Names = "none, 1/sqrt(n), 1/n";

    public static double Factor(this ScaleConvention c, int fanIn) => c switch
    {
        ScaleConvention.None => 1.0,
        ScaleConvention.InverseSqrtN => 1.0 / Math.Sqrt(fanIn),
        ScaleConvention.InverseN => 1.0 / fanIn,
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    public static string Name(this ScaleConvention c) => c switch
    {
        ScaleConvention.None => "none",
        ScaleConvention.InverseSqrtN => "1/sqrt(n)",
        ScaleConvention.InverseN => "1/n",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    public static ScaleConvention Parse(string text) => text.Trim().ToLowerInvariant().Replace(" ", "") switch
    {
        "none" or "1" => ScaleConvention.None,
        "1/sqrt(n)" or "1/sqrtn" or "1/√n" or "invsqrtn" or "sqrt" => ScaleConvention.InverseSqrtN,
        "1/n" or "invn" => ScaleConvention.InverseN,
        _ => throw new FormatException($"unknown scale convention '{text}'; known: {Names}"),
    };
}
