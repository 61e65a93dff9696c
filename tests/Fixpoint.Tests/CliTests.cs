using System.Text.Json;
using Fixpoint.IO;
using Fixpoint.Maps;

namespace Fixpoint.Tests;

public class CliTests
{
    [Fact]
    public void DefaultCensusPrintsItsFixedPointsAndWritesTheContract()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--out", dir, "--starts", "300");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("fixed points:", run.Out);
        Assert.DoesNotContain("\u001b[", run.Out); // no escape codes when redirected
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "census.json")));
        JsonElement root = doc.RootElement;
        foreach (string key in new[] { "dimension", "starts", "seed", "solver", "outcomes", "fixedPoints", "cycles", "estimatedMissing", "elapsedSeconds" })
            Assert.True(root.TryGetProperty(key, out _), key);
        foreach (string key in new[] { "converged", "cycle", "diverged", "maxIterations" })
            Assert.True(root.GetProperty("outcomes").TryGetProperty(key, out _), key);
        JsonElement fp = root.GetProperty("fixedPoints")[0];
        foreach (string key in new[] { "x", "residual", "spectralRadius", "stability", "unstableDimensions", "eigenvalues", "hits", "basinFraction", "basinCI95" })
            Assert.True(fp.TryGetProperty(key, out _), key);
        foreach (string key in new[] { "chao1", "stdError", "coverage" })
            Assert.True(root.GetProperty("estimatedMissing").TryGetProperty(key, out _), key);
        Assert.True(File.Exists(Path.Combine(dir, "fixed_points.csv")));
        Assert.True(new FileInfo(Path.Combine(dir, "census.png")).Length > 10_000);
    }

    /// <summary>Issue 2 acceptance: a 1×1 network with w = 2 has exactly 0 (unstable) and ±0.95750402 (stable).</summary>
    [Fact]
    public void TanhW2ModelWithNewtonHasExactlyThreeFixedPoints()
    {
        string dir = CliRunner.TempDir();
        string model = Path.Combine(dir, "tanh_w2.safetensors");
        ModelFile.Save(TestNetworks.Scalar(2, 0), model);
        var run = CliRunner.Invoke("census", "--model", model, "--solver", "newton", "--starts", "200", "--box", "-2", "2", "--out", Path.Combine(dir, "d"));
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "d", "census.json")));
        var fps = doc.RootElement.GetProperty("fixedPoints").EnumerateArray()
            .Select(f => (X: f.GetProperty("x")[0].GetDouble(), S: f.GetProperty("stability").GetString())).OrderBy(f => f.X).ToArray();
        Assert.Equal(3, fps.Length);
        Assert.True(Math.Abs(fps[0].X + TestNetworks.Tanh2Root) <= 1e-9 && fps[0].S == "stable");
        Assert.True(Math.Abs(fps[1].X) <= 1e-9 && fps[1].S == "unstable");
        Assert.True(Math.Abs(fps[2].X - TestNetworks.Tanh2Root) <= 1e-9 && fps[2].S == "stable");
    }

    /// <summary>Issue 3 acceptance: every fixed point in census.json has ‖F(x) − x‖∞ ≤ 1e-10 when recomputed from the saved model.</summary>
    [Fact]
    public void ResidualsRecomputedFromTheSavedModelAreTiny()
    {
        string dir = CliRunner.TempDir();
        string model = Path.Combine(dir, "poly.safetensors");
        var run = CliRunner.Invoke("census", "--network", "ke2024-poly", "--dim", "2", "--m", "100", "--unstable", "--box", "-3", "3",
            "--starts", "2000", "--out", dir, "--save-model", model, "--no-plot");
        Assert.Equal(0, run.ExitCode);
        Network net = ModelFile.Load(model);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "census.json")));
        var fps = doc.RootElement.GetProperty("fixedPoints").EnumerateArray().ToList();
        Assert.Equal(16, fps.Count);
        Assert.Equal(4, fps.Count(f => f.GetProperty("stability").GetString() == "stable"));
        Assert.Equal(8, fps.Count(f => f.GetProperty("unstableDimensions").GetInt32() == 1));
        Assert.Equal(4, fps.Count(f => f.GetProperty("unstableDimensions").GetInt32() == 2));
        var y = new double[2];
        foreach (JsonElement f in fps)
        {
            double[] x = f.GetProperty("x").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            net.Evaluate(x, y);
            Assert.True(Math.Max(Math.Abs(y[0] - x[0]), Math.Abs(y[1] - x[1])) <= 1e-10);
        }
    }

    [Fact]
    public void StartsFromTheShippedDigits()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--width", "64", "--depth", "2", "--starts-dataset", "digits", "--out", dir, "--no-plot");
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "census.json")));
        Assert.Equal(1797, doc.RootElement.GetProperty("starts").GetInt32());
        var bad = CliRunner.Invoke("census", "--width", "8", "--starts-dataset", "digits", "--out", dir);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("64 columns but the network has dimension 8", bad.Err);
    }

    [Fact]
    public void AllDivergingNetworkExitsZeroWithQZero()
    {
        string dir = CliRunner.TempDir();
        string model = Path.Combine(dir, "expand.safetensors");
        ModelFile.Save(TestNetworks.Scalar(3, 1, "identity"), model);
        var run = CliRunner.Invoke("census", "--model", model, "--starts", "50", "--box", "0", "1", "--out", dir);
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "census.json")));
        Assert.Equal(0, doc.RootElement.GetProperty("q").GetInt32());
        Assert.Equal(50, doc.RootElement.GetProperty("outcomes").GetProperty("diverged").GetInt32());
    }

    [Fact]
    public void InterruptedCensusStillWritesItsPartialResult()
    {
        string dir = CliRunner.TempDir();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var run = CliRunner.Invoke(cts.Token, "census", "--out", dir, "--starts", "100");
        Assert.Equal(130, run.ExitCode);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "census.json")));
        Assert.True(doc.RootElement.GetProperty("partial").GetBoolean());
    }

    [Fact]
    public void SameSeedGivesTheSameCensusWithOneThreadAndAll()
    {
        string a = CliRunner.TempDir(), b = CliRunner.TempDir();
        string[] common = ["census", "--width", "5", "--weights", "cauchy(1)", "--scaling", "1/n", "--seed", "8", "--starts", "400", "--no-plot"];
        Assert.Equal(0, CliRunner.Invoke([.. common, "--threads", "1", "--out", a]).ExitCode);
        Assert.Equal(0, CliRunner.Invoke([.. common, "--threads", "2", "--out", b]).ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(a, "fixed_points.csv")), File.ReadAllText(Path.Combine(b, "fixed_points.csv")));
    }

    public static TheoryData<string, string[]> BadArguments => new()
    {
        { "--starts must be", ["census", "--starts", "0"] },
        { "--atol must be", ["census", "--atol", "-1e-3"] },
        { "--box", ["census", "--box", "1", "1"] },
        { "--box", ["census", "--box", "2", "-2"] },
        { "Unrecognized", ["census", "--no-such-option"] },
        { "unknown --solver", ["census", "--solver", "broyden"] },
        { "--weights", ["census", "--weights", "lognormal(1)"] },
        { "--activation", ["census", "--activation", "swish"] },
        { "--width applies to random networks only", ["census", "--network", "ke2024-poly", "--width", "3"] },
        { "--dim must be", ["census", "--network", "ke2024-poly", "--dim", "0"] },
        { "no such file", ["census", "--model", "/nonexistent/net.safetensors"] },
        { "--unique-tol", ["census", "--unique-tol", "0"] },
        { "--max-iter", ["census", "--max-iter", "0"] },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void BadArgumentsExitTwoWithOneLine(string expected, string[] args)
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke([.. args, "--out", dir]);
        AssertBadInput(run, expected);
        Assert.False(File.Exists(Path.Combine(dir, "census.json")));
    }

    public static TheoryData<string, string> BadModels()
    {
        var d = new TheoryData<string, string>
        {
            { "beyond the file", "truncated" },
            { "not valid JSON", "garbled" },
            { "lie outside", "offsets" },
            { "overlap", "overlap" },
            { "unsupported dtype", "dtype" },
            { "data bytes", "bytes" },
            { "not square", "nonsquare" },
            { "reads 3 numbers but the layer before writes 2", "mismatch" },
            { "non-finite", "nan" },
            { "non-finite", "inf" },
        };
        return d;
    }

    [Theory]
    [MemberData(nameof(BadModels))]
    public void BadModelFilesExitTwoWithOneLineAndKeepEarlierResults(string expected, string kind)
    {
        string dir = CliRunner.TempDir();
        // An earlier good run in the same folder must survive the bad one untouched.
        Assert.Equal(0, CliRunner.Invoke("census", "--starts", "50", "--out", dir, "--no-plot").ExitCode);
        string before = File.ReadAllText(Path.Combine(dir, "census.json"));
        string model = Path.Combine(dir, kind + ".safetensors");
        WriteBadModel(model, kind);
        var run = CliRunner.Invoke("census", "--model", model, "--out", dir);
        AssertBadInput(run, expected);
        Assert.Equal(before, File.ReadAllText(Path.Combine(dir, "census.json")));
    }

    [Theory]
    [InlineData("error: --history applies to anderson only, not picard", new[] { "--solver", "picard", "--history", "7" })]
    [InlineData("error: --damping applies to picard only, not newton", new[] { "--solver", "newton", "--damping", "0.5" })]
    [InlineData("error: --history applies to anderson only, not newton", new[] { "--solver", "newton", "--history", "7" })]
    [InlineData("error: --damping applies to picard only, not anderson", new[] { "--solver", "anderson", "--damping", "0.5" })]
    [InlineData("error: --history applies to anderson only, not picard", new[] { "--history", "7" })]
    [InlineData("error: --history must be in 1 … 50 (got 70)", new[] { "--solver", "anderson", "--history", "70" })]
    [InlineData("error: --damping must be in (0, 1] (got 1.5)", new[] { "--damping", "1.5" })]
    [InlineData("error: --armijo-c must be in (0, 0.5) (got 0.7)", new[] { "--solver", "newton", "--armijo-c", "0.7" })]
    [InlineData("error: --max-period must be in 1 … 64 (got 65)", new[] { "--max-period", "65" })]
    [InlineData("error: --margin must be in [0, 1) (got 1)", new[] { "--margin", "1" })]
    [InlineData("error: --atol and --rtol are both 0: nothing could converge", new[] { "--atol", "0" })]
    public void CensusRefusesASolverOptionThatDoesNotApplyOrIsOutOfRange(string line, string[] args)
    {
        string dir = CliRunner.TempDir();
        string outDir = Path.Combine(dir, "out"), model = Path.Combine(dir, "m.safetensors");
        var run = CliRunner.Invoke(["census", "--starts", "20", "--no-plot", "--out", outDir, "--save-model", model, .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal([line], run.Err.TrimEnd('\n', '\r').Split('\n'));
        Assert.False(Directory.Exists(outDir));
        Assert.False(File.Exists(model));
    }

    [Theory]
    [InlineData("error: --same-tol must be > 0 (got 0)", "--same-tol", "0")]
    [InlineData("error: --max-iter must be ≥ 1 (got 0)", "--max-iter", "0")]
    public void ApplicationVerbsNameTheOptionARecordRefuses(string line, string option, string value)
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("classify", "--model", Path.Combine(dir, "none.safetensors"), option, value, "--out", Path.Combine(dir, "out"));
        Assert.Equal(2, run.ExitCode);
        Assert.Equal([line], run.Err.TrimEnd('\n', '\r').Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Fact]
    public void CensusAcceptsTheOptionsOfTheChosenSolver()
    {
        string dir = CliRunner.TempDir();
        foreach (string[] args in new[] { new[] { "--solver", "anderson", "--history", "3", "--mixing", "0.5", "--ridge", "1e-8" }, ["--solver", "newton", "--max-backtracks", "5", "--armijo-c", "0.1"], ["--damping", "0.5"] })
        {
            var run = CliRunner.Invoke(["census", "--starts", "20", "--no-plot", "--out", Path.Combine(dir, args[^1]), .. args]);
            Assert.Equal(0, run.ExitCode);
        }
    }

    /// <summary>--save-model is written by the verb once it has its network: the same bytes as the network beside the census, and as eval writes.</summary>
    [Fact]
    public void SaveModelWritesTheNetworkAnalysed()
    {
        string dir = CliRunner.TempDir();
        string[] net = ["--width", "4", "--depth", "2", "--seed", "3"];
        Assert.Equal(0, CliRunner.Invoke(["census", .. net, "--starts", "20", "--no-plot", "--out", dir, "--save-model", Path.Combine(dir, "saved.safetensors")]).ExitCode);
        byte[] saved = File.ReadAllBytes(Path.Combine(dir, "saved.safetensors"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "network.safetensors")), saved);
        string points = Path.Combine(dir, "p.csv");
        File.WriteAllText(points, "0,0,0,0\n");
        Assert.Equal(0, CliRunner.Invoke(["eval", .. net, "--points", points, "--save-model", Path.Combine(dir, "eval.safetensors")]).ExitCode);
        Assert.Equal(saved, File.ReadAllBytes(Path.Combine(dir, "eval.safetensors")));
        var expected = new Init.RandomNetworkSpec(4, 2, new TanhActivation(), Init.WeightLaw.Parse(Fixpoint.Cli.NetworkOptions.DefaultWeights), Init.WeightLaw.Parse("gaussian(0.1)"),
            Init.ScaleConvention.InverseSqrtN, false, false, 3).Build();
        Network loaded = ModelFile.Load(Path.Combine(dir, "saved.safetensors"));
        var x = new double[] { 0.1, -0.2, 0.3, 0.4 };
        var y1 = new double[4];
        var y2 = new double[4];
        loaded.Evaluate(x, y1);
        expected.Evaluate(x, y2);
        Assert.Equal(y2, y1);
    }

    private static void AssertBadInput(CliRunner.Run run, string expected)
    {
        Assert.Equal(2, run.ExitCode);
        string err = run.Err.TrimEnd('\n', '\r');
        Assert.DoesNotContain('\n', err);
        Assert.StartsWith("error: ", err);
        Assert.Contains(expected, err);
        Assert.DoesNotContain("   at ", run.Err);
    }

    private static void WriteBadModel(string path, string kind)
    {
        byte[] good8 = new byte[8];
        switch (kind)
        {
            case "truncated":
                ModelFile.Save(TestNetworks.Scalar(2, 0), path);
                byte[] all = File.ReadAllBytes(path);
                File.WriteAllBytes(path, all[..20]);
                break;
            case "garbled": File.WriteAllBytes(path, SafetensorsTests.File("{\"layers.0.weight\": {\"dtype\": \"F64\",, ]", good8)); break;
            case "offsets": File.WriteAllBytes(path, SafetensorsTests.File(SafetensorsTests.Tensor("layers.0.weight", "F64", "[1,1]", 8, 16), good8)); break;
            case "overlap":
                File.WriteAllBytes(path, SafetensorsTests.File("{" + SafetensorsTests.Tensor("layers.0.weight", "F64", "[1,1]", 0, 8)[1..^1] + ","
                    + SafetensorsTests.Tensor("layers.0.bias", "F64", "[1]", 0, 8)[1..^1] + "}", good8));
                break;
            case "dtype": File.WriteAllBytes(path, SafetensorsTests.File(SafetensorsTests.Tensor("layers.0.weight", "C64", "[1,1]", 0, 8), good8)); break;
            case "bytes": File.WriteAllBytes(path, SafetensorsTests.File(SafetensorsTests.Tensor("layers.0.weight", "F64", "[1,2]", 0, 8), good8)); break;
            case "nonsquare":
                Safetensors.Write(path, [("layers.0.weight", [3, 2], new double[6]), ("layers.0.bias", [3], new double[3])], Meta());
                break;
            case "mismatch":
                Safetensors.Write(path, [("layers.0.weight", [2, 2], new double[4]), ("layers.1.weight", [2, 3], new double[6])], Meta());
                break;
            case "nan":
                Safetensors.Write(path, [("layers.0.weight", [2, 2], [1, double.NaN, 0, 1])], Meta());
                break;
            case "inf":
                Safetensors.Write(path, [("layers.0.weight", [1, 1], [1.0]), ("layers.0.bias", [1], [double.PositiveInfinity])], Meta());
                break;
            default: throw new ArgumentException(kind);
        }
    }

    private static Dictionary<string, string> Meta() => new() { ["activation"] = "tanh" };
}

