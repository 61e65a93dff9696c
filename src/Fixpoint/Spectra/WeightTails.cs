using System.Globalization;
using Fixpoint.Init;
using Fixpoint.Maps;
using MathNet.Numerics.LinearAlgebra;

namespace Fixpoint.Spectra;

/// <summary>How heavy a tail is, from its Hill index α (P(|w| &gt; t) ~ t^−α).</summary>
public enum TailClass
{
    /// <summary>α &lt; 2: no finite variance (Cauchy: α = 1; α-stable laws with α &lt; 2).</summary>
    InfiniteVariance,
    /// <summary>2 ≤ α &lt; 4: a finite variance but no finite fourth moment (Student-t with 2 &lt; ν &lt; 4).</summary>
    HeavyFiniteVariance,
    /// <summary>α ≥ 4: light enough for Marchenko–Pastur behaviour (a Gaussian sample gives a large α that grows with n).</summary>
    Light,
}

/// <summary>A plain-words verdict on the tail of a weight sample.</summary>
/// <param name="Class">From the point estimate of the Hill index.</param>
/// <param name="Confident">Whether the whole 95% interval of the index lies in the range of <paramref name="Class"/>.</param>
/// <param name="LawIndex">The tail index of the law the weights were drawn from (∞ for light laws), when known.</param>
/// <param name="ConsistentWithLaw">Whether the estimate agrees with <paramref name="LawIndex"/> (its 95% interval holds it, or both are light); null when the law is unknown.</param>
/// <param name="Text">The verdict in words.</param>
public sealed record TailVerdict(TailClass Class, bool Confident, double? LawIndex, bool? ConsistentWithLaw, string Text);

/// <summary>The tail analysis of one weight matrix (one row per layer, as WeightWatcher reports).</summary>
/// <param name="Layer">l, from 1, in the order the layers are applied.</param>
/// <param name="Hill">Hill index of |W_ij| with k = ⌊√(entries)⌋.</param>
/// <param name="Esd">Eigenvalues of WᵀW (the squared singular values of W as the network holds it, scaling included), ascending.</param>
/// <param name="PowerLaw">The Clauset power-law fit of <paramref name="Esd"/>.</param>
/// <param name="Verdict">The verdict from <paramref name="Hill"/>.</param>
/// <param name="Warning">Why an estimate is missing or unreliable (too few entries or eigenvalues, all zero); null when all is well.</param>
public sealed record LayerTail(int Layer, HillResult? Hill, double[] Esd, PowerLawFit? PowerLaw, TailVerdict? Verdict, string? Warning);

/// <summary>Heavy tails of the weights, per layer: Hill index of the entries, power-law exponent of the ESD of WᵀW, and a verdict.</summary>
public static class WeightTails
{
    /// <summary>Hill indices below this are <see cref="TailClass.InfiniteVariance"/>.</summary>
    public const double InfiniteVarianceBound = 2.0;

    /// <summary>Hill indices at or above this are <see cref="TailClass.Light"/>.</summary>
    public const double LightBound = 4.0;

    /// <summary>
    /// The tail index of a weight law: Cauchy 1, α-stable α (α &lt; 2), Student-t ν; ∞ for the light laws (Gaussian,
    /// α-stable with α = 2, uniform, orthogonal, constant); null for an unknown law.
    /// </summary>
    public static double? LawIndex(WeightLaw? law) => law switch
    {
        CauchyLaw => 1.0,
        AlphaStableLaw s => s.Alpha < 2 ? s.Alpha : double.PositiveInfinity,
        StudentTLaw t => t.Nu,
        GaussianLaw or UniformLaw or OrthogonalLaw or ConstantLaw => double.PositiveInfinity,
        _ => null,
    };

    public static TailClass Classify(double index) =>
        index < InfiniteVarianceBound ? TailClass.InfiniteVariance : index < LightBound ? TailClass.HeavyFiniteVariance : TailClass.Light;

