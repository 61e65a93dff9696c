using System.Globalization;
using System.Text.Json;
using Fixpoint.Continuation;
using Fixpoint.Init;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Tests.Continuation;

/// <summary><c>fixpoint continue</c> end to end on safetensors models written here, against bifurcations known in closed form.</summary>
public sealed class ContinueCliTests
{
    private const double Located = 1e-8;

    internal sealed record Row(int Branch, double Parameter, double X0, int UnstableDims);

    internal sealed record Found(string Type, double Parameter, double[] Point, double? Angle, int[] NewBranches);

    internal static (CliRunner.Run Run, List<Row> Rows, List<Found> Bifurcations, JsonElement Root) Continue(Network model, params string[] args)
    {
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "net.safetensors");
        ModelFile.Save(model, path);
        string outDir = Path.Combine(dir, "out");
        CliRunner.Run run = CliRunner.Invoke(["continue", "--model", path, "--out", outDir, .. args]);
        Assert.True(run.ExitCode == 0, run.Err);
        var rows = File.ReadAllLines(Path.Combine(outDir, "branches.csv")).Skip(1).Select(l => l.Split(','))
            .Select(c => new Row(int.Parse(c[0], CultureInfo.InvariantCulture), D(c[1]), D(c[3]), int.Parse(c[^2], CultureInfo.InvariantCulture))).ToList();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "bifurcations.json")));
        JsonElement root = doc.RootElement.Clone();
        var found = root.GetProperty("bifurcations").EnumerateArray().Select(b => new Found(
            b.GetProperty("type").GetString()!, b.GetProperty("parameter").GetDouble(),
            [.. b.GetProperty("point").EnumerateArray().Select(v => v.GetDouble())],
            b.GetProperty("angle").ValueKind == JsonValueKind.Number ? b.GetProperty("angle").GetDouble() : null,
            [.. b.GetProperty("newBranches").EnumerateArray().Select(v => v.GetInt32())])).ToList();
        Assert.True(File.Exists(Path.Combine(outDir, "bifurcation.png")));
        return (run, rows, found, root);
    }

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public void SaveModelWritesTheGeneratedNetworkTheContinuationStartsFrom()
    {
        string dir = CliRunner.TempDir();
        string saved = Path.Combine(dir, "m.safetensors");
        CliRunner.Run run = CliRunner.Invoke("continue", "--width", "3", "--depth", "1", "--seed", "4", "--param", "weight-scale", "--from", "0.5", "--to", "0.6",
            "--starts", "20", "--max-steps", "20", "--no-plot", "--save-model", saved, "--out", Path.Combine(dir, "out"));
        Assert.True(run.ExitCode == 0, run.Err);
        Network net = ModelFile.Load(saved);
        Assert.Equal((3, 1), (net.Dimension, net.Depth));
        // The same flags build the same network for a census, which writes it beside its results.
        CliRunner.Run census = CliRunner.Invoke("census", "--width", "3", "--depth", "1", "--seed", "4", "--starts", "4", "--no-plot", "--out", Path.Combine(dir, "census"));
        Assert.True(census.ExitCode == 0, census.Err);
        Assert.Equal(ModelFile.Load(Path.Combine(dir, "census", "network.safetensors")).Layers[0].Weight, net.Layers[0].Weight);
    }

    [Fact]
    public void PitchforkOfTanhWxIsABranchPointAtOneWithBothNewBranchesFollowed()
    {
        var (_, rows, found, _) = Continue(TestNetworks.Scalar(1, 0), "--param", "weight-scale", "--from", "0.5", "--to", "2");
        Found bp = Assert.Single(found);
        Assert.Equal("branch-point", bp.Type);
        Assert.True(Math.Abs(bp.Parameter - 1) <= Located, $"branch point at w = {bp.Parameter:R}");
        Assert.True(Math.Abs(bp.Point[0]) <= 1e-8);
        Assert.Single(bp.NewBranches);
        // x* = tanh(2x*) at w = 2, on both sides of the switched branch; x = 0 on the trivial one.
        const double xStar = 0.9575040240772688;
        var atEnd = rows.Where(r => r.Parameter == 2).ToList();
        Assert.Contains(atEnd, r => Math.Abs(r.X0 - xStar) <= Located && r.Branch == bp.NewBranches[0]);
        Assert.Contains(atEnd, r => Math.Abs(r.X0 + xStar) <= Located && r.Branch == bp.NewBranches[0]);
        Assert.Contains(atEnd, r => Math.Abs(r.X0) <= 1e-12 && r.UnstableDims == 1);
        // The origin is stable below w = 1 and unstable above; the new branches are stable.
        Assert.All(rows.Where(r => r.Branch == 0 && r.Parameter < 0.999), r => Assert.Equal(0, r.UnstableDims));
        Assert.All(rows.Where(r => r.Branch == bp.NewBranches[0]), r => Assert.Equal(0, r.UnstableDims));
    }

    [Fact]
    public void TanhSCurveHasTwoFoldsAtPlusMinusTheKnownBias()
    {
        var (_, rows, found, _) = Continue(TestNetworks.Scalar(2, 0), "--param", "bias-shift", "--from", "-1", "--to", "1");
        // Folds where 2(1 − x²) = 1: x = ±1/√2, b = ∓(atanh(1/√2) − √2).
        double bFold = Math.Atanh(1 / Math.Sqrt(2)) - Math.Sqrt(2);
        Assert.Equal(2, found.Count);
        Assert.All(found, f => Assert.Equal("fold", f.Type));
        Found lower = found.MinBy(f => f.Parameter)!, upper = found.MaxBy(f => f.Parameter)!;
        Assert.True(Math.Abs(lower.Parameter - bFold) <= Located, $"fold at {lower.Parameter:R}, expected {bFold:R}");
        Assert.True(Math.Abs(upper.Parameter + bFold) <= Located, $"fold at {upper.Parameter:R}, expected {-bFold:R}");
        Assert.True(Math.Abs(lower.Point[0] - 1 / Math.Sqrt(2)) <= 1e-4);
        Assert.True(Math.Abs(upper.Point[0] + 1 / Math.Sqrt(2)) <= 1e-4);
        // One branch from b = −1 to b = 1 through both folds: its middle part is unstable, the rest stable.
        Assert.All(rows, r => Assert.Equal(0, r.Branch));
        Assert.Contains(rows, r => r.Parameter == 1 && r.X0 > 0.9);
        Assert.Contains(rows, r => r.UnstableDims == 1 && Math.Abs(r.X0) < 0.5);
        Assert.All(rows, r => Assert.True(Math.Abs(Math.Atanh(r.X0) - 2 * r.X0 - r.Parameter) <= 1e-9));
    }

    [Fact]
    public void TanhOfMinusWxHasAFlipAtOne()
    {
        var (_, _, found, _) = Continue(TestNetworks.Scalar(-1, 0), "--param", "weight-scale", "--from", "0.5", "--to", "2");
        Found flip = Assert.Single(found);
        Assert.Equal("flip", flip.Type);
        Assert.True(Math.Abs(flip.Parameter - 1) <= Located, $"flip at {flip.Parameter:R}");
    }

    [Fact]
    public void RotatedTanhHasANeimarkSackerAtOneWithAngleOneHalf()
    {
        double c = Math.Cos(0.5), s = Math.Sin(0.5);
        var (_, _, found, _) = Continue(TestNetworks.Dense(2, [c, -s, s, c], [0, 0]), "--param", "weight-scale", "--from", "0.5", "--to", "2");
        Found ns = Assert.Single(found);
        Assert.Equal("neimark-sacker", ns.Type);
        Assert.True(Math.Abs(ns.Parameter - 1) <= Located, $"Neimark–Sacker at {ns.Parameter:R}");
        Assert.True(Math.Abs(ns.Angle!.Value - 0.5) <= Located, $"angle {ns.Angle:R}");
    }

    [Fact]
    public void WideRandomNetworkLosesStabilityWhereTheDenseSpectralRadiusIsOne()
    {
        var spec = new RandomNetworkSpec(64, 2, new TanhActivation(), WeightLaw.Parse("gaussian(1)"), WeightLaw.Parse("gaussian(0.1)"), ScaleConvention.InverseSqrtN, false, false, 3);
        Network net = spec.Build();
        var (_, rows, found, _) = Continue(net, "--param", "weight-scale", "--from", "0.5", "--to", "2.5", "--starts", "20", "--max-steps", "400");
        // The first bifurcation met on the branch from the census at s = 0.5 (where the fixed point is unique and stable).
        Found first = found.Where(f => f.Type != "fold").MinBy(f => f.Parameter)!;
        Assert.NotNull(first);
        IMap map = new WeightScaleFamily(net).At(first.Parameter);
        var jac = new double[64 * 64];
        map.Jacobian(first.Point, jac);
        double rho = Spectral.SpectralRadius(jac, 64);
        Assert.True(Math.Abs(rho - 1) <= 1e-6, $"ρ(J) = {rho:R} at s = {first.Parameter:R} ({first.Type})");
        Assert.All(rows.Where(r => r.Branch == 0 && r.Parameter < first.Parameter - 1e-6), r => Assert.Equal(0, r.UnstableDims));
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("tensor:layers.0.weight")]
    [InlineData("tensor:layers.7.weight[0,0]")]
    [InlineData("hold:input[0]")]
    [InlineData("m")]
    public void BadParameterIsOneLineAndExitTwo(string param)
    {
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "net.safetensors");
        ModelFile.Save(TestNetworks.Scalar(1, 0), path);
        CliRunner.Run run = CliRunner.Invoke("continue", "--model", path, "--param", param, "--from", "0.5", "--to", "2", "--out", Path.Combine(dir, "out"));
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.StartsWith("error:", run.Err);
    }

    [Fact]
    public void StartingPointsComeFromACensusFileWhenGiven()
    {
        // The census of tanh(0.5·x) is the weight-scale family of tanh(x) at s = 0.5.
        string dir = CliRunner.TempDir();
        string half = Path.Combine(dir, "half.safetensors");
        ModelFile.Save(TestNetworks.Scalar(0.5, 0), half);
        Assert.Equal(0, CliRunner.Invoke("census", "--model", half, "--starts", "20", "--no-plot", "--out", Path.Combine(dir, "census")).ExitCode);
        string census = Path.Combine(dir, "census", "census.json");
        var (run, _, found, root) = Continue(TestNetworks.Scalar(1, 0), "--param", "weight-scale", "--from", "0.5", "--to", "2", "--from-census", census, "--y", "norm");
        Assert.DoesNotContain("census at", run.Err);
        Assert.Equal(1, root.GetProperty("startingPoints").GetInt32());
        Assert.True(Math.Abs(Assert.Single(found).Parameter - 1) <= Located);
        // A census of another dimension is refused in one line.
        string two = Path.Combine(dir, "two.safetensors");
        ModelFile.Save(TestNetworks.Dense(2, [0.5, 0, 0, 0.5], [0, 0]), two);
        CliRunner.Run bad = CliRunner.Invoke("continue", "--model", two, "--param", "weight-scale", "--from", "0.5", "--to", "2", "--from-census", census, "--out", Path.Combine(dir, "bad"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("dimension", bad.Err);
    }

    [Fact]
    public void EmptyRangeIsRefused()
    {
        CliRunner.Run run = CliRunner.Invoke("continue", "--param", "weight-scale", "--from", "1", "--to", "1", "--out", Path.Combine(CliRunner.TempDir(), "o"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("empty", run.Err);
    }

    [Fact]
    public void TensorElementParameterMatchesWeightScaleOfAOneByOneNetwork()
    {
        var (_, _, found, _) = Continue(TestNetworks.Scalar(0.5, 0), "--param", "tensor:layers.0.weight[0,0]", "--from", "0.5", "--to", "2");
        Found bp = Assert.Single(found);
        Assert.Equal("branch-point", bp.Type);
        Assert.True(Math.Abs(bp.Parameter - 1) <= Located);
    }

    [Fact]
    public void CancelledRunKeepsWhatWasTracedMarkedPartial()
    {
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "net.safetensors");
        ModelFile.Save(TestNetworks.Scalar(2, 0), path);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        CliRunner.Run run = CliRunner.Invoke(cts.Token, "continue", "--model", path, "--param", "bias-shift", "--from", "-1", "--to", "1", "--out", Path.Combine(dir, "out"));
        Assert.Equal(130, run.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "out", "bifurcations.json")));
        Assert.True(doc.RootElement.GetProperty("partial").GetBoolean());
    }
}
