using Fixpoint.Certify;
using Fixpoint.Experiments;
using Fixpoint.Maps;

namespace Fixpoint.Tests.Certify;

/// <summary>Theorem 4.2 (robust iteration), vector form in the ∞-norm.</summary>
public class RobustIterationTests
{
    [Fact]
    public void SeededNoiseAroundAContractionKeepsBothBounds()
    {
        // tanh(x/2): |f′| ≤ 1/2 everywhere, fixed point 0
        Network net = TestNetworks.Scalar(0.5, 0);
        var o = new RobustIterationOptions { Steps = 60, Delta = 0.01, K = 0.5 };
        RobustIterationResult a = RobustIteration.Run(net, [1.5], [0.0], o, Perturbations.UniformNoise(0.01, seed: 7), [new Interval(-2, 2)]);
        Assert.Equal(RobustIterationStatus.BoundsHeld, a.Status);
        Assert.Equal(61, a.Orbit.Length);
        Assert.Equal(60, a.Steps.Count);
        Assert.All(a.Steps, s => Assert.True(s.StepBoundHolds && s.APrioriBoundHolds && s.PerturbationWithinDelta && s.InRegion));
        Assert.Equal(0.02, a.LimitRadius, 15);
        Assert.True(a.Steps[^1].Distance <= a.LimitRadius);
        Assert.Null(a.FirstStepOutsideRegion);
        // the same seed gives the same orbit; another seed another one
        RobustIterationResult b = RobustIteration.Run(net, [1.5], [0.0], o, Perturbations.UniformNoise(0.01, seed: 7), [new Interval(-2, 2)]);
        RobustIterationResult c = RobustIteration.Run(net, [1.5], [0.0], o, Perturbations.UniformNoise(0.01, seed: 8), [new Interval(-2, 2)]);
        Assert.Equal(a.Orbit.Select(x => x[0]), b.Orbit.Select(x => x[0]));
        Assert.NotEqual(a.Orbit[^1][0], c.Orbit[^1][0]);
    }

    [Fact]
    public void LeavingTheRegionIsFlagged()
    {
        Network net = TestNetworks.Scalar(0.5, 0);
        var o = new RobustIterationOptions { Steps = 10, Delta = 0.3, K = 0.5 };
        RobustIterationResult r = RobustIteration.Run(net, [0.05], [0.0], o, (x, t, h) => h[0] = 0.3, [new Interval(-0.1, 0.1)]);
        Assert.Equal(1, r.FirstStepOutsideRegion);
        Assert.False(r.Steps[0].InRegion);
        Assert.Equal(RobustIterationStatus.BoundsHeldOutsideHypotheses, r.Status);
    }

    [Fact]
    public void PerturbationAboveDeltaBreaksTheBound()
    {
        Network net = TestNetworks.Scalar(0.5, 0);
        var o = new RobustIterationOptions { Steps = 40, Delta = 0.01, K = 0.5 };
        RobustIterationResult r = RobustIteration.Run(net, [0.0], [0.0], o, (x, t, h) => h[0] = 0.1);
        Assert.Equal(1, r.FirstStepPerturbationAboveDelta);
        Assert.Equal(RobustIterationStatus.BoundViolated, r.Status);
        Assert.NotNull(r.FirstViolatedStep);
    }

    /// <summary>SPEC.md, paper A figure 3: from (1.475, 0.10), f_m for m = 5, 15, 100 ends within δ/(1 − K) of (1.4028, 0), δ = 1/m, K = 0.92.</summary>
    [Theory]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(100)]
    public void PaperFigureThreeTrajectoriesStayWithinTheRadius(double m)
    {
        PaperAFigure3Trajectory t = PaperAReproduction.Figure3(m);
        Assert.Equal(RobustIterationStatus.BoundsHeld, t.Robust.Status);
        Assert.True(t.EndsWithinRadius);
        Assert.Equal(1.0 / m / 0.08, t.Radius, 12);
        Assert.True(t.RigorousDelta <= t.Delta, $"sup ‖f_m − f_∞‖ ≤ {t.RigorousDelta} should be below 1/m");
        Assert.Equal(1.4028014, t.UncoupledFixedPoint[0], 6);
        Assert.True(Math.Abs(t.CoupledFixedPoint[0] - 1.4028) < 1e-3 && Math.Abs(t.CoupledFixedPoint[1]) < 0.01);
        Assert.Equal([1.475, 0.10], t.Orbit[0]);
    }
}
