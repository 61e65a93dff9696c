using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Spectra;

namespace Fixpoint.Tests.Spectra;

public class TailAssessmentTests
{
    [Fact]
    public void ErfcAndKsDistanceHaveKnownValues()
    {
        Assert.Equal(1.0, TailAssessments.Erfc(0), 6);
        Assert.Equal(0.157299207, TailAssessments.Erfc(1), 6);
        Assert.Equal(0.004677735, TailAssessments.Erfc(2), 6);
        Assert.Equal(0.0, TailAssessments.KsDistance([1, 2, 3], [3, 2, 1]));
        Assert.Equal(1.0, TailAssessments.KsDistance([1, 2], [3, 4]));
    }

    [Fact]
    public void AParetoSampleWithABulkBelowIsAPowerLaw()
    {
        var rng = new Rng(3);
        // A uniform bulk of 1500 values in (0, 1) and a Pareto tail of 300 values above 1 with α = 2.5.
        double[] x = [.. Enumerable.Range(0, 1500).Select(_ => rng.Uniform(0.01, 1)), .. Enumerable.Range(0, 300).Select(_ => Math.Pow(rng.NextOpenDouble(), -1 / 1.5))];
        TailAssessment a = TailAssessments.Assess(x, TailIndex.FitPowerLaw(x));
        Assert.True(a.IsPowerLaw, a.Verdict);
        Assert.InRange(a.Fit.Alpha, 2.2, 2.8);
        Assert.True(a.LogLikelihoodRatio > 0);
        Assert.StartsWith("power law", a.Verdict);
    }

    [Fact]
    public void AnExponentialTailIsNotAPowerLaw()
    {
        var rng = new Rng(5);
        double[] x = [.. Enumerable.Range(0, 2000).Select(_ => rng.Exponential())];
        TailAssessment a = TailAssessments.Assess(x, TailIndex.FitPowerLaw(x));
        Assert.False(a.IsPowerLaw, a.Verdict);
        Assert.StartsWith("not a power law", a.Verdict);
    }

    [Fact]
    public void TheMarchenkoPasturBulkOfAGaussianMatrixIsNotAPowerLawAndItsShuffledCopyLooksTheSame()
    {
        var rng = new Rng(7);
        int n = 64;
        double[] w = [.. Enumerable.Range(0, n * n).Select(_ => rng.Normal() / Math.Sqrt(n))];
        TailAssessment a = TailAssessments.Assess(new DenseLayer(n, n, w, new double[n]))!;
        Assert.False(a.IsPowerLaw, a.Verdict);
        Assert.NotNull(a.ShuffledFit);
        Assert.InRange(a.RandDistance, 0, 0.25); // iid entries: shuffling changes nothing but the draw
    }
}
