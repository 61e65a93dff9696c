using System.Numerics;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Census;

/// <summary>How the census gets the eigenvalues of J at a fixed point.</summary>
public enum EigenMethod
{
    /// <summary><see cref="EigenMethod.Dense"/> below <see cref="FixedPointStability.KrylovFromDimension"/>, <see cref="EigenMethod.Krylov"/> from there on.</summary>
    Auto,
    /// <summary>The dense Jacobian and every eigenvalue (Math.NET non-symmetric EVD): O(N³).</summary>
    Dense,
    /// <summary>Krylov–Schur on v ↦ J v (<see cref="KrylovSchur"/>): the eigenvalues with |λ| ≥ 1 − 0.05 and the leading few, each with a residual bound.</summary>
    Krylov,
}

/// <summary>The stability of one fixed point: what <see cref="FixedPointStability.Of"/> computed.</summary>
/// <param name="Eigenvalues">By decreasing modulus: all of them (dense) or the ones Krylov computed.</param>
/// <param name="Residual">The largest residual bound ‖J y − λ y‖₂ (unit y) among <paramref name="Eigenvalues"/>; 0 for dense (backward stable, not measured).</param>
/// <param name="Uncertain">Krylov could not decide: not converged, or an eigenvalue within its error bound (κ·residual) of |λ| = 1, or ρ within it of a threshold.</param>
public sealed record StabilityVerdict(double SpectralRadius, Stability Stability, int UnstableDimensions, Complex[] Eigenvalues, bool IsFocus,
    EigenMethod Method, double Residual, bool Uncertain)
{
    /// <summary>The unstable and slowest stable modes (<see cref="FixedPointModes"/>) when they were asked for; null otherwise.</summary>
    public IReadOnlyList<FixedPointMode>? Modes { get; init; }
}

/// <summary>
/// The stability step of the census: ρ, the verdict, the unstable dimension count and the eigenvalues at a fixed point.
/// </summary>
public static class FixedPointStability
{
    /// <summary>
    /// From this N on, <see cref="EigenMethod.Auto"/> uses Krylov: measured by bench/eigen-threshold.sh (docs/performance.md,
    /// "Dense or Krylov eigenvalues"). The committed results (N ≤ 50) stay on the dense path.
    /// </summary>
    public const int KrylovFromDimension = 200;

    /// <summary>The largest Krylov basis the stability step uses (N/8 from N = 320 on, this from N = 960).</summary>
    public const int MaxKrylovBasis = 120;

    /// <summary>|Im λ| above this times max(1, |λ|) makes a fixed point a focus.</summary>
    public const double FocusTolerance = 1e-12;

    /// <summary>The names <see cref="ParseMethod"/> takes: "dense, krylov, auto".</summary>
    public const string MethodNames = "dense, krylov, auto";

    /// <summary>The method named <paramref name="name"/> (dense, krylov or auto, any case), or null when it names none.</summary>
    public static EigenMethod? ParseMethod(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "dense" => EigenMethod.Dense,
        "krylov" => EigenMethod.Krylov,
        "auto" => EigenMethod.Auto,
        _ => null,
    };

    /// <summary>The method <paramref name="method"/> means for a map of dimension <paramref name="n"/>.</summary>
    public static EigenMethod Resolve(EigenMethod method, int n) =>
        method == EigenMethod.Auto ? (n >= KrylovFromDimension ? EigenMethod.Krylov : EigenMethod.Dense) : method;