public class CertifyCliTests
{
    /// <summary>Issue 5 acceptance: complete enumeration proves exactly 16 fixed points for paper A's d = 2 network.</summary>
    [Fact]
    public void EnumerationProvesSixteenFixedPointsForPaperAPolynomialNetwork()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("certify", "--network", "ke2024-poly", "--dim", "2", "--m", "100", "--enumerate", "--box", "-3", "3", "--out", dir);
        Assert.Equal(0, run.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "certify.json")));
        Assert.Equal(16, doc.RootElement.GetProperty("provenCount").GetInt32());
        Assert.Equal(0, doc.RootElement.GetProperty("undecided").GetArrayLength());
        Assert.Equal(16, doc.RootElement.GetProperty("certified").GetArrayLength());
    }

    [Fact]
    public void AroundACensusCertifiesEveryPointFromTheSavedNetwork()
    {
        string dir = CliRunner.TempDir();
        Assert.Equal(0, CliRunner.Invoke("census", "--network", "ke2024-poly", "--dim", "2", "--m", "100", "--unstable", "--box", "-3", "3", "--starts", "400", "--out", dir, "--no-plot").ExitCode);
        var run = CliRunner.Invoke("certify", "--around", Path.Combine(dir, "census.json"), "--out", Path.Combine(dir, "cert"));
        Assert.Equal(0, run.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "cert", "certify.json")));
        var certified = doc.RootElement.GetProperty("certified").EnumerateArray().ToList();
        Assert.Equal(16, certified.Count);
        Assert.All(certified, c => Assert.True(c.GetProperty("radius").GetDouble() > 1e-3));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, doc.RootElement.GetProperty("provenCount").ValueKind);
    }

    [Fact]
    public void RegionCertificateNamesTheFailingCondition()
    {
        string dir = CliRunner.TempDir();
        var ok = CliRunner.Invoke("certify", "--network", "ke2024-poly", "--dim", "2", "--m", "100", "--region", "1.302,1.502", "--region", "-0.3,0.3", "--out", dir);
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("CERTIFIED", ok.Out);
        var bad = CliRunner.Invoke("certify", "--network", "ke2024-poly", "--dim", "2", "--m", "100", "--region", "0.5,1.502", "--out", dir);
        Assert.Equal(0, bad.ExitCode);
        Assert.Contains("inclusion fails in coordinate 0", bad.Out);
    }

    [Fact]
    public void ReproduceKe2024WritesTheTableAndFigures()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("reproduce", "ke2024", "--max-dim", "2", "--max-enumeration-dim", "2", "--out", dir);
        Assert.Equal(0, run.ExitCode);
        foreach (string f in new[] { "fig1.png", "fig2.png", "fig3.png" })
            Assert.True(new FileInfo(Path.Combine(dir, f)).Length > 20_000, f);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "table.json")));
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(2 * 2 * 3, rows.Count); // two networks, d = 1, 2, m = 5, 15, 100
        var poly2 = rows.Single(r => r.GetProperty("network").GetString() == "ke2024-poly" && r.GetProperty("d").GetInt32() == 2 && r.GetProperty("m").GetDouble() == 100);
        Assert.Equal(4, poly2.GetProperty("regionsCertified").GetInt32());
        Assert.Equal(16, poly2.GetProperty("provenCount").GetInt32());
        Assert.Contains("| ke2024-exp |", File.ReadAllText(Path.Combine(dir, "table.md")));
    }

    [Theory]
    [InlineData("say what to certify", new[] { "certify", "--network", "ke2024-poly" })]
    [InlineData("--region '1.5' is not LO,HI", new[] { "certify", "--network", "ke2024-poly", "--region", "1.5" })]
    [InlineData("give one (for every coordinate) or 2", new[] { "certify", "--network", "ke2024-poly", "--region", "0,1", "1,2", "2,3" })]
    [InlineData("no such file", new[] { "certify", "--around", "/nonexistent/census.json" })]
    [InlineData("--max-boxes must be", new[] { "certify", "--network", "ke2024-poly", "--enumerate", "--max-boxes", "0" })]
    public void BadCertifyArgumentsExitTwo(string expected, string[] args)
    {
        var run = CliRunner.Invoke([.. args, "--out", CliRunner.TempDir()]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Err);
        Assert.Single(run.Err.TrimEnd().Split('\n'));
    }
}
