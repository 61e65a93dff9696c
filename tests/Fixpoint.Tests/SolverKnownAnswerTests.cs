using Fixpoint.Maps;
using Fixpoint.Solvers;

namespace Fixpoint.Tests;

public class SolverKnownAnswerTests
{
    private static readonly SolveOptions Tight = new() { Atol = 1e-13 };

    [Fact]
    public void TanhHalfHasTheStableFixedPointZero()
    {
        var net = TestNetworks.Scalar(0.5, 0);
        foreach (ISolver s in new ISolver[] { new PicardSolver(), new AndersonSolver(), new NewtonSolver() })
        {
            SolveResult r = s.Solve(net, [0.8], Tight);
            Assert.Equal(SolveStatus.Converged, r.Status);
            Assert.True(Math.Abs(r.X[0]) < 1e-12, $"{s.Name}: {r.X[0]}");
        }
    }

    [Theory]
    [InlineData(0.3, 1.0)]
    [InlineData(-1.7, -1.0)]
    public void TanhTwoPicardReachesTheStableRoots(double x0, double sign)
    {
        SolveResult r = new PicardSolver().Solve(TestNetworks.Scalar(2, 0), [x0], Tight);
        Assert.Equal(SolveStatus.Converged, r.Status);
        Assert.Equal(sign * TestNetworks.Tanh2Root, r.X[0], 12);
    }

    [Fact]
    public void TanhTwoNewtonFindsTheUnstableZero()
    {
        SolveResult r = new NewtonSolver().Solve(TestNetworks.Scalar(2, 0), [0.2], Tight);
        Assert.Equal(SolveStatus.Converged, r.Status);
        Assert.True(Math.Abs(r.X[0]) < 1e-12, $"{r.X[0]}");
    }

    [Fact]
    public void TanhMinusTwoIsAPeriodTwoCycle()
    {
        SolveResult r = new PicardSolver().Solve(TestNetworks.Scalar(-2, 0), [0.3], Tight);
        Assert.Equal(SolveStatus.Cycle, r.Status);
        Assert.Equal(2, r.Period);
        Assert.NotNull(r.CyclePoints);
        var pts = r.CyclePoints!.Select(p => p[0]).OrderBy(v => v).ToArray();
        Assert.Equal(-TestNetworks.Tanh2Root, pts[0], 10);
        Assert.Equal(TestNetworks.Tanh2Root, pts[1], 10);
    }
}
