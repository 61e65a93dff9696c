using Fixpoint.Certify;
using Fixpoint.Experiments;
using Fixpoint.Maps;

namespace Fixpoint.Tests.Certify;

/// <summary>Krawczyk certificates for G(x) = F(x) − x: known roots, exclusion, and the negative cases.</summary>
public class KrawczykTests
{
    /// <summary>x = tanh(2x): the roots ±0.9575040240772688 (stable) and 0 (unstable); TestNetworks.Tanh2Root.</summary>
    [Theory]
    [InlineData(TestNetworks.Tanh2Root)]
    [InlineData(-TestNetworks.Tanh2Root)]
    [InlineData(0.0)]
    public void TanhTwoRootsAreCertifiedUnique(double root)
    {
        Network net = TestNetworks.Scalar(2, 0);
        KrawczykResult r = Krawczyk.Certify(net, [root + 1e-7]);
        Assert.Equal(CertificateStatus.Unique, r.Status);
        Assert.Equal(UnknownReason.None, r.Reason);
        Assert.True(r.Enclosure![0].Contains(root) || Math.Abs(r.Center[0] - root) < 1e-15, $"{r.Enclosure[0]} vs {root}");
        Assert.True(r.Enclosure[0].Width < 1e-12);
        Assert.True(r.LargestRadius >= r.SmallestRadius);
        Assert.True(r.LargestRadius > 0.1, $"largest certified radius {r.LargestRadius}");
        Assert.True(IntervalVector.IsSubsetOf(r.SmallestBox!, r.LargestBox!));
        Assert.True(IntervalVector.IsInteriorOf(r.Enclosure, r.LargestBox!));
    }

    [Fact]
    public void BoxTestsDecideUniqueExcludedAndUnknown()
    {
        var f = new IntervalNetwork(TestNetworks.Scalar(2, 0));
        Assert.Equal(CertificateStatus.Unique, Krawczyk.Test(f, [new Interval(0.8, 1.1)]).Status);
        KrawczykBoxResult none = Krawczyk.Test(f, [new Interval(0.3, 0.6)]);
        Assert.Equal(CertificateStatus.Excluded, none.Status);
        Assert.False(none.Residual[0].Contains(0));
        KrawczykBoxResult two = Krawczyk.Test(f, [new Interval(-1.5, 1.5)]);
        Assert.Equal(CertificateStatus.Unknown, two.Status);
        Assert.Equal(UnknownReason.NotContained, two.Reason);
    }

    [Fact]
    public void SingularFixedPointIsNotCertified()
    {
        // x = tanh(x): G(x) = tanh x − x ≈ −x³/3 has a triple root at 0; J − I = 0 there
        KrawczykResult r = Krawczyk.Certify(TestNetworks.Scalar(1, 0), [0.0]);
        Assert.Equal(CertificateStatus.Unknown, r.Status);
        Assert.NotEqual(UnknownReason.None, r.Reason);
        Assert.Null(r.LargestBox);
        Assert.True(double.IsNaN(r.LargestRadius));
    }

    [Fact]
    public void PointFarFromAnyFixedPointIsExcluded()
    {
        KrawczykResult r = Krawczyk.Certify(TestNetworks.Scalar(2, 0), [0.5], new KrawczykOptions { PolishSteps = 0, MaxRadius = 0.2 });
        Assert.Equal(CertificateStatus.Excluded, r.Status);
        Assert.True(r.ExcludedRadius > 0.05);
    }

    [Fact]
    public void StableAndUnstableFixedPointsOfThePaperANetworkAreCertified()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        foreach (double[] x in new[] { new[] { 1.4028, 0.0 }, [0.8066, 0.8066], [-2.2094, 1.4028] })
        {
            KrawczykResult r = Krawczyk.Certify(net, x);
            Assert.Equal(CertificateStatus.Unique, r.Status);
            var y = new double[2];
            net.Evaluate(r.Center, y);
            Assert.True(Math.Abs(y[0] - r.Center[0]) < 1e-14 && Math.Abs(y[1] - r.Center[1]) < 1e-14);
            Assert.True(IntervalVector.Contains(r.Enclosure!, r.Center) || IntervalVector.MaxWidth(r.Enclosure!) < 1e-12);
        }
    }

    [Fact]
    public void OptionsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KrawczykOptions { Growth = 1.0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KrawczykOptions { InitialRadius = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KrawczykOptions { MaxRadius = double.PositiveInfinity });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KrawczykOptions { PolishSteps = -1 });
        Assert.Throws<ArgumentException>(() => Krawczyk.Certify(TestNetworks.Scalar(2, 0), [double.NaN]));
        Assert.Throws<ArgumentException>(() => Krawczyk.Test(TestNetworks.Scalar(2, 0), [Interval.Entire]));
    }
}
