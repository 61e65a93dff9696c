using Fixpoint.Census;
using Fixpoint.Continuation;
using Fixpoint.Maps;

namespace Fixpoint.Tests.Continuation;

/// <summary>The pieces of pseudo-arclength continuation: corrector, tangent, locators, determinant signs, deflation.</summary>
public sealed class PseudoArclengthTests
{
    private static readonly double FoldB = Math.Atanh(1 / Math.Sqrt(2)) - Math.Sqrt(2);

    private static Tracer SCurve(double step = 0.02) =>
        new(new BiasShiftFamily(TestNetworks.Scalar(2, 0)), new ContinuationOptions { From = -1, To = 1, Step = step }, null, CancellationToken.None);

    [Fact]
    public void CorrectorLandsOnTheBranchAndKeepsItsConstraint()
    {
        Tracer t = SCurve();
        double[] c = [0.6, 0.8];
        double[] guess = [0.21, -0.19];
        Assert.True(t.Correct(guess, c, Tracer.Dot(c, guess), 1.0, out double[] y, out int iterations));
        Assert.InRange(iterations, 1, 10);
        Assert.True(Math.Abs(Math.Tanh(2 * y[0] + y[1]) - y[0]) <= 1e-13);
        Assert.True(Math.Abs(Tracer.Dot(c, y) - Tracer.Dot(c, guess)) <= 1e-13);
    }

    [Fact]
    public void CorrectorRefusesToJumpFartherThanAllowed()
    {
        Tracer t = SCurve();
        double[] c = [0, 1];
        Assert.False(t.Correct([0.3, 0.0], c, 0.0, 1e-6, out _, out _));
    }

