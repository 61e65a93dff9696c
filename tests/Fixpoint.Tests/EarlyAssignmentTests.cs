using Fixpoint.Census;
using Fixpoint.Certify;
using Fixpoint.Experiments;
using Fixpoint.Init;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Solvers;

namespace Fixpoint.Tests;

public class EarlyAssignmentTests
{
    private static EarlyAssignmentOptions Assign(int pilot = 64, ContractionBallOptions? proof = null, EuclideanBallOptions? euclidean = null, bool eigenbasisOnly = false) =>
        new(new ContractionBallProver(proof) { Euclidean = eigenbasisOnly ? null : euclidean ?? new EuclideanBallOptions() }) { PilotStarts = pilot };

    private static Network Tanh(int n, double gain, int depth, ulong seed) =>
        new RandomNetworkSpec(n, depth, new TanhActivation(), new GaussianLaw(gain), new GaussianLaw(0.1), Seed: seed).Build();

    /// <summary>Assigned starts count as converged to their fixed point: the census's findings are those of a census without assignment.</summary>
    private static void AssertSameCensus(CensusResult off, CensusResult on, double pointTol)
    {
        Assert.Null(off.EarlyAssignment);
        Assert.NotNull(on.EarlyAssignment);
        Assert.Equal(off.Outcomes, on.Outcomes);
        Assert.Equal(off.FixedPoints.Count, on.FixedPoints.Count);
        for (int k = 0; k < off.FixedPoints.Count; k++)
        {
            FixedPointInfo a = off.FixedPoints[k], b = on.FixedPoints[k];
            Assert.Equal(a.Hits, b.Hits);
            Assert.Equal(a.BasinFraction, b.BasinFraction);
            Assert.Equal(a.Stability, b.Stability);
            Assert.True(Numerics.DenseLinearAlgebra.MaxAbsDiff(a.X, b.X) <= pointTol, $"fixed point {k} moved");
            Assert.Equal(a.SpectralRadius, b.SpectralRadius, 1e-9);
        }
        Assert.Equal(off.Cycles.Count, on.Cycles.Count);
        Assert.Equal(off.StartStatus, on.StartStatus);
        Assert.Equal(off.StartAttractor, on.StartAttractor);
        Assert.True(on.Evaluations < off.Evaluations, $"{on.Evaluations} evaluations with assignment, {off.Evaluations} without");
    }

