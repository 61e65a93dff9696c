using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Fixpoint.Census;
using Fixpoint.IO;
using Fixpoint.Numerics;

namespace Fixpoint.Tests;

/// <summary>
/// Issue 16: the census outputs a FixedPointFinder user expects — modes (eigenvalues with unit eigenvectors) per fixed point,
/// starts.csv, jacobians.safetensors, trajectories.safetensors and slow points — checked end to end through the CLI.
/// </summary>
public class CensusOutputTests
{
    private static string Torch(string name) => Interop.Fixtures.Path(Path.Combine("torch", name));

    private static string Csv(double[] row) => string.Join(",", row.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static List<string[]> StartsCsv(string dir)
    {
        string[] lines = File.ReadAllLines(Path.Combine(dir, "starts.csv"));
        Assert.Equal("start,status,attractor,iterations,decided_by", lines[0]);
        return lines.Skip(1).Select(l => l.Split(',')).ToList();
    }

    /// <summary>The flip-flop GRU with the input held at 0 and the unstable pass: its 8 attractors and its saddles, each with modes.</summary>
    [Fact]
    public void FlipFlopSaddlesHaveOneUnstableModeEachAndTheFilesAgree()
    {
        string dir = CliRunner.TempDir();
        var rng = new Rng(16);
        double[][] starts = Enumerable.Range(0, 150).Select(_ => Enumerable.Range(0, 16).Select(_ => rng.Uniform(-1, 1)).ToArray()).ToArray();
        string startsFile = Path.Combine(CliRunner.TempDir(), "starts.csv");
        File.WriteAllLines(startsFile, starts.Select(Csv));
        var run = CliRunner.Invoke("census", "--model", Torch("flipflop_gru.pt"), "--hold", "input=0,0,0", "--unstable", "--starts-file", startsFile,
            "--no-plot", "--save-jacobians", "--trajectories", "4", "--trajectory-steps", "30", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("starts.csv", run.Out);
        CensusFile c = CensusFile.Read(Path.Combine(dir, "census.json"));
        Assert.Equal(8, c.FixedPoints.Count(f => f.Stability == Stability.Stable));
        var jac = Safetensors.Read(Path.Combine(dir, "jacobians.safetensors")).Tensors;
        int n = c.Dimension, saddles = 0;
        for (int k = 0; k < c.FixedPoints.Count; k++)
        {
            CensusFixedPoint f = c.FixedPoints[k];
            IReadOnlyList<CensusMode> modes = f.Modes ?? throw new Xunit.Sdk.XunitException($"fixed point {k} has no modes");
            var unstable = modes.Where(m => m.Kind == ModeKind.Unstable).ToList();
            // A complex pair is one mode: it stands for two of the unstable dimensions.
            Assert.Equal(f.UnstableDimensions, unstable.Sum(m => m.VectorImaginary is null ? 1 : 2));
            Assert.InRange(modes.Count(m => m.Kind == ModeKind.Slow), 1, 3);
            if (f.Stability == Stability.Unstable && f.UnstableDimensions == 1)
            {
                saddles++;
                CensusMode u = Assert.Single(unstable);
                Assert.True(u.Modulus > 1 && u.Eigenvalue.Imaginary == 0 && u.VectorImaginary is null);
                Assert.Equal(f.SpectralRadius, u.Modulus);
            }
            // Every mode: the residual census.json states is at most 1e-10, and it is the one J from jacobians.safetensors gives.
            SafetensorsTensor j = jac[$"point.{k}.jacobian"];
            Assert.Equal([n, n], j.Shape);
            foreach (CensusMode m in modes)
            {
                Assert.True(m.Residual <= 1e-10, $"point {k}: ‖Jv − λv‖ = {m.Residual:g}");
                double norm = Math.Sqrt(m.Vector.Sum(v => v * v) + (m.VectorImaginary?.Sum(v => v * v) ?? 0));
                Assert.Equal(1.0, norm, 12);
                Assert.True(Spectral.PairResidual(j.Data, n, m.Vector, m.VectorImaginary, m.Eigenvalue) <= 1e-10);
                Assert.True(m.Modulus > 1 == (m.Kind == ModeKind.Unstable));
            }
            // ∂F/∂u of the held input, the same numbers as census.json's dFdu.
            SafetensorsTensor du = jac[$"point.{k}.dFdu.input"];
            Assert.Equal([n, 3], du.Shape);
            Assert.Equal(f.DFdu, du.Data);
        }
        Assert.True(saddles >= 1, "the unstable pass found index-1 saddles");

        // starts.csv: one row per start, and its labels count exactly the hits and outcomes of census.json.
        List<string[]> rows = StartsCsv(dir);
        Assert.Equal(starts.Length, rows.Count);
        for (int k = 0; k < c.FixedPoints.Count; k++)
            Assert.Equal(c.FixedPoints[k].Hits, rows.LongCount(r => r[1] == "converged" && r[2] == k.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(c.Outcomes.Converged, rows.LongCount(r => r[1] == "converged" && r[4] == "converged"));
        Assert.All(rows, r => Assert.True(int.Parse(r[3], CultureInfo.InvariantCulture) >= 1));

        // trajectories.safetensors: [4, 31, 16], state 0 the start, then the map's own steps (they move, and stay finite).
        SafetensorsTensor t = Safetensors.Read(Path.Combine(dir, "trajectories.safetensors")).Tensors["trajectories"];
        Assert.Equal([4, 31, n], t.Shape);
        for (int s = 0; s < 4; s++)
        {
            Assert.Equal(starts[s], t.Data.AsSpan(s * 31 * n, n).ToArray());
            Assert.NotEqual(starts[s], t.Data.AsSpan((s * 31 + 1) * n, n).ToArray());
            Assert.All(t.Data, v => Assert.True(double.IsFinite(v)));
        }
    }

    /// <summary>starts.csv on a run with cycles, divergence and early assignment: the labels agree with census.json's counts.</summary>
    [Fact]
    public void StartLabelsAgreeWithTheBasinCountsAndTheEarlyAssignment()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--width", "8", "--depth", "2", "--weights", "gaussian(0.8)", "--seed", "7", "--starts", "600", "--assign",
            "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "census.json")));
        JsonElement root = doc.RootElement;
        List<string[]> rows = StartsCsv(dir);
        Assert.Equal(600, rows.Count);
        Assert.Equal(root.GetProperty("earlyAssignment").GetProperty("assignedStarts").GetInt64(), rows.LongCount(r => r[4] == "early-assigned"));
        Assert.Contains(rows, r => r[4] == "early-assigned");
        var fps = root.GetProperty("fixedPoints").EnumerateArray().ToList();
        for (int k = 0; k < fps.Count; k++)
            Assert.Equal(fps[k].GetProperty("hits").GetInt64(), rows.LongCount(r => r[1] == "converged" && r[2] == k.ToString(CultureInfo.InvariantCulture)));

        // x ↦ (tanh(−3x₀), tanh(2x₁)): every orbit ends on one of two 2-cycles (x₁ picks the sign), slowly enough that some starts
        // hit --max-iter 16 first: both labels, counted against census.json.
        string model = Path.Combine(CliRunner.TempDir(), "flip.safetensors");
        Safetensors.Write(model, [("layers.0.weight", [2, 2], [-3.0, 0, 0, 2.0]), ("layers.0.bias", [2], [0.0, 0.0])], new Dictionary<string, string> { ["activation"] = "tanh" });
        string dir2 = CliRunner.TempDir();
        var cyc = CliRunner.Invoke("census", "--model", model, "--starts", "300", "--max-iter", "16", "--no-plot", "--out", dir2);
        Assert.True(cyc.ExitCode == 0, cyc.Err);
        using var doc2 = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir2, "census.json")));
        JsonElement outcomes = doc2.RootElement.GetProperty("outcomes");
        List<string[]> rows2 = StartsCsv(dir2);
        Assert.True(outcomes.GetProperty("cycle").GetInt64() > 0 && outcomes.GetProperty("maxIterations").GetInt64() > 0);
        foreach (var (status, field) in new[] { ("converged", "converged"), ("cycle", "cycle"), ("diverged", "diverged"), ("max-iterations", "maxIterations") })
            Assert.Equal(outcomes.GetProperty(field).GetInt64(), rows2.LongCount(r => r[1] == status));
        var cycles = doc2.RootElement.GetProperty("cycles").EnumerateArray().ToList();
        Assert.Equal(2, cycles.Count);
        for (int k = 0; k < cycles.Count; k++)
            Assert.Equal(cycles[k].GetProperty("hits").GetInt64(), rows2.LongCount(r => r[1] == "cycle" && r[2] == k.ToString(CultureInfo.InvariantCulture)));
        Assert.All(rows2.Where(r => r[1] is not ("converged" or "cycle")), r => Assert.Equal("", r[2]));
    }

