using System.Numerics;
using Fixpoint.Numerics;

namespace Fixpoint.Census;

/// <summary>Why a mode is listed: its eigenvalue is outside the unit circle, or it is one of the slowest inside.</summary>
public enum ModeKind
{
    /// <summary>|λ| &gt; 1: orbits leave the fixed point along it.</summary>
    Unstable,
    /// <summary>|λ| ≤ 1, among the largest such moduli: the directions in which orbits approach the point most slowly.</summary>
    Slow,
}

/// <summary>
/// One eigenmode of J at a fixed point: λ and its unit eigenvector v = <see cref="Vector"/> + i·<see cref="VectorImaginary"/>
/// (‖v‖₂ = 1; <see cref="VectorImaginary"/> null for a real λ). A complex pair is one mode, listed with Im λ &gt; 0: λ̄ has
/// the conjugate vector. <see cref="Residual"/> is ‖J v − λ v‖₂, measured afresh with the Jacobian it came from.
/// </summary>
public sealed record FixedPointMode(ModeKind Kind, Complex Eigenvalue, double Modulus, double[] Vector, double[]? VectorImaginary, double Residual);

/// <summary>Which eigenpairs become modes (<see cref="FixedPointMode"/>): every unstable one, then the slowest stable few.</summary>
public static class FixedPointModes
{
    /// <summary>How many slow stable modes a fixed point lists unless told otherwise.</summary>
    public const int DefaultSlow = 3;

    /// <summary>
    /// The modes among <paramref name="pairs"/> (sorted by decreasing modulus): every λ with |λ| &gt; 1, then the first
    /// <paramref name="slow"/> with |λ| ≤ 1; a conjugate pair counts once (the member with Im λ &gt; 0).
    /// <paramref name="residual"/> gives ‖J v − λ v‖₂ of a pair.
    /// </summary>
    public static FixedPointMode[] Select(IReadOnlyList<EigenPair> pairs, int slow, Func<EigenPair, double> residual)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(residual);
        var modes = new List<FixedPointMode>();
        int slowTaken = 0;
        foreach (EigenPair p in pairs)
        {
            if (p.Value.Imaginary < 0) continue;
            double modulus = p.Value.Magnitude;
            ModeKind kind = modulus > 1.0 ? ModeKind.Unstable : ModeKind.Slow;
            if (kind == ModeKind.Slow && slowTaken++ >= slow) break;
            modes.Add(new FixedPointMode(kind, p.Value, modulus, p.Re, p.Im, residual(p)));
        }
        return [.. modes];
    }

    /// <summary>‖A v − λ v‖₂ of an eigenpair through products with <paramref name="a"/> (one block product of one or two vectors).</summary>
    public static double Residual(ILinearOperator a, EigenPair p)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(p);
        int n = a.Dimension, count = p.Im is null ? 1 : 2;
        var vs = new double[count * n];
        p.Re.CopyTo(vs, 0);
        p.Im?.CopyTo(vs, n);
        var ys = new double[count * n];
        a.Apply(vs, ys, count);
        double s = 0, lr = p.Value.Real, li = p.Value.Imaginary;
        for (int i = 0; i < n; i++)
        {
            double vi = p.Im is null ? 0 : p.Im[i];
            double dr = ys[i] - (lr * p.Re[i] - li * vi);
            double di = (p.Im is null ? 0 : ys[n + i]) - (li * p.Re[i] + lr * vi);
            s += dr * dr + di * di;
        }
        return Math.Sqrt(s);
    }
}
