using Fixpoint.Maps;
using MathNet.Numerics.LinearAlgebra;

namespace Fixpoint.Census;

/// <summary>
/// How much a stability verdict can be trusted when the Jacobian is estimated (an ONNX model run by
/// ONNX Runtime: <see cref="IEstimatedJacobian"/>). Exact Jacobians leave a fixed point unchanged
/// (<see cref="FixedPointInfo.SpectralRadiusError"/> 0, <see cref="FixedPointInfo.StabilityUncertain"/> false).
/// <para>With E the entrywise error estimate of J (see <see cref="FiniteDifferenceJacobian"/>), every
/// eigenvalue of the true Jacobian J + ΔJ lies within κ₂(V)·‖ΔJ‖₂ of an eigenvalue of J (Bauer–Fike;
/// V the eigenvectors of J, columns scaled to unit length). So ρ is taken to be off by at most
/// δρ = κ₂(V)·‖E‖_F (‖E‖_F ≥ ‖E‖₂), and the verdict is uncertain when ρ − δρ and ρ + δρ fall on
/// different sides of a threshold of <see cref="StabilityText.Classify"/> (1 ∓ margin). A defective J
/// (κ₂(V) infinite) has no such bound: δρ is infinite and the verdict uncertain.</para>
/// </summary>
public static class StabilityUncertainty
{
    /// <summary>Adds <see cref="FixedPointInfo.SpectralRadiusError"/> and <see cref="FixedPointInfo.StabilityUncertain"/> for maps with an estimated Jacobian.</summary>
    public static FixedPointInfo Annotate(FixedPointInfo f, IMap map, double margin)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (map is not IEstimatedJacobian est) return f;
        int n = map.Dimension;
        var jac = new double[n * n];
        var err = new double[n * n];
        est.Jacobian(f.X, jac, err);
        double delta = RadiusError(jac, err, n);
        bool uncertain = !double.IsFinite(delta)
            || StabilityText.Classify(f.SpectralRadius - delta, margin) != StabilityText.Classify(f.SpectralRadius + delta, margin);
        return f with { SpectralRadiusError = delta, StabilityUncertain = uncertain };
    }

    /// <summary>δρ = κ₂(V)·‖E‖_F for a row-major n×n Jacobian and its entrywise error estimate.</summary>
    public static double RadiusError(double[] jacobian, double[] error, int n)
    {
        ArgumentNullException.ThrowIfNull(jacobian);
        ArgumentNullException.ThrowIfNull(error);
        double frob = Math.Sqrt(error.Take(n * n).Sum(e => e * e));
        if (frob == 0) return 0;
        if (!double.IsFinite(frob) || !jacobian.Take(n * n).All(double.IsFinite)) return double.PositiveInfinity;
        if (n == 1) return frob;
        var m = Matrix<double>.Build.Dense(n, n, (i, j) => jacobian[i * n + j]);
        var evd = m.Evd(Symmetricity.Asymmetric);
        Matrix<double> v = evd.EigenVectors;
        // Real EVD stores a complex pair's eigenvector a ± ib as the columns a, b. Scaling both by the
        // same factor keeps V_complex = V_real·T with T/√2 unitary, so κ₂ is the same for both forms.
        for (int c = 0; c < n; c++)
        {
            bool pair = c + 1 < n && evd.EigenValues[c].Imaginary != 0 && evd.EigenValues[c + 1] == System.Numerics.Complex.Conjugate(evd.EigenValues[c]);
            double norm = pair ? Math.Sqrt(Math.Pow(v.Column(c).L2Norm(), 2) + Math.Pow(v.Column(c + 1).L2Norm(), 2)) : v.Column(c).L2Norm();
            if (norm > 0)
            {
                v.SetColumn(c, v.Column(c) / norm);
                if (pair) v.SetColumn(c + 1, v.Column(c + 1) / norm);
            }
            if (pair) c++;
        }
        double kappa = v.ConditionNumber();
        return double.IsFinite(kappa) && kappa < 1e15 ? kappa * frob : double.PositiveInfinity;
    }
}