    /// <summary>x ↦ tanh(2x + b) as a 1×1 Fixpoint safetensors model.</summary>
    private static string FoldModel(double b)
    {
        string path = Path.Combine(CliRunner.TempDir(), "fold.safetensors");
        Safetensors.Write(path, [("layers.0.weight", [1, 1], [2.0]), ("layers.0.bias", [1], [b])], new Dictionary<string, string> { ["activation"] = "tanh" });
        return path;
    }

    /// <summary>
    /// Just past the fold (b = 0.54 &gt; b* ≈ 0.5328) the saddle–node pair of x = tanh(2x + b) has vanished, leaving its ghost: q has a
    /// non-zero local minimum where F′(x) = 2 sech²(2x + b) = 1, i.e. 2x + b = −arccosh(√2), x = −0.71068679…, with ρ = F′ = 1.
    /// </summary>
    [Fact]
    public void PastTheFoldTheGhostOfTheSaddleNodeIsASlowPoint()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--model", FoldModel(0.54), "--slow-points", "--starts", "40", "--box", "-2", "2", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("slow points: 1", run.Out);
        CensusFile c = CensusFile.Read(Path.Combine(dir, "census.json"));
        Assert.Single(c.FixedPoints);
        CensusSlowPoint s = Assert.Single(c.SlowPoints!);
        double expected = (-Math.Acosh(Math.Sqrt(2)) - 0.54) / 2;
        Assert.True(Math.Abs(s.X[0] - expected) <= 1e-8, $"slow point at {s.X[0]:R}, expected {expected:R}");
        double r = Math.Tanh(2 * expected + 0.54) - expected;
        Assert.Equal(Math.Abs(r), s.Residual, 1e-10);
        Assert.Equal(0.5 * r * r, s.Q, 1e-12);
        Assert.True(s.Q > 1e-6, "q is far above the fixed-point tolerance");
        Assert.Equal(1.0, s.SpectralRadius, 1e-7);
        Assert.Equal(1.0, Assert.Single(s.Eigenvalues).Real, 1e-7);
        Assert.True(s.Starts >= 1 && s.Starts < 40);
    }

    /// <summary>Before the fold (b = 0.5) every local minimum of q is a zero: three fixed points, no slow point.</summary>
    [Fact]
    public void BeforeTheFoldEveryMinimumIsAFixedPoint()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--model", FoldModel(0.5), "--slow-points", "--unstable", "--starts", "40", "--box", "-2", "2", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        CensusFile c = CensusFile.Read(Path.Combine(dir, "census.json"));
        Assert.Equal(3, c.FixedPoints.Count);
        Assert.Empty(c.SlowPoints!);
        // Without --slow-points the field is absent.
        var plain = CliRunner.Invoke("census", "--model", FoldModel(0.5), "--starts", "10", "--no-plot", "--out", dir);
        Assert.True(plain.ExitCode == 0, plain.Err);
        Assert.Null(CensusFile.Read(Path.Combine(dir, "census.json")).SlowPoints);
    }

    /// <summary>The Krylov path's modes (Ritz vectors, N = 120 past the dense cut-off) are eigenpairs of the dense path's J, with the same eigenvalues.</summary>
    [Fact]
    public void KrylovModesAreTheDenseModes()
    {
        CensusFile Run(string eigen)
        {
            string dir = CliRunner.TempDir();
            var run = CliRunner.Invoke("census", "--width", "120", "--depth", "2", "--weights", "gaussian(0.9)", "--seed", "5", "--starts", "8",
                "--eigen", eigen, "--no-plot", "--out", dir);
            Assert.True(run.ExitCode == 0, run.Err);
            return CensusFile.Read(Path.Combine(dir, "census.json"));
        }
        CensusFile dense = Run("dense"), krylov = Run("krylov");
        Assert.Equal(dense.FixedPoints.Count, krylov.FixedPoints.Count);
        for (int k = 0; k < dense.FixedPoints.Count; k++)
        {
            Assert.Equal(EigenMethod.Krylov, krylov.FixedPoints[k].EigenvalueMethod);
            var dm = dense.FixedPoints[k].Modes!;
            var km = krylov.FixedPoints[k].Modes!;
            Assert.Equal(dm.Count, km.Count);
            for (int i = 0; i < dm.Count; i++)
            {
                Assert.Equal(dm[i].Kind, km[i].Kind);
                Assert.True(Complex.Abs(dm[i].Eigenvalue - km[i].Eigenvalue) <= 1e-10, $"{dm[i].Eigenvalue} vs {km[i].Eigenvalue}");
                Assert.True(km[i].Residual <= 1e-10, $"Krylov mode residual {km[i].Residual:g}");
                // Unit vectors of one eigenvalue, both phased so the largest entry is real and positive: the same vector.
                if (km[i].VectorImaginary is null && Math.Abs(dm[i].Modulus - (i + 1 < dm.Count ? dm[i + 1].Modulus : 0)) > 1e-6)
                    Assert.True(dm[i].Vector.Zip(km[i].Vector, (a, b) => Math.Abs(a - b)).Max() <= 1e-8);
            }
        }
    }

    /// <summary>The dense eigenpairs are the eigenvalues of <see cref="Spectral.Eigenvalues"/>, bit for bit, each with a unit eigenvector.</summary>
    [Fact]
    public void EigenPairsHaveTheEigenvaluesBitForBit()
    {
        var rng = new Rng(3);
        int n = 9;
        double[] a = Enumerable.Range(0, n * n).Select(_ => rng.Normal()).ToArray();
        EigenPair[] pairs = Spectral.EigenPairs(a, n);
        Assert.Equal(Spectral.Eigenvalues(a, n), pairs.Select(p => p.Value).ToArray());
        Assert.Contains(pairs, p => p.Im is not null);
        foreach (EigenPair p in pairs)
        {
            Assert.True(Spectral.PairResidual(a, n, p.Re, p.Im, p.Value) <= 1e-12 * 10);
            Assert.Equal(1.0, Math.Sqrt(p.Re.Sum(v => v * v) + (p.Im?.Sum(v => v * v) ?? 0)), 12);
        }
    }

    /// <summary>A starts file named starts.csv inside --out would be overwritten by the census's labels: refused, and left as it was.</summary>
    [Fact]
    public void AStartsFileWhereStartsCsvGoesIsRefused()
    {
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "starts.csv");
        File.WriteAllText(path, "0.1,0.2\n0.3,0.4\n");
        var run = CliRunner.Invoke("census", "--width", "2", "--starts-file", path, "--no-plot", "--out", dir);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("is where the census writes its starts.csv", run.Err);
        Assert.Equal("0.1,0.2\n0.3,0.4\n", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("--slow-modes", "-1", "--slow-modes must be ≥ 0")]
    [InlineData("--trajectories", "-2", "--trajectories must be ≥ 0")]
    [InlineData("--trajectory-steps", "5", "--trajectory-steps needs --trajectories")]
    [InlineData("--slow-point-starts", "5", "--slow-point-starts needs --slow-points")]
    [InlineData("--trajectories", "50", "--trajectories 50 is more than the 10 starts")]
    public void BadOutputOptionsAreOneLineAndExitTwo(string option, string value, string message)
    {
        var run = CliRunner.Invoke("census", "--width", "2", "--starts", "10", option, value, "--no-plot", "--out", CliRunner.TempDir());
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Err);
    }
}
