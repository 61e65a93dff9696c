using Fixpoint.Census;
using Fixpoint.Certify;
using Fixpoint.Experiments;
using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Solvers;

namespace Fixpoint.Tests;

public class CensusTests
{
    /// <summary>Paper A, Thm 5.1 with d = 2: 2² stable points near {0, 1.4028014}², 8 saddles, 4 repellers (SPEC.md).</summary>
    [Fact]
    public void PaperAPolynomialNetworkHasSixteenFixedPoints()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        CensusResult r = FixedPointCensus.Run(net, new UniformBoxStarts(-3, 3), 2000, 0, new CensusOptions { Unstable = true });
        Assert.Equal(16, r.FixedPoints.Count);
        Assert.Equal(4, r.StableCount);
        Assert.Equal(8, r.FixedPoints.Count(f => f.UnstableDimensions == 1));
        Assert.Equal(4, r.FixedPoints.Count(f => f.UnstableDimensions == 2));
        // The coupling 1/m² moves the points by O(1/m²): at m = 100 the corner (1.4028, 1.4028) sits 2.4e-5 inward.
        foreach (FixedPointInfo f in r.FixedPoints.Where(f => f.Stability == Stability.Stable))
        {
            Assert.All(f.X, v => Assert.True(Math.Abs(v) < 1e-6 || Math.Abs(v - 1.4028014) < 3e-5, $"{v}"));
            Assert.True(f.Residual <= 1e-12);
            Assert.True(f.Polished);
            Assert.True(f.Hits > 0);
        }
        Assert.Equal(1.0, r.FixedPoints.Sum(f => f.BasinFraction) + r.Cycles.Sum(c => c.BasinFraction)
            + (double)(r.Outcomes.Diverged + r.Outcomes.MaxIterations) / r.Starts, 12);
    }

    [Fact]
    public void AtLargeMTheStablePointsAreTheProductOfTheScalarOnes()
    {
        Network net = PaperACase.Poly.Create(2, 1e4);
        CensusResult r = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 2), 500, 1, new CensusOptions());
        Assert.Equal(4, r.StableCount);
        var expected = new[] { 0.0, 1.4028014 };
        foreach (FixedPointInfo f in r.FixedPoints)
            Assert.All(f.X, v => Assert.True(expected.Any(e => Math.Abs(v - e) < 1e-6), $"{v}"));
        // The scalar map y ↦ −0.4y⁴ + 1.5y² has derivative −0.208 at 1.4028 (SPEC.md).
        Assert.Equal(0.208, r.FixedPoints.Max(f => f.SpectralRadius), 3);
    }

    [Fact]
    public void TanhTwoNewtonCensusFindsThreePointsWithTheirStability()
    {
        CensusResult r = FixedPointCensus.Run(TestNetworks.Scalar(2, 0), new UniformBoxStarts(-2, 2), 200, 0,
            new CensusOptions { Solver = new NewtonSolver() });
        Assert.Equal(3, r.FixedPoints.Count);
        var byX = r.FixedPoints.OrderBy(f => f.X[0]).ToArray();
        Assert.Equal(-TestNetworks.Tanh2Root, byX[0].X[0], 9);
        Assert.Equal(0.0, byX[1].X[0], 9);
        Assert.Equal(TestNetworks.Tanh2Root, byX[2].X[0], 9);
        Assert.Equal([Stability.Stable, Stability.Unstable, Stability.Stable], byX.Select(f => f.Stability));
        Assert.Equal(2.0, byX[1].SpectralRadius, 12);
    }

    [Fact]
    public void TanhMinusTwoCensusFindsOneCycleAndTheUnstableZero()
    {
        CensusResult r = FixedPointCensus.Run(TestNetworks.Scalar(-2, 0), new UniformBoxStarts(-1, 1), 300, 0, new CensusOptions { Unstable = true });
        CycleInfo c = Assert.Single(r.Cycles);
        Assert.Equal(2, c.Period);
        Assert.Equal(-TestNetworks.Tanh2Root, c.Points[0][0], 8); // canonical rotation starts at the smallest point
        Assert.Equal(Stability.Stable, c.Stability);
        // multiplier = g'(a)·g'(−a) with g(x) = tanh(−2x): (2(1 − a²))²
        double gp = 2 * (1 - TestNetworks.Tanh2Root * TestNetworks.Tanh2Root);
        Assert.Equal(gp * gp, c.MultiplierRadius, 8);
        FixedPointInfo zero = Assert.Single(r.FixedPoints);
        Assert.Equal(Stability.Unstable, zero.Stability);
        Assert.Equal(FoundBy.Newton, zero.FoundBy);
        Assert.Equal(r.Starts, c.Hits + r.Outcomes.Converged); // a start exactly at 0 would converge; none other does
    }

    [Fact]
    public void FocusIsToldFromNode()
    {
        // A rotation-contraction: eigenvalues 0.5 ± 0.5i.
        var net = new Network([new DenseLayer(2, 2, [0.5, -0.5, 0.5, 0.5], [0.1, 0.2])], new IdentityActivation());
        CensusResult r = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 20, 0, new CensusOptions());
        FixedPointInfo f = Assert.Single(r.FixedPoints);
        Assert.True(f.IsFocus);
        Assert.Equal(Math.Sqrt(0.5), f.SpectralRadius, 12);
    }

    [Fact]
    public void AllDivergingNetworkIsAResultWithNoFixedPoint()
    {
        CensusResult r = FixedPointCensus.Run(TestNetworks.Scalar(3, 1, "identity"), new UniformBoxStarts(0, 1), 100, 0, new CensusOptions());
        Assert.Equal(100, r.Outcomes.Diverged);
        Assert.Equal(0, r.StableCount);
        Assert.Empty(r.FixedPoints);
        Assert.Equal(0, r.EstimatedMissing.Chao1);
    }

    [Fact]
    public void CensusIsTheSameWithOneThreadAndWithAll()
    {
        Network net = new RandomNetworkSpec(6, 3, new TanhActivation(), new CauchyLaw(1), new GaussianLaw(0.1), ScaleConvention.InverseN, Seed: 4).Build();
        var o = new CensusOptions { Unstable = true, Solve = new SolveOptions { Threads = 1 } };
        CensusResult one = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 800, 2, o);
        CensusResult all = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 800, 2, o with { Solve = new SolveOptions { Threads = 0 } });
        Assert.Equal(one.FixedPoints.Count, all.FixedPoints.Count);
        for (int i = 0; i < one.FixedPoints.Count; i++)
        {
            Assert.Equal(one.FixedPoints[i].X, all.FixedPoints[i].X);
            Assert.Equal(one.FixedPoints[i].Hits, all.FixedPoints[i].Hits);
        }
        Assert.Equal(one.StartAttractor, all.StartAttractor);
        Assert.Equal(one.Outcomes, all.Outcomes);
    }

    [Fact]
    public void CancelledCensusIsMarkedPartial()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        CensusResult r = FixedPointCensus.Run(TestNetworks.Scalar(0.5, 0), new UniformBoxStarts(-1, 1), 100, 0, new CensusOptions(), null, cts.Token);
        Assert.True(r.Partial);
        Assert.Equal(0, r.Starts);
    }

    [Fact]
    public void GridStartsCoverTheBoxWithEnds()
    {
        var g = new GridStarts(-2, 2);
        Assert.Equal(25, g.Count(2, 20)); // 5 per axis: 4² = 16 < 20
        double[] x = g.Generate(2, 20, 0);
        Assert.Equal(-2.0, x.Min());
        Assert.Equal(2.0, x.Max());
        Assert.Equal(50, x.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Count(30, 1000));
    }

    [Fact]
    public void CsvStartsAreReadRowByRow()
    {
        string path = Path.Combine(CliRunner.TempDir(), "starts.csv");
        File.WriteAllText(path, "a,b\n0.1,0.2\n-1,3e-1\n");
        PointListStarts s = Cli.StartsFile.ReadCsv(path);
        Assert.Equal(2, s.Count(2, 999));
        Assert.Equal([0.1, 0.2, -1, 0.3], s.Generate(2, 2, 0));
        File.WriteAllText(path, "0.1,0.2\n0.3\n");
        Assert.Throws<IO.ModelFormatException>(() => Cli.StartsFile.ReadCsv(path));
    }

    [Fact]
    public void WilsonIntervalKnownValues()
    {
        var (lo, hi) = CensusStatistics.Wilson(5, 10);
        Assert.Equal(0.2366, lo, 4);
        Assert.Equal(0.7634, hi, 4);
        (lo, hi) = CensusStatistics.Wilson(0, 10);
        Assert.Equal(0.0, lo);
        Assert.Equal(0.2775, hi, 4);
    }

    [Fact]
    public void Chao1KnownValues()
    {
        // f1 = 2, f2 = 1, S = 4: Chao1 = 4 + 2·1/(2·2) = 4.5; coverage 1 − 2/9.
        MissingEstimate m = CensusStatistics.Chao1([1, 1, 2, 5]);
        Assert.Equal(4.5, m.Chao1, 12);
        Assert.Equal(0.5, m.Missing, 12);
        Assert.Equal(1 - 2.0 / 9, m.Coverage, 12);
        // var = 0.5 + 2·9/(4·4) + 4·1·1/(4·16) = 0.5 + 1.125 + 0.0625
        Assert.Equal(Math.Sqrt(1.6875), m.StdError, 12);
        Assert.Equal(0.0, CensusStatistics.Chao1([3, 4]).Missing);
    }
}

