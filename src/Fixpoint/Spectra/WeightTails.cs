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
public sealed record LayerTail(int Layer, HillResult Hill, double[] Esd, PowerLawFit PowerLaw, TailVerdict Verdict);

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
        HillResult hill = TailIndex.Hill(layer.Weight);
        double[] esd = WeightEsd(layer);
        PowerLawFit fit = TailIndex.FitPowerLaw(esd);
        return new LayerTail(layerNumber, hill, esd, fit, Verdict(hill, law));
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
