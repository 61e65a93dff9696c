using Fixpoint.Census;
using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Spectra;

namespace Fixpoint.Tests.Spectra;

public class WeightTailsTests
{
    [Fact]
    public void CauchyWeightsAreHeavyAndGaussianWeightsLight()
    {
        var cauchy = new RandomNetworkSpec(200, 2, new TanhActivation(), new CauchyLaw(1), new GaussianLaw(0.1), ScaleConvention.InverseN, Seed: 4).Build();
        foreach (LayerTail row in WeightTails.Analyse(cauchy, new CauchyLaw(1)))
        {
            Assert.Equal(TailClass.InfiniteVariance, row.Verdict!.Class);
            Assert.True(row.Verdict.ConsistentWithLaw);
            Assert.InRange(row.Hill!.Index, 0.8, 1.2); // scaling does not change a tail index
            Assert.InRange(row.PowerLaw!.Alpha, 1.2, 1.8); // Lévy matrices: ESD tail ∝ λ^(−1 − μ/2), μ = 1
            Assert.Null(row.Warning);
        }
        var gauss = new RandomNetworkSpec(200, 2, new TanhActivation(), new GaussianLaw(1), new GaussianLaw(0.1), Seed: 4).Build();
        foreach (LayerTail row in WeightTails.Analyse(gauss, new GaussianLaw(1)))
        {
            Assert.Equal(TailClass.Light, row.Verdict!.Class);
            Assert.True(row.Verdict.ConsistentWithLaw);
            Assert.Contains("light tails", row.Verdict.Text);
        }
    }

    [Fact]
    public void TinyOrConstantLayersGetWarningsNotExceptions()
    {
        var zero = new DenseLayer(3, 3, new double[9], new double[3]);
        LayerTail row = WeightTails.AnalyseLayer(1, zero);
        Assert.Null(row.Hill);
        Assert.Null(row.PowerLaw);
        Assert.NotNull(row.Warning);
    }

    [Fact]
    public void LawIndicesAreTheKnownOnes()
    {
        Assert.Equal(1.0, WeightTails.LawIndex(new CauchyLaw(3)));
        Assert.Equal(1.5, WeightTails.LawIndex(new AlphaStableLaw(1.5, 1)));
        Assert.Equal(3.0, WeightTails.LawIndex(new StudentTLaw(3, 1)));
        Assert.Equal(double.PositiveInfinity, WeightTails.LawIndex(new GaussianLaw(1)));
        Assert.Null(WeightTails.LawIndex(null));
    }

    [Fact]
    public void EnsembleResultsDoNotDependOnTheThreadCount()
    {
        var spec = new RandomNetworkSpec(12, 3, new TanhActivation(), new GaussianLaw(1), new GaussianLaw(0.1), Seed: 9);
        double[] one = JacobianSpectra.Run(spec, new JacobianEnsembleOptions { Realisations = 6, Threads = 1 }).SquaredSingularValues();
        double[] all = JacobianSpectra.Run(spec, new JacobianEnsembleOptions { Realisations = 6, Threads = 4 }).SquaredSingularValues();
        Assert.Equal(one, all);
        Assert.Equal(spec.Seed, JacobianSpectra.RealisationSeed(spec.Seed, 0));
        Assert.NotEqual(JacobianSpectra.RealisationSeed(spec.Seed, 1), JacobianSpectra.RealisationSeed(spec.Seed, 2));
    }

    [Fact]
    public void DepthRowsAggregateTheRecords()
    {
        DepthRealisation Rec(int depth, int r, int q, double[] radii, double frac) =>
            new(depth, r, 0, q, radii.Length, 0, 0.0, 0.0, radii, radii.Where(x => x < 1).ToArray(), frac, 1.0, 0.2, -1.0, 0.5);
        var rows = DepthEnsemble.Aggregate([Rec(4, 1, 3, [0.5, 0.7, 0.3], 0.1), Rec(2, 0, 1, [0.2], 0.0), Rec(4, 0, 1, [0.9, 1.5], double.NaN)]);
        Assert.Equal([2, 4], rows.Select(r => r.Depth));
        DepthRow four = rows[1];
        Assert.Equal([1, 3], four.QValues);
        Assert.Equal(2.0, four.MeanQ);
        Assert.Equal(1.0, four.QStdError, 12); // sd √2 over √2
        Assert.Equal((0.9 + 0.5 + 0.7 + 0.3) / 4, four.MeanSpectralRadiusStable, 12);
        Assert.Equal(0.1, four.FractionAboveOneAtFixedPoints, 12); // the NaN realisation (no fixed points) is left out
        Assert.True(double.IsNaN(rows[0].QStdError));
    }

    [Fact]
    public void DepthEnsembleMeasuresAtTheCensusFixedPoints()
    {
        var spec = new DepthEnsembleSpec
        {
            Base = new RandomNetworkSpec(3, 1, new TanhActivation(), new GaussianLaw(3), new GaussianLaw(0.1), Seed: 2),
            Depths = [1, 3],
            Realisations = 2,
            StartsPerCensus = 50,
        };
        DepthEnsembleResult r = DepthEnsemble.Run(spec);
        Assert.False(r.Partial);
        Assert.Equal(4, r.Records.Count);
        foreach (DepthRealisation rec in r.Records)
        {
            Assert.All(rec.StableSpectralRadii, rho => Assert.True(rho < 1));
            Assert.Equal(rec.Q, rec.StableSpectralRadii.Length);
            // the same network and census, rebuilt: the same Q
            var net = (spec.Base with { Depth = rec.Depth, Seed = rec.Seed }).Build();
            Assert.Equal(rec.Q, FixedPointCensus.Run(net, spec.Starts, 50, rec.Seed, spec.Census).StableCount);
        }
    }
}
