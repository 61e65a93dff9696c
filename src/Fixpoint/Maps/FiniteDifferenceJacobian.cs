namespace Fixpoint.Maps;

/// <summary>
/// A map whose Jacobian is estimated, not exact (<see cref="IMap.HasExactJacobian"/> is false),
/// and which can say how far off the estimate may be.
/// </summary>
public interface IEstimatedJacobian : IMap
{
    /// <summary>ε, the machine epsilon of the arithmetic F is computed in (2⁻²³ for float32, 2⁻⁵² for float64).</summary>
    double MachineEpsilon { get; }

    /// <summary>J(x) as <see cref="IMap.Jacobian(ReadOnlySpan{double}, Span{double})"/> gives it, and an estimate of |J_estimated − J_true| for every entry (row-major, N×N).</summary>
    void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian, Span<double> error);
}

/// <summary>
/// Central differences for maps without a chain rule.
/// <para>Step for coordinate j: h_j = ε^(1/3)·max(1, |x_j|), ε the machine epsilon of the map's
/// arithmetic — the step that balances the O(h²) truncation error against the O(ε/h) rounding error.
/// The perturbed coordinates x_j ± h_j are first rounded to what the map really reads (float32 for
/// a float model), and the divided difference uses the distance between the rounded points, so the
/// quotient is a true difference quotient of the map.</para>
/// <para>J[i, j] = (F_i(x + h_j e_j) − F_i(x − h_j e_j)) / (2h_j).</para>
/// <para>Error estimate, entry by entry: |D_h − D_2h| + 4ε·M / h_j, where D_2h is the same
/// quotient with step 2h_j. D_h − D_2h ≈ −3ch², so the first term is three times Richardson's
/// estimate ch² of the truncation error of D_h (the factor 3 is a safety margin for the higher-order
/// terms; the term also carries a sample of the rounding noise), and M is the largest |F| over all
/// outputs of all perturbed points (the second term bounds the rounding error of D_h when every
/// output is correct to 4ε·M, a few units in the last place of the output scale: an output near zero
/// still carries the rounding of intermediate values of that size, and SIMD tanh and sigmoid are
/// themselves approximations). It is an estimate, not a bound: a map with kinks (ReLU) near x, or a deep model
/// whose outputs carry more rounding, can be off by more.</para>
/// All perturbed points of one call go to the map in a single batch.
/// </summary>
public static class FiniteDifferenceJacobian
{
    /// <summary>h_j = ε^(1/3)·max(1, |x_j|).</summary>
    public static double Step(double xj, double machineEpsilon) => Math.Cbrt(machineEpsilon) * Math.Max(1.0, Math.Abs(xj));

    /// <summary>
    /// Estimates J(x) into <paramref name="jacobian"/> (row-major N×N). When <paramref name="error"/> is
    /// not empty it also evaluates the 2h points and writes the error estimate there.
    /// <paramref name="toInput"/> rounds a coordinate to what the map reads (identity for float64 maps).
    /// </summary>
    public static void Estimate(IMap map, ReadOnlySpan<double> x, Span<double> jacobian, Span<double> error,
        double machineEpsilon, Func<double, double> toInput)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(toInput);
        int n = map.Dimension;
        if (x.Length != n || jacobian.Length < n * n) throw new ArgumentException("x must have length N and the Jacobian N×N entries");
        bool withError = !error.IsEmpty;
        if (withError && error.Length < n * n) throw new ArgumentException("the error span needs N×N entries", nameof(error));
        int perCoordinate = withError ? 4 : 2;
        int count = perCoordinate * n;
        var xs = new double[count * n];
        var ys = new double[count * n];
        // Point order for coordinate j: x + h e_j, x − h e_j, then x + 2h e_j, x − 2h e_j.
        var steps = new double[count];
        for (int j = 0; j < n; j++)
        {
            double h = Step(x[j], machineEpsilon);
            for (int k = 0; k < perCoordinate; k++)
            {
                int p = j * perCoordinate + k;
                Span<double> row = xs.AsSpan(p * n, n);
                x.CopyTo(row);
                double scale = k < 2 ? 1.0 : 2.0;
                double sign = k % 2 == 0 ? 1.0 : -1.0;
                row[j] = toInput(x[j] + sign * scale * h);
                steps[p] = row[j];
            }
        }
        map.EvaluateBatch(xs, ys, count);
        double outputScale = 0;
        if (withError) foreach (double v in ys) outputScale = Math.Max(outputScale, Math.Abs(v));
        for (int j = 0; j < n; j++)
        {
            int p = j * perCoordinate;
            double span1 = steps[p] - steps[p + 1];
            double span2 = withError ? steps[p + 2] - steps[p + 3] : 0.0;
            for (int i = 0; i < n; i++)
            {
                double fp = ys[p * n + i], fm = ys[(p + 1) * n + i];
                double d1 = (fp - fm) / span1;
                jacobian[i * n + j] = d1;
                if (!withError) continue;
                double fp2 = ys[(p + 2) * n + i], fm2 = ys[(p + 3) * n + i];
                double d2 = (fp2 - fm2) / span2;
                error[i * n + j] = Math.Abs(d1 - d2) + 4.0 * machineEpsilon * outputScale / (0.5 * span1);
            }
        }
    }

    /// <summary>J(x)·v ≈ (F(x + hv) − F(x − hv)) / (2h) with h = ε^(1/3)·max(1, ‖x‖∞) / ‖v‖∞.</summary>
    public static void DirectionalDerivative(IMap map, ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv,
        double machineEpsilon)
    {
        ArgumentNullException.ThrowIfNull(map);
        int n = map.Dimension;
        if (x.Length != n || v.Length != n || jv.Length < n) throw new ArgumentException("x, v and jv must have length N");
        double vmax = 0, xmax = 0;
        for (int i = 0; i < n; i++) { vmax = Math.Max(vmax, Math.Abs(v[i])); xmax = Math.Max(xmax, Math.Abs(x[i])); }
        if (vmax == 0) { jv[..n].Clear(); return; }
        double h = Math.Cbrt(machineEpsilon) * Math.Max(1.0, xmax) / vmax;
        var xs = new double[2 * n];
        var ys = new double[2 * n];
        for (int i = 0; i < n; i++)
        {
            xs[i] = x[i] + h * v[i];
            xs[n + i] = x[i] - h * v[i];
        }
        map.EvaluateBatch(xs, ys, 2);
        for (int i = 0; i < n; i++) jv[i] = (ys[i] - ys[n + i]) / (2 * h);
    }
}
