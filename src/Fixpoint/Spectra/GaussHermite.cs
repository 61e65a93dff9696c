using MathNet.Numerics.LinearAlgebra;

namespace Fixpoint.Spectra;

/// <summary>
/// Gauss–Hermite quadrature for the standard normal: E[f(ξ)] ≈ Σ w_i f(x_i), ξ ~ N(0, 1), exact for every
/// polynomial of degree ≤ 2n − 1. Nodes and weights come from the Golub–Welsch eigenproblem of the Jacobi
/// matrix of the probabilists' Hermite polynomials (zero diagonal, off-diagonal √k), each node then polished by
/// Newton on the three-term recurrence of the orthonormal polynomials and each weight recomputed as the
/// Christoffel number 1/Σ_{k&lt;n} p̃_k(x_i)².
/// </summary>
public sealed class GaussHermite
{
    /// <summary>The largest order: beyond it p̃_k(x)² overflows at the outermost nodes.</summary>
    public const int MaxOrder = 256;

    private GaussHermite(double[] nodes, double[] weights)
    {
        Nodes = nodes;
        Weights = weights;
    }

    /// <summary>The nodes, ascending.</summary>
    public IReadOnlyList<double> Nodes { get; }

    /// <summary>The weights; they add up to 1.</summary>
    public IReadOnlyList<double> Weights { get; }

    public int Order => Nodes.Count;

    /// <summary>The n-point rule, 1 ≤ n ≤ <see cref="MaxOrder"/>.</summary>
    public static GaussHermite Create(int n)
    {
        if (n < 1 || n > MaxOrder) throw new ArgumentOutOfRangeException(nameof(n), n, $"must be in 1 … {MaxOrder}");
        if (n == 1) return new GaussHermite([0.0], [1.0]);
        var jacobi = Matrix<double>.Build.Dense(n, n);
        for (int k = 1; k < n; k++)
        {
            jacobi[k, k - 1] = Math.Sqrt(k);
            jacobi[k - 1, k] = Math.Sqrt(k);
        }
        double[] nodes = jacobi.Evd(Symmetricity.Symmetric).EigenValues.Select(e => e.Real).OrderBy(x => x).ToArray();
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = nodes[i];
            for (int it = 0; it < 3; it++)
            {
                (double pn, double pn1, _) = Orthonormal(x, n);
                double step = pn / (Math.Sqrt(n) * pn1); // p̃_n′ = √n p̃_{n−1}
                if (!double.IsFinite(step)) break;
                x -= step;
                if (Math.Abs(step) <= 1e-16 * Math.Max(1, Math.Abs(x))) break;
            }
            nodes[i] = x;
            weights[i] = 1.0 / Orthonormal(x, n).SumSquares;
        }
        // Symmetrise (the rule is exactly symmetric about 0) and normalise the total mass to 1.
        for (int i = 0; i < n / 2; i++)
        {
            double x = 0.5 * (nodes[n - 1 - i] - nodes[i]);
            double w = 0.5 * (weights[i] + weights[n - 1 - i]);
            nodes[i] = -x; nodes[n - 1 - i] = x;
            weights[i] = w; weights[n - 1 - i] = w;
        }
        if (n % 2 == 1) nodes[n / 2] = 0.0;
        double total = weights.Sum();
        for (int i = 0; i < n; i++) weights[i] /= total;
        return new GaussHermite(nodes, weights);
    }

    /// <summary>E[f(√variance · ξ)] for ξ ~ N(0, 1).</summary>
    public double Expect(Func<double, double> f, double variance = 1.0)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (!(variance >= 0) || !double.IsFinite(variance)) throw new ArgumentOutOfRangeException(nameof(variance), variance, "must be ≥ 0 and finite");
        double s = Math.Sqrt(variance), sum = 0;
        for (int i = 0; i < Nodes.Count; i++) sum += Weights[i] * f(s * Nodes[i]);
        return sum;
    }

    /// <summary>p̃_n(x), p̃_{n−1}(x) and Σ_{k&lt;n} p̃_k(x)² for the orthonormal Hermite polynomials p̃_k = He_k/√(k!).</summary>
    private static (double Pn, double Pn1, double SumSquares) Orthonormal(double x, int n)
    {
        double prev = 0, cur = 1, sum = 0;
        for (int k = 0; k < n; k++)
        {
            sum += cur * cur;
            double next = (x * cur - Math.Sqrt(k) * prev) / Math.Sqrt(k + 1);
            prev = cur;
            cur = next;
        }
        return (cur, prev, sum);
    }
}
