using Fixpoint.Certify;

namespace Fixpoint.Tests;

public class KrawczykAroundTests
{
    /// <summary>x = tanh(2x) has three fixed points: ±0.9575… (stable) and 0; each is proved, in the order given, as one at a time would.</summary>
    [Fact]
    public void CertifiesEveryPointInOrderAsOneAtATime()
    {
        var net = TestNetworks.Scalar(2, 0);
        double[][] points = [[TestNetworks.Tanh2Root], [0.0], [-TestNetworks.Tanh2Root]];
        IReadOnlyList<PointCertificate> all = KrawczykAround.CertifyAll(net, points);
        Assert.Equal(3, all.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i, all[i].Index);
            Assert.Same(points[i], all[i].X);
            KrawczykResult one = Krawczyk.Certify(net, points[i]);
            Assert.Equal(CertificateStatus.Unique, all[i].Result.Status);
            Assert.Equal(one.Status, all[i].Result.Status);
            Assert.Equal(one.Center, all[i].Result.Center);
            Assert.Equal(one.SmallestRadius, all[i].Result.SmallestRadius);
            Assert.Equal(one.LargestRadius, all[i].Result.LargestRadius);
        }
    }

    [Fact]
    public void APointOfAnotherDimensionIsRefused() =>
        Assert.Throws<ArgumentException>(() => KrawczykAround.CertifyAll(TestNetworks.Scalar(2, 0), [[0.0, 1.0]]));
}
