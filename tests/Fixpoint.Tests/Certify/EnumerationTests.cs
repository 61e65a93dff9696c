using Fixpoint.Certify;
using Fixpoint.Maps;
using Xunit.Abstractions;

namespace Fixpoint.Tests.Certify;

public class EnumerationTests(ITestOutputHelper output)
{
    [Fact]
    public void TanhTwoHasExactlyThreeFixedPointsInMinusTwoTwo()
    {
        EnumerationResult r = FixedPointEnumerator.Enumerate(TestNetworks.Scalar(2, 0), IntervalVector.Cube(1, -2, 2));
        Assert.Equal(EnumerationStatus.Complete, r.Status);
        Assert.Equal(3, r.ProvenCount);
        Assert.Empty(r.Undecided);
        double[] expected = [-TestNetworks.Tanh2Root, 0.0, TestNetworks.Tanh2Root];
        for (int i = 0; i < 3; i++)
        {
            Assert.True(r.FixedPoints[i].Enclosure[0].Contains(expected[i]) || Math.Abs(r.FixedPoints[i].Point[0] - expected[i]) < 1e-15,
                $"{r.FixedPoints[i].Enclosure[0]} vs {expected[i]}");
            Assert.True(r.FixedPoints[i].Enclosure[0].Width < 1e-12);
        }
        Assert.True(r.FixedPoints[0].Stable);
        Assert.False(r.FixedPoints[1].Stable);
        Assert.True(r.FixedPoints[2].Stable);
    }

    [Fact]
    public void PaperAPolynomialDimensionTwoHasExactlySixteen()
    {
        Network net = PaperA.Create("ke2024-poly", 2, 100);
        EnumerationResult r = FixedPointEnumerator.Enumerate(net, IntervalVector.Cube(2, -3, 3));
        output.WriteLine($"{r.Status} proven={r.ProvenCount} boxes={r.BoxesExamined} time={r.Elapsed.TotalSeconds:F2}s excluded={r.ExcludedFraction:F4}");
        Assert.Equal(16, r.ProvenCount);
        Assert.Equal(4, r.FixedPoints.Count(p => p.Stable));
        Assert.True(r.Elapsed.TotalSeconds < 10, $"took {r.Elapsed.TotalSeconds} s");
    }
}
