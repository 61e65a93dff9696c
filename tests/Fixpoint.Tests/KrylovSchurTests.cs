using System.Numerics;
using Fixpoint.Census;
using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Fixpoint.Tests;

/// <summary>Krylov–Schur on matrices of known spectrum, and the census's Krylov stability against its dense one.</summary>
public class KrylovSchurTests
{
    /// <summary>S·D·S⁻¹ with D block-diagonal (1×1 real values, 2×2 rotation-scaling blocks for pairs) and S = I + 0.3·G/√N.</summary>
    private static double[] Similar(IReadOnlyList<Complex> spectrum, int n, ulong seed, double coupling = 0)
    {
        var d = Matrix<double>.Build.Dense(n, n);
        int i = 0;
        foreach (Complex e in spectrum)
        {
            if (e.Imaginary == 0) { d[i, i] = e.Real; i++; continue; }
            if (e.Imaginary < 0) continue;
            d[i, i] = e.Real; d[i + 1, i + 1] = e.Real; d[i, i + 1] = e.Imaginary; d[i + 1, i] = -e.Imaginary;
            i += 2;
        }
        if (i != n) throw new ArgumentException("the spectrum must have n values, pairs listed with both members");
        if (coupling != 0) d[0, 1] = coupling; // a Jordan-like coupling of the first two values
        var rng = new Rng(seed);
        var s = Matrix<double>.Build.Dense(n, n, (r, c) => (r == c ? 1 : 0) + 0.3 * rng.Normal() / Math.Sqrt(n));
        Matrix<double> a = s * d * s.Inverse();
        var m = new double[n * n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) m[r * n + c] = a[r, c];
        return m;
    }

    /// <summary>The rest of a spectrum: pairs and real values inside |λ| ≤ 0.8.</summary>
    private static List<Complex> Bulk(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var list = new List<Complex>();
        while (list.Count + 2 <= count)
        {
            double r = 0.8 * Math.Sqrt(rng.NextDouble()), t = Math.PI * rng.NextDouble();
            list.Add(Complex.FromPolarCoordinates(r, t));
            list.Add(Complex.Conjugate(list[^1]));
        }
        while (list.Count < count) list.Add(new Complex(rng.Uniform(-0.8, 0.8), 0));
        return list;
    }