    [Fact]
    public void TangentIsTheUnitNullVectorOfTheBranchJacobianOrientedByTheRow()
    {
        Tracer t = SCurve();
        Assert.True(t.Correct([0.2, 0.0], [0, 1], 0.0, 1.0, out double[] y, out _));
        Tracer.Node q = t.MakeNode(y, [0, 1]);
        double sech2 = 1 - Math.Pow(Math.Tanh(2 * y[0] + y[1]), 2);
        double gx = 2 * sech2 - 1, gp = sech2;
        Assert.True(Math.Abs(gx * q.T[0] + gp * q.T[1]) <= 1e-9);
        Assert.True(Math.Abs(q.T[0] * q.T[0] + q.T[1] * q.T[1] - 1) <= 1e-14);
        Assert.True(q.T[1] > 0);
        // The unstable middle of the S: one eigenvalue 2 sech² − 1 + 1 = 2 sech² > 1.
        Assert.True(q.Eigenvalues[0].Real > 1);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.013)]
    [InlineData(0.2)]
    public void FoldsAreLocatedToTheToleranceWhateverTheStep(double step)
    {
        ContinuationResult r = PseudoArclength.Run(new BiasShiftFamily(TestNetworks.Scalar(2, 0)), [[-0.99]],
            new ContinuationOptions { From = -1, To = 1, Step = step, MaxStep = Math.Max(step, 0.1) });
        Assert.Equal(ContinuationStatus.Complete, r.Status);
        Assert.Equal(2, r.Bifurcations.Count(b => b.Type == BifurcationType.Fold));
        Assert.Contains(r.Bifurcations, b => Math.Abs(b.Parameter - FoldB) <= 1e-9);
        Assert.Contains(r.Bifurcations, b => Math.Abs(b.Parameter + FoldB) <= 1e-9);
        Assert.All(r.Branches.Single().Points, q => Assert.True(Math.Abs(Math.Tanh(2 * q.X[0] + q.Parameter) - q.X[0]) <= 1e-11));
        Assert.Equal(BranchEnd.LeftRange, r.Branches[0].ForwardEnd);
    }

    [Fact]
    public void BothDirectionsAreFollowedAndTheOneLeavingTheRangeStopsAtOnce()
    {
        // From b = 0 on the upper part of the S towards b = −1: +t (increasing b) leaves the range at once; −t goes
        // left through the fold at −0.53 and back along the unstable middle to b = 0, where it reaches x = 0.
        ContinuationResult r = PseudoArclength.Run(new BiasShiftFamily(TestNetworks.Scalar(2, 0)), [[0.95]],
            new ContinuationOptions { From = 0, To = -1, Step = 0.02 });
        Branch b = r.Branches.Single();
        Assert.Equal(BranchEnd.LeftRange, b.ForwardEnd);
        Assert.Equal(BranchEnd.LeftRange, b.BackwardEnd);
        Assert.Contains(b.Points, q => q.Parameter == 0 && Math.Abs(q.X[0]) <= 1e-9);
        Assert.All(b.Points, q => Assert.InRange(q.Parameter, -1, 0));
        Assert.True(r.Bifurcations.Count == 1, string.Join("; ", r.Bifurcations.Select(f => $"{f.Type} {f.Parameter} {f.X[0]}")));
        Bifurcation fold = r.Bifurcations[0];
        Assert.True(Math.Abs(fold.Parameter - FoldB) <= 1e-9);
    }

    [Fact]
    public void BranchPointOfThePitchforkIsSwitchedOntoBothHalvesOfTheNewBranch()
    {
        ContinuationResult r = PseudoArclength.Run(new WeightScaleFamily(TestNetworks.Scalar(1, 0)), [[0.0]],
            new ContinuationOptions { From = 0.5, To = 2, Step = 0.02 });
        Bifurcation bp = r.Bifurcations.Single();
        Assert.Equal(BifurcationType.BranchPoint, bp.Type);
        Assert.True(Math.Abs(bp.Parameter - 1) <= 1e-9);
        Branch nb = r.Branches[bp.NewBranches.Single()];
        Assert.Equal(BranchEnd.LeftRange, nb.ForwardEnd);
        Assert.Equal(BranchEnd.LeftRange, nb.BackwardEnd);
        Assert.True(nb.Points[0].Parameter == 2 && nb.Points[^1].Parameter == 2);
        Assert.True(Math.Abs(Math.Abs(nb.Points[0].X[0]) - 0.9575040240772688) <= 1e-10);
        Assert.True(nb.Points[0].X[0] * nb.Points[^1].X[0] < 0);
        // Without switching there is still the branch point, and only the trivial branch.
        ContinuationResult off = PseudoArclength.Run(new WeightScaleFamily(TestNetworks.Scalar(1, 0)), [[0.0]],
            new ContinuationOptions { From = 0.5, To = 2, BranchSwitching = false });
        Assert.Single(off.Branches);
        Assert.Single(off.Bifurcations);
    }

    [Fact]
    public void KrylovCorrectorAndEigenvaluesLocateWhatTheDenseOnesDo()
    {
        // GMRES on the augmented operator and Krylov–Schur eigenvalues, forced at small N: the folds of the S and the
        // Neimark–Sacker of the rotation are the same to the locate tolerance (branch points need the dense LU to switch).
        var krylov = new ContinuationOptions { From = -1, To = 1, Newton = NewtonMethod.Krylov, Eigen = EigenMethod.Krylov };
        ContinuationResult s = PseudoArclength.Run(new BiasShiftFamily(TestNetworks.Scalar(2, 0)), [[-0.99]], krylov);
        Assert.Equal("krylov", s.NewtonMethod);
        Assert.Contains(s.Bifurcations, b => b.Type == BifurcationType.Fold && Math.Abs(b.Parameter - FoldB) <= 1e-9);
        Assert.Contains(s.Bifurcations, b => b.Type == BifurcationType.Fold && Math.Abs(b.Parameter + FoldB) <= 1e-9);
        double c = Math.Cos(0.5), sn = Math.Sin(0.5);
        ContinuationResult ns = PseudoArclength.Run(new WeightScaleFamily(TestNetworks.Dense(2, [c, -sn, sn, c], [0, 0])), [[0.0, 0.0]],
            krylov with { From = 0.5, To = 2 });
        Bifurcation h = ns.Bifurcations.Single();
        Assert.Equal(BifurcationType.NeimarkSacker, h.Type);
        Assert.True(Math.Abs(h.Parameter - 1) <= 1e-9 && Math.Abs(h.Angle!.Value - 0.5) <= 1e-9);
    }

    [Fact]
    public void CancellationKeepsWhatWasTracedAsPartial()
    {
        using var cts = new CancellationTokenSource();
        int reports = 0;
        var progress = new SyncProgress<Progress>(_ => { if (++reports == 5) cts.Cancel(); });
        ContinuationResult r = PseudoArclength.Run(new BiasShiftFamily(TestNetworks.Scalar(2, 0)), [[-0.99]],
            new ContinuationOptions { From = -1, To = 1, Step = 0.01, MaxStep = 0.01 }, progress, cts.Token);
        Assert.Equal(ContinuationStatus.Partial, r.Status);
        Assert.InRange(r.Branches.Single().Points.Count, 2, 10);
    }

    [Fact]
    public void LuSignIsTheDeterminantsSign()
    {
        double[] a = [0, 2, 0, 1, 0, 0, 0, 0, -3];
        Assert.Equal(1, Tracer.Lu([.. a], 3, new int[3]));  // det = −(0·… ) = 0·… − 2·(1·(−3)) = 6
        double[] b = [0, 2, 0, 1, 0, 0, 0, 0, 3];
        Assert.Equal(-1, Tracer.Lu([.. b], 3, new int[3]));
        Assert.Equal(0, Tracer.Lu([1, 2, 2, 4], 2, new int[2]));
    }

    [Fact]
    public void FamiliesChangeWhatTheyName()
    {
        Network net = TestNetworks.Dense(2, [1, 2, 3, 4], [0.5, -0.5]);
        var w = (Network)new WeightScaleFamily(net).At(2);
        Assert.Equal([2.0, 4, 6, 8], w.Layers[0].Weight);
        Assert.Equal([0.5, -0.5], w.Layers[0].Bias);
        var b = (Network)new BiasShiftFamily(net).At(1);
        Assert.Equal([1.5, 0.5], b.Layers[0].Bias);
        var e = (Network)new TensorElementFamily(net, "layers.0.weight", 1, 0).At(-7);
        Assert.Equal([1.0, 2, -7, 4], e.Layers[0].Weight);
        var eb = (Network)new TensorElementFamily(net, "layers.0.bias", 1, 0).At(9);
        Assert.Equal([0.5, 9], eb.Layers[0].Bias);
        Assert.Throws<ArgumentException>(() => new TensorElementFamily(net, "layers.0.weight", 2, 0));
        Assert.Throws<ArgumentException>(() => new TensorElementFamily(net, "layer.0.weight", 0, 0));
    }

    [Fact]
    public void DeflatedNewtonFindsEveryFixedPointOfTanh2xFromOneStart()
    {
        IMap map = TestNetworks.Scalar(2, 0);
        var d = new DeflatedNewton(map, NewtonMethod.Dense);
        var known = new List<double[]>();
        for (int k = 0; k < 3; k++)
        {
            double[]? x = d.Solve([0.5], known, 1e-12, 1e-6, 100, 1e6);
            Assert.NotNull(x);
            known.Add(x);
        }
        Assert.Null(d.Solve([0.5], known, 1e-12, 1e-6, 100, 1e6));
        double[] roots = [.. known.Select(x => x[0]).Order()];
        Assert.True(Math.Abs(roots[0] + 0.9575040240772688) <= 1e-12);
        Assert.True(Math.Abs(roots[1]) <= 1e-12);
        Assert.True(Math.Abs(roots[2] - 0.9575040240772688) <= 1e-12);
    }

    [Fact]
    public void CensusWithDeflationFindsThePointsNewtonFromTheStartsMisses()
    {
        // Three fixed points; from one start the iteration and Newton reach only the nearby attractor.
        IMap map = TestNetworks.Scalar(2, 0);
        var plain = FixedPointCensus.Run(map, new PointListStarts("test", [0.9], 1), 1, 0, new CensusOptions { Unstable = true });
        var deflated = FixedPointCensus.Run(map, new PointListStarts("test", [0.9], 1), 1, 0, new CensusOptions { Unstable = true, DeflateStarts = 1 });
        Assert.Single(plain.FixedPoints);
        Assert.Equal(3, deflated.FixedPoints.Count);
        Assert.Equal(2, deflated.FixedPoints.Count(f => f.FoundBy == FoundBy.Deflation));
    }
}