public class SpectralRadiusTests
{
    [Fact]
    public void GelfandRadiusMatchesEigenvalues()
    {
        double[] a = [2, 1, 0, 0.5];
        Assert.Equal(2.0, Numerics.Spectral.GelfandRadius(a, 2), 6);
        double[] rot = [0.6, -0.8, 0.8, 0.6]; // a rotation: ρ = 1
        Assert.Equal(1.0, Numerics.Spectral.GelfandRadius(rot, 2), 6);
        Assert.Equal(0.0, Numerics.Spectral.GelfandRadius([0, 1, 0, 0], 2));
        Assert.True(double.IsNaN(Numerics.Spectral.GelfandRadius([double.NaN, 0, 0, 1], 2)));
    }

    [Fact]
    public void BadlyScaledMatricesStillGiveTheirRadius()
    {
        double[] huge = [3e200, 1e200, 0, 2e200];
        Assert.Equal(3e200, Numerics.Spectral.SpectralRadius(huge, 2), 1e188);
        Assert.Empty(Numerics.Spectral.Eigenvalues([double.PositiveInfinity, 0, 0, 1], 2));
        Assert.Equal(Census.Stability.Marginal, Census.StabilityText.Classify(double.NaN, 1e-6));
    }

    [Fact]
    public void MultiplyIsTheRowMajorProduct()
    {
        double[] a = [1, 2, 0, 3], b = [4, 0, -1, 5];
        var c = new double[4];
        Numerics.Spectral.Multiply(a, b, 2, c);
        Assert.Equal([2.0, 10, -3, 15], c);
    }