    [Fact]
    public void FindsExactlyTheEigenvaluesNearAndOutsideTheUnitCircle()
    {
        int n = 200;
        var ring = new List<Complex> { 1.2, new(0.99, 0.1), new(0.99, -0.1), 0.97, -0.96 };
        var spectrum = ring.Concat([new Complex(0.5, 0)]).Concat(Bulk(n - ring.Count - 1, 3)).ToList();
        var op = new DenseOperator(Similar(spectrum, n, 7), n);
        KrylovEigenResult r = KrylovSchur.Eigenvalues(op, new KrylovSchurOptions());
        Assert.True(r.Converged);
        Assert.False(r.Complete);
        var found = r.Eigenvalues.Where(e => e.Magnitude >= 1 - KrylovSchurOptions.DefaultMargin).ToList();
        Assert.Equal(ring.Count, found.Count);
        foreach (Complex e in ring) Assert.Contains(found, f => (f - e).Magnitude < 1e-9);
        Assert.True(r.Eigenvalues.Length >= KrylovSchurOptions.DefaultLeading);
        Assert.True(r.Eigenvalues.Length > ring.Count); // one below the ring shows the ring is complete
        Assert.All(r.Residuals, x => Assert.True(x <= 1e-11, $"residual {x}"));
        // The leading values beyond the ring are the largest of the rest, in order.
        double[] expected = spectrum.Select(e => e.Magnitude).OrderByDescending(m => m).Take(r.Eigenvalues.Length).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], r.Eigenvalues[i].Magnitude, 1e-9);

        StabilityVerdict v = FixedPointStability.FromKrylov(r, CensusOptions.DefaultStabilityMargin);
        Assert.Equal(Stability.Unstable, v.Stability);
        Assert.Equal(1, v.UnstableDimensions);
        Assert.False(v.Uncertain);
        Assert.Equal(1.2, v.SpectralRadius, 1e-10);
        Assert.True(v.IsFocus);
    }

    [Fact]
    public void StableSpectrumGivesTheLeadingFew()
    {
        int n = 150;
        var spectrum = new List<Complex> { 0.9, new(0.1, 0.85), new(0.1, -0.85) }.Concat(Bulk(n - 3, 4)).ToList();
        KrylovEigenResult r = KrylovSchur.Eigenvalues(new DenseOperator(Similar(spectrum, n, 8), n), new KrylovSchurOptions());
        Assert.True(r.Converged);
        Assert.InRange(r.Eigenvalues.Length, KrylovSchurOptions.DefaultLeading, KrylovSchurOptions.DefaultLeading + 1); // 7 not to split a pair
        Assert.Equal(0.9, r.Eigenvalues[0].Real, 1e-10);
        StabilityVerdict v = FixedPointStability.FromKrylov(r, CensusOptions.DefaultStabilityMargin);
        Assert.Equal(Stability.Stable, v.Stability);
        Assert.Equal(0, v.UnstableDimensions);
        Assert.False(v.Uncertain);
    }

    [Fact]
    public void ClusterAtTheUnitCircleIsUncertain()
    {
        int n = 120;
        var spectrum = new List<Complex> { 1 + 1e-9, 1 - 1e-9 }.Concat(Bulk(n - 2, 5)).ToList();
        KrylovEigenResult r = KrylovSchur.Eigenvalues(new DenseOperator(Similar(spectrum, n, 9, coupling: 1.0), n), new KrylovSchurOptions());
        StabilityVerdict v = FixedPointStability.FromKrylov(r, CensusOptions.DefaultStabilityMargin);
        Assert.True(v.Uncertain, $"ρ = {v.SpectralRadius}, count {v.UnstableDimensions}, bounds {string.Join(", ", r.ErrorBounds)}");
        Assert.Equal(Stability.Marginal, v.Stability);
    }

    [Fact]
    public void SmallOperatorsAreSolvedDenselyAndCompletely()
    {
        int n = 20;
        var spectrum = new List<Complex> { 1.5, 0.3 }.Concat(Bulk(n - 2, 6)).ToList();
        KrylovEigenResult r = KrylovSchur.Eigenvalues(new DenseOperator(Similar(spectrum, n, 10), n), new KrylovSchurOptions());
        Assert.True(r.Complete);
        Assert.Equal(1.5, r.Eigenvalues[0].Real, 1e-12);
    }

    [Fact]
    public void SoManyUnstableValuesThatKrylovWouldNotPayGoDense()
    {
        int n = 100;
        var spectrum = Enumerable.Range(0, 40).Select(i => new Complex(1.1 + 0.01 * i, 0)).Concat(Bulk(n - 40, 13)).ToList();
        KrylovEigenResult r = KrylovSchur.Eigenvalues(new DenseOperator(Similar(spectrum, n, 14), n), new KrylovSchurOptions { Basis = 20 });
        Assert.True(r.Complete);
        Assert.Equal(40, r.Eigenvalues.Count(e => e.Magnitude > 1));
        StabilityVerdict v = FixedPointStability.FromKrylov(r, 1e-6);
        Assert.Equal(40, v.UnstableDimensions);
        Assert.False(v.Uncertain);
    }

    [Fact]
    public void SameSeedSameResult()
    {
        int n = 100;
        var op = new DenseOperator(Similar(Bulk(n, 11), n, 12), n);
        KrylovEigenResult a = KrylovSchur.Eigenvalues(op, new KrylovSchurOptions());
        KrylovEigenResult b = KrylovSchur.Eigenvalues(op, new KrylovSchurOptions());
        Assert.Equal(a.Eigenvalues, b.Eigenvalues);
        Assert.Equal(a.Residuals, b.Residuals);
    }

    [Fact]
    public void OptionsAreChecked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KrylovSchurOptions { Margin = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KrylovSchurOptions { Leading = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KrylovSchurOptions { Tolerance = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KrylovSchurOptions { Basis = 4 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new CensusOptions { Eigen = (EigenMethod)7 });
        Assert.Equal(EigenMethod.Krylov, FixedPointStability.ParseMethod(" Krylov"));
        Assert.Null(FixedPointStability.ParseMethod("arpack"));
        Assert.Equal(EigenMethod.Dense, FixedPointStability.Resolve(EigenMethod.Auto, FixedPointStability.KrylovFromDimension - 1));
        Assert.Equal(EigenMethod.Krylov, FixedPointStability.Resolve(EigenMethod.Auto, FixedPointStability.KrylovFromDimension));
    }

    [Fact]
    public void KrylovOnTheJacobianOfANetworkAgreesWithDense()
    {
        int n = 160;
        Network net = new RandomNetworkSpec(n, 4, new TanhActivation(), new GaussianLaw(1.6), new GaussianLaw(0.2), Seed: 31).Build();
        var x = new double[n];
        var rng = new Rng(2);
        for (int i = 0; i < n; i++) x[i] = rng.Uniform(-0.5, 0.5);
        var ws = new JacobianWorkspace();
        StabilityVerdict dense = FixedPointStability.Of(net, x, EigenMethod.Dense, 1e-6, ws);
        StabilityVerdict krylov = FixedPointStability.Of(net, x, EigenMethod.Krylov, 1e-6, ws);
        Assert.Equal(EigenMethod.Krylov, krylov.Method);
        Assert.Equal(dense.SpectralRadius, krylov.SpectralRadius, 1e-9);
        Assert.Equal(dense.UnstableDimensions, krylov.UnstableDimensions);
        Assert.Equal(dense.Stability, krylov.Stability);
        Assert.False(krylov.Uncertain);
        Assert.True(dense.UnstableDimensions > 0);
        for (int i = 0; i < krylov.Eigenvalues.Length; i++)
            Assert.True((krylov.Eigenvalues[i] - dense.Eigenvalues[i]).Magnitude < 1e-8, $"eigenvalue {i}: {krylov.Eigenvalues[i]} vs {dense.Eigenvalues[i]}");
    }

    [Fact]
    public void CensusAtN300GivesTheSameVerdictsWithKrylovAsWithDense()
    {
        int n = 300;
        Network net = new RandomNetworkSpec(n, 4, new TanhActivation(), new GaussianLaw(1.1), new GaussianLaw(0.5), Seed: 7).Build();
        var options = new CensusOptions { Eigen = EigenMethod.Dense };
        CensusResult dense = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 6, 7, options);
        CensusResult krylov = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 6, 7, options with { Eigen = EigenMethod.Krylov });
        Assert.NotEmpty(dense.FixedPoints);
        Assert.Equal(dense.FixedPoints.Count, krylov.FixedPoints.Count);
        for (int k = 0; k < dense.FixedPoints.Count; k++)
        {
            FixedPointInfo d = dense.FixedPoints[k], q = krylov.FixedPoints[k];
            Assert.Equal(EigenMethod.Dense, d.EigenvalueMethod);
            Assert.Equal(EigenMethod.Krylov, q.EigenvalueMethod);
            Assert.Equal(d.X, q.X);
            Assert.Equal(d.Stability, q.Stability);
            Assert.Equal(d.UnstableDimensions, q.UnstableDimensions);
            Assert.True(Math.Abs(d.SpectralRadius - q.SpectralRadius) <= 1e-8, $"ρ {d.SpectralRadius} vs {q.SpectralRadius}");
            Assert.False(q.StabilityUncertain);
            Assert.True(q.EigenvalueResidual < 1e-10);
        }
    }
}