    /// <summary>
    /// From N = 512 the stability step works on a formed J: the one the ball's proof formed at the same point is taken
    /// instead of a second one, with the verdict of a census that forms its own.
    /// </summary>
    [Fact]
    public void AWideCensusTakesTheJacobianItsProofFormedAndKeepsItsVerdict()
    {
        Network net = Tanh(512, 0.8, 2, 7UL);
        var prover = new ContractionBallProver();
        var options = new CensusOptions();
        CensusResult off = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 300, 5, options);
        CensusResult on = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 300, 5, options with { EarlyAssignment = new EarlyAssignmentOptions(prover) { PilotStarts = 16 } });
        FixedPointInfo proved = Assert.Single(on.FixedPoints, f => f.Ball is not null);
        double[]? held = prover.FormedJacobian(net, proved.X);
        Assert.NotNull(held);
        var j = new double[512 * 512];
        net.Jacobian(proved.X, j);
        Assert.True(Numerics.DenseLinearAlgebra.MaxAbsDiff(held, j) <= 1e-13, "the held J is J(x)");
        Assert.Null(prover.FormedJacobian(net, [.. proved.X.Select((v, i) => i == 0 ? v + 1e-12 : v)]));
        FixedPointInfo same = Assert.Single(off.FixedPoints, f => Numerics.DenseLinearAlgebra.MaxAbsDiff(f.X, proved.X) <= 1e-9);
        Assert.Equal(EigenMethod.Krylov, proved.EigenvalueMethod);
        Assert.Equal((same.Stability, same.UnstableDimensions), (proved.Stability, proved.UnstableDimensions));
        Assert.Equal(same.SpectralRadius, proved.SpectralRadius, 1e-12);
    }

    [Fact]
    public void HeldJacobiansAreFoundByMapAndExactPointAndTheOldestGoFirst()
    {
        var held = new HeldJacobians(maxNumbers: 100);
        Network a = Tanh(4, 0.8, 2, 1UL), b = Tanh(4, 0.8, 2, 2UL);
        double[] p = [0.1, 0.2, 0.3, 0.4], q = [0.5, 0.6, 0.7, 0.8];
        double[] ja = new double[40], jb = new double[40], jc = new double[40];
        held.Add(a, p, ja);
        held.Add(b, p, jb);
        Assert.Same(ja, held.Find(a, p));
        Assert.Same(jb, held.Find(b, p));
        Assert.Null(held.Find(a, q));
        held.Add(a, q, jc); // 120 numbers: the first one leaves
        Assert.Null(held.Find(a, p));
        Assert.Same(jb, held.Find(b, p));
        Assert.Same(jc, held.Find(a, q));
        held.Add(a, p, new double[101]); // larger than the whole budget: not held
        Assert.Null(held.Find(a, p));
    }

    [Theory]
    [InlineData(8, 0.8, 2, 2UL, 1000)]
    [InlineData(64, 0.8, 4, 7UL, 600)]
    public void AssignmentKeepsTheFindingsOfRandomTanhNetworks(int n, double gain, int depth, ulong seed, int starts)
    {
        Network net = Tanh(n, gain, depth, seed);
        var off = new CensusOptions();
        CensusResult a = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), starts, 5, off);
        foreach (bool eigenbasisOnly in new[] { false, true })
        {
            CensusResult b = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), starts, 5, off with { EarlyAssignment = Assign(eigenbasisOnly: eigenbasisOnly) });
            AssertSameCensus(a, b, 1e-9);
            Assert.True(b.EarlyAssignment!.AssignedStarts > 0);
            Assert.True(b.EarlyAssignment.Balls > 0);
            Assert.Equal(b.EarlyAssignment.AssignedStarts, b.FixedPoints.Sum(f => f.Ball?.AssignedStarts ?? 0));
            Assert.All(b.FixedPoints.Where(f => f.Ball is not null), f => Assert.Equal(Stability.Stable, f.Stability));
            Assert.All(b.FixedPoints.Where(f => f.Ball is not null), f => Assert.Equal(eigenbasisOnly ? "eigenbasis" : "euclidean", f.Ball!.Norm));
        }
    }

    [Fact]
    public void AssignmentKeepsTheFindingsOfThePaperAPolynomialNetwork()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        var off = new CensusOptions();
        CensusResult a = FixedPointCensus.Run(net, new UniformBoxStarts(-3, 3), 2000, 0, off);
        CensusResult b = FixedPointCensus.Run(net, new UniformBoxStarts(-3, 3), 2000, 0, off with { EarlyAssignment = Assign(256) });
        AssertSameCensus(a, b, 1e-9);
        Assert.Equal(4, b.EarlyAssignment!.Balls);
        Assert.True(b.EarlyAssignment.AssignedStarts > 0);
    }

    [Fact]
    public void ResultsDoNotDependOnTheThreadCount()
    {
        Network net = Tanh(16, 1.2, 2, 11);
        CensusResult Run(int threads) => FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 700, 2,
            new CensusOptions { Solve = new SolveOptions { Threads = threads }, EarlyAssignment = Assign(50) });
        CensusResult one = Run(1), two = Run(2);
        Assert.True(one.EarlyAssignment!.AssignedStarts > 0);
        Assert.Equal(one.EarlyAssignment, two.EarlyAssignment);
        Assert.Equal(one.Evaluations, two.Evaluations);
        Assert.Equal(one.StartStatus, two.StartStatus);
        Assert.Equal(one.StartAttractor, two.StartAttractor);
        Assert.Equal(one.FixedPoints.Count, two.FixedPoints.Count);
        for (int k = 0; k < one.FixedPoints.Count; k++)
        {
            Assert.Equal(one.FixedPoints[k].X, two.FixedPoints[k].X);
            Assert.Equal(one.FixedPoints[k].Ball, two.FixedPoints[k].Ball);
        }
    }

    [Theory]
    [InlineData(8, 2, 2UL, 1)]
    [InlineData(64, 4, 7UL, 1)]
    public void WhenNoBallIsProvedEveryStartIteratesAsWithoutAssignment(int n, int depth, ulong seed, int euclideanSteps)
    {
        // The eigenbasis proof gets one trial on a box 100 wide, where the interval Jacobian covers tanh′ ∈ [0, 1] and
        // nothing is proved; the Euclidean one may look at F alone (m = 1), whose ‖J‖₂ exceeds 1 on the N = 64 network.
        Network net = Tanh(n, 0.8, depth, seed);
        var refuseEigen = Assign(64, new ContractionBallOptions { InitialHalfWidth = 50, MaxTrials = 1 }, eigenbasisOnly: true);
        var refuseBoth = Assign(64, new ContractionBallOptions { InitialHalfWidth = 50, MaxTrials = 1 }, new EuclideanBallOptions { MaxSteps = euclideanSteps });
        CensusResult a = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 500, 5, new CensusOptions());
        bool euclideanRefused = n == 64;
        foreach (EarlyAssignmentOptions refuse in euclideanRefused ? new[] { refuseEigen, refuseBoth } : new[] { refuseEigen })
        {
            CensusResult b = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 500, 5, new CensusOptions { EarlyAssignment = refuse });
            Assert.Equal(0, b.EarlyAssignment!.AssignedStarts);
            Assert.Equal(0, b.EarlyAssignment.Balls);
            Assert.True(b.EarlyAssignment.Refused > 0);
            Assert.Equal(a.Evaluations, b.Evaluations);
            Assert.Equal(a.StartStatus, b.StartStatus);
            Assert.Equal(a.StartAttractor, b.StartAttractor);
            for (int k = 0; k < a.FixedPoints.Count; k++)
            {
                Assert.Equal(a.FixedPoints[k].X, b.FixedPoints[k].X);
                Assert.Null(b.FixedPoints[k].Ball);
            }
        }
    }

    [Fact]
    public void NoAssignmentForOtherSolversOrCensusesWithinThePilot()
    {
        Network net = Tanh(8, 0.8, 2, 2);
        var anderson = new CensusOptions { Solver = new AndersonSolver(), EarlyAssignment = Assign() };
        Assert.Null(FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 300, 5, anderson).EarlyAssignment);
        CensusResult small = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 64, 5, new CensusOptions { EarlyAssignment = Assign() });
        CensusResult plain = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 64, 5, new CensusOptions());
        Assert.Equal(0, small.EarlyAssignment!.AssignedStarts);
        Assert.Equal(plain.Evaluations, small.Evaluations);
    }

    [Fact]
    public void CensusFileRecordsTheAssignmentAndReadsFilesWithoutIt()
    {
        Network net = Tanh(8, 0.8, 2, 2);
        CensusResult r = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 600, 5, new CensusOptions { EarlyAssignment = Assign() });
        string dir = Path.Combine(Path.GetTempPath(), "fixpoint-assign-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "census.json");
            CensusFile.Write(path, r);
            string json = File.ReadAllText(path);
            Assert.Contains("\"earlyAssignment\"", json);
            Assert.Contains("\"assignedStarts\"", json);
            CensusFile back = CensusFile.Read(path);
            Assert.Equal(r.EarlyAssignment, back.EarlyAssignment);
            CensusFixedPoint withBall = back.FixedPoints.First(f => f.Ball is not null);
            Assert.Equal("euclidean", withBall.Ball!.Norm);
            Assert.True(withBall.Ball.Radius > 0 && withBall.Ball.Contraction < 1);

            CensusResult plain = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 100, 5, new CensusOptions());
            CensusFile.Write(path, plain);
            Assert.DoesNotContain("earlyAssignment", File.ReadAllText(path));
            Assert.Null(CensusFile.Read(path).EarlyAssignment);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CensusAssignsWhereItPaysOnOrOffWhenAskedAndRecordsTheBalls()
    {
        // N = 8: auto assigns beyond the pilot of 256 starts (the Euclidean proof pays from N/4 starts on).
        string dir = CliRunner.TempDir();
        string[] common = ["census", "--width", "8", "--depth", "2", "--weights", "gaussian(0.8)", "--seed", "2", "--no-plot"];
        CensusFile Run(string name, params string[] extra)
        {
            var run = CliRunner.Invoke([.. common, .. extra, "--out", Path.Combine(dir, name)]);
            Assert.True(run.ExitCode == 0, run.Err);
            return CensusFile.Read(Path.Combine(dir, name, "census.json"));
        }
        CensusFile plain = Run("plain", "--starts", "1100", "--assign", "off");
        Assert.Null(plain.EarlyAssignment);
        CensusFile auto = Run("auto", "--starts", "1100");
        CensusFile on = Run("on", "--starts", "1100", "--assign");
        // Within the pilot (256 starts at N = 8) there is nothing to assign.
        Assert.Null(Run("few", "--starts", "256").EarlyAssignment);
        Assert.NotNull(Run("few-on", "--starts", "500", "--assign", "on").EarlyAssignment);
        // A bare --assign is on, wherever it stands.
        Assert.NotNull(Run("few-bare", "--assign", "--starts", "500").EarlyAssignment);
        Assert.NotNull(Run("few-bare-last", "--starts", "500", "--assign").EarlyAssignment);
        foreach (CensusFile a in new[] { auto, on })
        {
            Assert.True(a.EarlyAssignment!.AssignedStarts > 0);
            Assert.Equal(plain.Outcomes, a.Outcomes);
            Assert.Equal(plain.FixedPoints.Select(f => f.Hits), a.FixedPoints.Select(f => f.Hits));
            Assert.Contains(a.FixedPoints, f => f.Ball is { Norm: "euclidean" });
        }
        var bad = CliRunner.Invoke([.. common, "--starts", "10", "--assign", "sometimes", "--out", Path.Combine(dir, "bad")]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--assign takes auto, on or off", bad.Err);
    }

    [Fact]
    public void AutomaticAssignmentSkipsMapsItCannotProveAndCensusesTooSmallToPay()
    {
        var auto = new EarlyAssignmentOptions(new ContractionBallProver()) { Automatic = true };
        Assert.Equal(0, auto.BallsFor(64, 8191));
        Assert.Equal(1, auto.BallsFor(64, 8192));
        Assert.Equal(0, auto.BallsFor(64, 15, cheapProof: true));
        Assert.Equal(1, auto.BallsFor(64, 16, cheapProof: true));
        Assert.False(auto.AllowsCostlyProofs(64, 8191));
        Assert.True(auto.AllowsCostlyProofs(64, 8192));
        Assert.Equal(256, auto.PilotFor(8));
        Assert.Equal(64, auto.PilotFor(256));
        Assert.Equal(16, auto.PilotFor(2048));
        Assert.Equal(EarlyAssignmentOptions.DefaultMaxBalls, auto.BallsFor(2, 1_000_000));
        Assert.Equal(EarlyAssignmentOptions.DefaultMaxBalls, (auto with { Automatic = false }).BallsFor(64, 10));

        Network net = Tanh(8, 0.8, 2, 2UL);
        var options = new CensusOptions { EarlyAssignment = auto };
        Assert.Null(FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 256, 5, options).EarlyAssignment);
        Assert.NotNull(FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 300, 5, options).EarlyAssignment);
        // Damped Picard has no cheap proof: the costly rule (128·N starts a ball) applies.
        var damped = options with { Solver = new PicardSolver { Damping = 0.5 } };
        Assert.Null(FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 1000, 5, damped).EarlyAssignment);
        CensusResult dampedOn = FixedPointCensus.Run(net, new UniformBoxStarts(-1, 1), 1100, 5, damped);
        Assert.All(dampedOn.FixedPoints.Where(f => f.Ball is not null), f => Assert.Equal("eigenbasis", f.Ball!.Norm));
        // A residual network has no interval proof here: automatic assignment leaves it alone, "on" records a refusal.
        Network residual = new RandomNetworkSpec(8, 2, new TanhActivation(), new GaussianLaw(0.3), new GaussianLaw(0.1), Seed: 2, Residual: true).Build();
        Assert.Null(FixedPointCensus.Run(residual, new UniformBoxStarts(-1, 1), 2000, 5, options).EarlyAssignment);
        CensusResult forced = FixedPointCensus.Run(residual, new UniformBoxStarts(-1, 1), 2000, 5, new CensusOptions { EarlyAssignment = Assign() });
        Assert.Equal(0, forced.EarlyAssignment!.Balls);
        Assert.Equal(0, forced.EarlyAssignment.AssignedStarts);
    }
}