    /// <summary>The verdict on a Hill estimate, compared with the law the weights came from when it is given.</summary>
    public static TailVerdict Verdict(HillResult hill, WeightLaw? law = null)
    {
        ArgumentNullException.ThrowIfNull(hill);
        TailClass cls = Classify(hill.Index);
        (double lo, double hi) = hill.CI95;
        bool confident = cls switch
        {
            TailClass.InfiniteVariance => hi < InfiniteVarianceBound,
            TailClass.HeavyFiniteVariance => lo >= InfiniteVarianceBound && hi < LightBound,
            _ => lo >= LightBound,
        };
        string words = cls switch
        {
            TailClass.InfiniteVariance => "heavy tails, no finite variance",
            TailClass.HeavyFiniteVariance => "heavy tails with a finite variance",
            _ => "light tails",
        };
        var text = $"Hill index {F(hill.Index)} (95% CI {F(lo)}–{F(hi)}, k = {hill.K} of {hill.N}): {words}";
        if (!confident) text += " (uncertain: the interval crosses a class boundary)";
        double? lawIndex = LawIndex(law);
        bool? consistent = null;
        if (lawIndex is double li)
        {
            consistent = double.IsPositiveInfinity(li) ? cls == TailClass.Light || hi >= LightBound : lo <= li && li <= hi;
            string lawText = double.IsPositiveInfinity(li) ? $"the light-tailed initial law {law!.Name}" : $"the initial law {law!.Name} (tail index {F(li)})";
            text += consistent.Value ? $"; consistent with {lawText}" : $"; not what {lawText} gives";
        }
        return new TailVerdict(cls, confident, lawIndex, consistent, text);
    }

    /// <summary>One row per applied layer of <paramref name="network"/> (a tied network has one distinct layer, so one row).</summary>
    public static IReadOnlyList<LayerTail> Analyse(Network network, WeightLaw? law = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        var rows = new List<LayerTail>();
        for (int l = 0; l < network.Layers.Count; l++)
            rows.Add(AnalyseLayer(l + 1, network.Layers[l], law));
        return rows;
    }

    /// <summary>The tail analysis of one layer.</summary>
    public static LayerTail AnalyseLayer(int layerNumber, DenseLayer layer, WeightLaw? law = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        double[] esd = WeightEsd(layer);
        var warnings = new List<string>();
        HillResult? hill = TryHill(layer.Weight, warnings);
        PowerLawFit? fit = TryFit(esd, warnings);
        return new LayerTail(layerNumber, hill, esd, fit, hill is null ? null : Verdict(hill, law), warnings.Count > 0 ? string.Join("; ", warnings) : null);
    }

    /// <summary>Fewer entries than this make the Hill index unreliable (k = ⌊√n⌋ &lt; 10).</summary>
    public const int MinEntriesForHill = 100;

    /// <summary>Fewer eigenvalues than this make the power-law fit unreliable.</summary>
    public const int MinEigenvaluesForFit = 50;

    /// <summary>The Hill estimate, or null with a warning when it cannot be made; a warning too when it rests on few entries.</summary>
    public static HillResult? TryHill(ReadOnlySpan<double> entries, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        int positive = 0;
        foreach (double v in entries) if (v != 0) positive++;
        if (entries.Length < 3 || positive <= TailIndex.DefaultK(entries.Length))
        {
            warnings.Add($"no Hill index: {positive} non-zero entries of {entries.Length}");
            return null;
        }
        if (entries.Length < MinEntriesForHill) warnings.Add($"Hill index from only {entries.Length} entries (k = {TailIndex.DefaultK(entries.Length)}): unreliable");
        return TailIndex.Hill(entries);
    }

    /// <summary>The power-law fit, or null with a warning when it cannot be made; a warning too when it rests on few eigenvalues.</summary>
    public static PowerLawFit? TryFit(double[] esd, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(esd);
        ArgumentNullException.ThrowIfNull(warnings);
        if (esd.Where(v => v > 0).Distinct().Count() < 2)
        {
            warnings.Add("no power-law fit: fewer than two distinct positive eigenvalues");
            return null;
        }
        if (esd.Length < MinEigenvaluesForFit) warnings.Add($"power-law fit from only {esd.Length} eigenvalues: unreliable");
        return TailIndex.FitPowerLaw(esd);
    }

    /// <summary>The eigenvalues of WᵀW, ascending: the squared singular values of W as stored (with its scale convention applied).</summary>
    public static double[] WeightEsd(DenseLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var m = Matrix<double>.Build.Dense(layer.Outputs, layer.Inputs, (i, j) => layer.Weight[i * layer.Inputs + j]);
        double[] s = m.Svd(false).S.Select(v => v * v).ToArray();
        Array.Sort(s);
        return s;
    }

    private static string F(double v) => double.IsPositiveInfinity(v) ? "∞" : v.ToString("0.###", CultureInfo.InvariantCulture);
}