    [Fact]
    public void EnumeratorAndCensusGiveTheSameRadius()
    {
        // The enumerator's ρ of a certified point and the census's ρ come from the same Spectral code.
        Network net = PaperACase.Exp.Create(2, 15);
        EnumerationResult er = FixedPointEnumerator.Enumerate(net, IntervalVector.Cube(2, -1.5, 2.5));
        Assert.NotEmpty(er.FixedPoints);
        foreach (CertifiedFixedPoint p in er.FixedPoints)
        {
            var j = new double[4];
            net.Jacobian(p.Point, j);
            Assert.Equal(Numerics.Spectral.SpectralRadius(j, 2), p.SpectralRadius);
        }
    }

    /// <summary>Regression: a Cauchy network with unscaled weights whose cycle multiplier made the eigenvalue solver fail (paper-b-nonmonotone sweep).</summary>
    [Fact]
    public void MultiplierOfALongCycleInAnUnscaledCauchyNetworkIsFinite()
    {
        var spec = Experiments.SweepSpec.Load(Path.Combine(FindRoot(), "experiments", "paper-b-nonmonotone.json"));
        var task = spec.Tasks().First(t => t.Cell.Width == 20 && t.Cell.Depth == 32);
        var row = Experiments.SweepRunner.RunTask(spec with { Starts = 100 }, task);
        Assert.NotNull(row);
    }

    internal static string FindRoot()
    {
        string? d = AppContext.BaseDirectory;
        while (d is not null && !File.Exists(Path.Combine(d, "Fixpoint.slnx"))) d = Path.GetDirectoryName(d);
        return d ?? throw new DirectoryNotFoundException("repository root");
    }
}