    /// <summary>The stability of the fixed point <paramref name="x"/> of <paramref name="map"/>. <paramref name="workspace"/> is the caller's (one per thread).</summary>
    /// <remarks>
    /// With <paramref name="slowModes"/> ≥ 0 the verdict also carries the modes (<see cref="FixedPointModes.Select"/>): the
    /// dense path takes the eigenvectors of the same EVD (the eigenvalues are the same bits as without), the Krylov path its
    /// Ritz vectors, and each mode's residual ‖J v − λ v‖₂ is measured afresh (with the formed J, or one product J·v).
    /// </remarks>
    /// <param name="formedJacobian">J(x) already formed (row-major N × N), or null; given, it is used instead of forming J.</param>
    public static StabilityVerdict Of(IMap map, double[] x, EigenMethod method, double margin, JacobianWorkspace workspace, int slowModes = -1, double[]? formedJacobian = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(x);
        int n = map.Dimension;
        bool modes = slowModes >= 0;
        if (Resolve(method, n) == EigenMethod.Krylov)
        {
            // A wide layer's product J·v is bound by memory traffic (every weight once per product), so a larger basis, which
            // needs fewer products and restarts, pays from N ≈ 320 on: at N = 2048 a basis of 120 takes 296 products against
            // 510 with 40 (docs/performance.md, "Krylov basis").
            int basis = Math.Clamp(n / 8, KrylovSchurOptions.DefaultBasis, MaxKrylovBasis);
            var options = new KrylovSchurOptions { Margin = Math.Max(KrylovSchurOptions.DefaultMargin, margin), Vectors = modes, Basis = basis };
            if (modes && slowModes + 1 > options.Leading) options = options with { Leading = slowModes + 1 };
            ILinearOperator op = formedJacobian is not null ? FormedJacobianOperator.FromMatrix(formedJacobian, n)
                : FormedJacobianOperator.TryCreate(map, x) as ILinearOperator ?? new JacobianOperator(map, x);
            KrylovEigenResult kr = KrylovSchur.Eigenvalues(op, options);
            StabilityVerdict kv = FromKrylov(kr, margin);
            return modes ? kv with { Modes = FixedPointModes.Select(kr.Vectors, slowModes, p => FixedPointModes.Residual(op, p)) } : kv;
        }
        var jac = new double[n * n];
        if (formedJacobian is not null) formedJacobian.CopyTo(jac, 0);
        else map.Jacobian(x, jac, workspace);
        EigenPair[] pairs = modes ? Spectral.EigenPairs(jac, n) : [];
        Complex[] ev = modes ? pairs.Select(p => p.Value).ToArray() : Spectral.Eigenvalues(jac, n);
        double rho = ev.Length > 0 ? ev[0].Magnitude : Spectral.SpectralRadius(jac, n);
        var verdict = new StabilityVerdict(rho, StabilityText.Classify(rho, margin), ev.Count(e => e.Magnitude > 1.0), ev, Focus(ev),
            EigenMethod.Dense, 0, false);
        return modes ? verdict with { Modes = FixedPointModes.Select(pairs, slowModes, p => Spectral.PairResidual(jac, n, p.Re, p.Im, p.Value)) } : verdict;
    }

    /// <summary>
    /// The verdict from Krylov eigenvalues. The unstable count is exact only when the result converged and every
    /// computed eigenvalue is farther from the unit circle than its error bound κ(λ)·residual (<see cref="KrylovEigenResult.ErrorBounds"/>;
    /// the residual alone for a normal J); ρ's verdict only when ρ ± its bound is classified alike. Otherwise the verdict is marked uncertain (and an undecided ρ is NaN: marginal).
    /// </summary>
    public static StabilityVerdict FromKrylov(KrylovEigenResult r, double margin)
    {
        ArgumentNullException.ThrowIfNull(r);
        Complex[] ev = r.Eigenvalues;
        if (ev.Length == 0) return new StabilityVerdict(double.NaN, Stability.Marginal, 0, [], false, EigenMethod.Krylov, double.PositiveInfinity, true);
        double[] bounds = r.ErrorBounds;
        double rho = ev[0].Magnitude, bound = bounds[0];
        bool uncertain = !r.Converged
            || !(StabilityText.Classify(rho - bound, margin) == StabilityText.Classify(rho + bound, margin))
            || ev.Select((e, i) => !(Math.Abs(e.Magnitude - 1.0) > bounds[i])).Any(near => near);
        return new StabilityVerdict(rho, StabilityText.Classify(rho, margin), ev.Count(e => e.Magnitude > 1.0), ev, Focus(ev),
            EigenMethod.Krylov, r.MaxResidual, uncertain);
    }

    private static bool Focus(Complex[] ev) => ev.Any(e => Math.Abs(e.Imaginary) > FocusTolerance * Math.Max(1.0, e.Magnitude));
}
