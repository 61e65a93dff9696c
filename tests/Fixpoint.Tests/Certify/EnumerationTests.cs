using Fixpoint.Certify;
using Fixpoint.Experiments;
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
        Network net = PaperACase.Poly.Create(2, 100);
        EnumerationResult r = FixedPointEnumerator.Enumerate(net, IntervalVector.Cube(2, -3, 3));
        output.WriteLine($"{r.Status} proven={r.ProvenCount} boxes={r.BoxesExamined} time={r.Elapsed.TotalSeconds:F2}s excluded={r.ExcludedFraction:F4}");
        Assert.Equal(16, r.ProvenCount);
        Assert.Equal(4, r.FixedPoints.Count(p => p.Stable));
        Assert.True(r.Elapsed.TotalSeconds < 10, $"took {r.Elapsed.TotalSeconds} s");
    }

    [Fact]
    public void BoxWithoutFixedPointsProvesZero()
    {
        EnumerationResult r = FixedPointEnumerator.Enumerate(TestNetworks.Scalar(2, 0), [new Interval(0.2, 0.6)]);
        Assert.Equal(0, r.ProvenCount);
        Assert.Equal(1.0, r.ExcludedFraction, 12);
    }

    [Fact]
    public void FixedPointOnTheBisectionPlaneIsCountedOnce()
    {
        // 0 is both a fixed point and the domain's midpoint
        EnumerationResult r = FixedPointEnumerator.Enumerate(TestNetworks.Scalar(2, 0), [new Interval(-1, 1)]);
        Assert.Equal(3, r.ProvenCount);
    }

    [Fact]
    public void WithoutNewtonAPointOnABisectionPlaneStaysUndecidedAndIsNeverCountedTwice()
    {
        var o = new FixedPointEnumerationOptions { NewtonSteps = 0, MinWidth = 1e-6 };
        EnumerationResult r = FixedPointEnumerator.Enumerate(TestNetworks.Scalar(2, 0), [new Interval(-2, 2)], o);
        Assert.Equal(EnumerationStatus.Incomplete, r.Status);
        Assert.Null(r.ProvenCount);
        Assert.Equal(2, r.FixedPoints.Count); // ±0.9575…; 0 lies on the first bisection plane
        Assert.NotEmpty(r.Undecided);
        Assert.All(r.Undecided, u => Assert.Equal(UndecidedReason.MinWidth, u.Reason));
        Assert.Contains(r.Undecided, u => u.Box[0].Contains(0.0));
    }

    [Fact]
    public void BudgetAndCancellationKeepEveryUndecidedBox()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        Interval[] domain = IntervalVector.Cube(2, -3, 3);
        EnumerationResult budget = FixedPointEnumerator.Enumerate(net, domain, new FixedPointEnumerationOptions { MaxBoxes = 5 });
        Assert.Equal(EnumerationStatus.Incomplete, budget.Status);
        Assert.Null(budget.ProvenCount);
        Assert.Contains(budget.Undecided, u => u.Reason == UndecidedReason.Budget);
        // the certified unique boxes and the undecided boxes together cover every fixed point of the complete run
        EnumerationResult full = FixedPointEnumerator.Enumerate(net, domain);
        foreach (CertifiedFixedPoint p in full.FixedPoints)
            Assert.True(budget.FixedPoints.Any(q => IntervalVector.Overlaps(q.Enclosure, p.Enclosure))
                     || budget.Undecided.Any(u => IntervalVector.Overlaps(u.Box, p.Enclosure)), $"{IntervalVector.FormatPoint(p.Point)} was dropped");

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        EnumerationResult cancelled = FixedPointEnumerator.Enumerate(net, domain, null, null, cts.Token);
        Assert.Equal(EnumerationStatus.Cancelled, cancelled.Status);
        Assert.Null(cancelled.ProvenCount);
        UndecidedBox u = Assert.Single(cancelled.Undecided);
        Assert.Equal(UndecidedReason.Cancelled, u.Reason);
        Assert.Equal(domain, u.Box);
    }

    [Fact]
    public void ProgressIsReportedAndTheResultIsDeterministic()
    {
        Network net = PaperACase.Exp.Create(2, 15);
        var reports = new List<EnumerationProgress>();
        var progress = new SynchronousProgress<EnumerationProgress>(reports.Add);
        Interval[] domain = IntervalVector.Cube(2, -1.5, 2.5);
        EnumerationResult a = FixedPointEnumerator.Enumerate(net, domain, new FixedPointEnumerationOptions { ProgressInterval = 10 }, progress);
        EnumerationResult b = FixedPointEnumerator.Enumerate(net, domain);
        Assert.Equal(16, a.ProvenCount);
        Assert.NotEmpty(reports);
        Assert.Equal(a.FixedPoints.Count, reports[^1].FixedPoints);
        Assert.Equal(a.FixedPoints.Select(p => p.Point), b.FixedPoints.Select(p => p.Point));
    }

    [Fact]
    public void DistinctFixedPointsHaveDisjointEnclosures()
    {
        EnumerationResult r = FixedPointEnumerator.Enumerate(PaperACase.Poly.Create(3, 100), IntervalVector.Cube(3, -3, 3));
        Assert.Equal(64, r.ProvenCount);
        for (int i = 0; i < r.FixedPoints.Count; i++)
        {
            Assert.True(IntervalVector.Contains(r.FixedPoints[i].UniqueBox, r.FixedPoints[i].Point));
            for (int j = i + 1; j < r.FixedPoints.Count; j++)
                Assert.False(IntervalVector.Overlaps(r.FixedPoints[i].Enclosure, r.FixedPoints[j].Enclosure));
        }
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
