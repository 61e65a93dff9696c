using System.Text.Json;
using System.Text.Json.Nodes;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Onnx;

namespace Fixpoint.Tests.Interop;

/// <summary>Issue 9: ONNX models through the CLI, and the acceptance checks of exact import.</summary>
public class OnnxCliTests
{
    private static readonly string[] CensusArgs = ["--unstable", "--starts", "200", "--box", "-2", "2", "--no-plot"];

    private static JsonNode Census(string model, params string[] extra)
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke(["census", "--model", model, .. CensusArgs, .. extra, "--out", dir]);
        Assert.True(run.ExitCode == 0, run.Err);
        return JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "census.json")))!;
    }

    private static (double[] X, string Stability)[] Points(JsonNode census) =>
        census["fixedPoints"]!.AsArray()
            .Select(f => (f!["x"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray(), f["stability"]!.GetValue<string>()))
            .OrderBy(p => p.Item1, Fixpoint.Numerics.LexicographicComparer.Instance).ToArray();

    /// <summary>Acceptance: the ONNX tanh MLP (run by the native interpreter) and the same weights as safetensors have the same fixed points and verdicts.</summary>
    [Theory]
    [InlineData("tanh_mlp_f64.onnx", 1e-9)]
    [InlineData("tanh_mlp.onnx", 1e-6)]
    public void OnnxAndSafetensorsTwinsHaveTheSameFixedPoints(string onnx, double tol)
    {
        var native = Points(Census(Fixtures.Path("tanh_mlp.safetensors")));
        JsonNode ortCensus = Census(Fixtures.Path(onnx));
        var ort = Points(ortCensus);
        Assert.Equal(5, native.Length);
        Assert.Equal(native.Length, ort.Length);
        for (int k = 0; k < native.Length; k++)
        {
            double d = native[k].X.Zip(ort[k].X, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(d <= tol, $"{onnx} fixed point {k}: ∞-distance {d:g3} to the native one");
            Assert.Equal(native[k].Stability, ort[k].Stability);
        }
        Assert.Equal("exact", ortCensus["jacobian"]!.GetValue<string>());
        Assert.Equal("native", ortCensus["evaluator"]!.GetValue<string>());
        foreach (JsonNode? f in ortCensus["fixedPoints"]!.AsArray())
            Assert.False(f!["stabilityUncertain"]!.GetValue<bool>());
    }

    /// <summary>Acceptance: fixpoint import of the ONNX tanh MLP writes a network whose census equals the native one exactly.</summary>
    [Fact]
    public void ImportedNetworkHasExactlyTheNativeCensus()
    {
        string dir = CliRunner.TempDir();
        string imported = Path.Combine(dir, "sub", "imported.safetensors");
        var run = CliRunner.Invoke("import", Fixtures.Path("tanh_mlp.onnx"), "--out", imported);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("2 layer(s) 4→4→4, activation tanh", run.Out);
        Assert.Contains("check: max |F_imported − F_onnxruntime|", run.Out);
        JsonNode a = Census(imported), b = Census(Fixtures.Path("tanh_mlp.safetensors"));
        Assert.True(JsonNode.DeepEquals(a["fixedPoints"], b["fixedPoints"]), "fixedPoints differ");
        Assert.True(JsonNode.DeepEquals(a["cycles"], b["cycles"]), "cycles differ");
        Assert.Equal("exact", a["jacobian"]!.GetValue<string>());
        Assert.Equal("tanh_mlp.onnx", Safetensors.Read(imported).Metadata["importedFrom"]);
    }

    [Theory]
    [InlineData("tanh_mul.onnx", "is not a plain MLP, so it does not import exactly: node 'scale' (Mul)")]
    [InlineData("two_inputs.onnx", "the model has 2 inputs (x, z); a map needs exactly one")]
    [InlineData("not_square.onnx", "a map needs equal sizes")]
    [InlineData("garbage.onnx", "not an ONNX model")]
    [InlineData("no-such-model.onnx", "no such file")]
    public void ImportRefusalsExitTwoWithOneLine(string file, string message)
    {
        string dir = CliRunner.TempDir();
        string target = Path.Combine(dir, "x.safetensors");
        var run = CliRunner.Invoke("import", Fixtures.Path(file), "--out", target);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Err);
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.False(File.Exists(target));
    }

    [Theory]
    [InlineData("garbage.onnx", "not an ONNX model")]
    [InlineData("two_inputs.onnx", "--state")]
    [InlineData("not_square.onnx", "a map needs equal sizes")]
    [InlineData("no-such-model.onnx", "no such file")]
    public void CensusOfABadOnnxFileExitsTwoWithOneLine(string file, string message)
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--model", Fixtures.Path(file), "--out", dir, "--starts", "10");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Err);
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "census.json")));
    }

    [Fact]
    public void NonMlpOnnxRunsTheCensusButNotVerbsThatNeedAnExactModel()
    {
        // hardsigmoid_f32 ends in HardSigmoid, outside the native set: it runs through ONNX Runtime, float32, and the float32 defaults are announced.
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--model", Fixtures.Path("torch/hardsigmoid_f32.onnx"), "--starts", "50", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("note: the model computes in float32; using --atol 1e-06 --polish-tol 1e-06 --unique-tol 0.0001", run.Err);
        JsonNode c = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "census.json")))!;
        Assert.Equal(1e-6, c["options"]!["atol"]!.GetValue<double>());

        // eval accepts every model the census accepts (issue 14): a plain MLP, and tanh_mul through ONNX Runtime.
        string points = Path.Combine(dir, "p.csv");
        File.WriteAllText(points, "0.1,0.2,0.3,0.4\n");
        var ok = CliRunner.Invoke("eval", "--model", Fixtures.Path("tanh_mlp.onnx"), "--points", points);
        Assert.True(ok.ExitCode == 0, ok.Err);
        var viaAnyModel = CliRunner.Invoke("eval", "--model", Fixtures.Path("tanh_mul.onnx"), "--points", points);
        Assert.True(viaAnyModel.ExitCode == 0, viaAnyModel.Err);
        Assert.Contains("evaluator native", viaAnyModel.Err);
        Assert.Equal(4, viaAnyModel.Out.Trim().Split(',').Length);
        Assert.Equal("fixpoint certify needs an exact model (a Fixpoint safetensors file, or an ONNX graph that is a plain MLP of Gemm, MatMul, Add, Tanh, Sigmoid, Relu, LeakyRelu, Softplus, Sin and Identity)",
            MapFile.ExactModelRequired("certify", "m.onnx", "why").Split(';')[0]);
        Assert.Throws<ModelFormatException>(() => MapFile.LoadExact(Fixtures.Path("tanh_mul.onnx"), "certify"));
        Assert.IsType<Network>(MapFile.LoadExact(Fixtures.Path("tanh_mlp.onnx"), "certify"));
        // A verb that needs only an exact map takes any covered graph.
        Assert.True(MapFile.LoadExactMap(Fixtures.Path("tanh_mul.onnx"), "spectrum").HasExactJacobian);
        Assert.Throws<ModelFormatException>(() => MapFile.LoadExactMap(Fixtures.Path("torch/hardsigmoid_f32.onnx"), "spectrum"));
    }

    [Fact]
    public void OptionsThatDoNotApplyToOnnxAreRefused()
    {
        string dir = CliRunner.TempDir();
        string model = Fixtures.Path("tanh_mlp.onnx");
        var act = CliRunner.Invoke("census", "--model", model, "--activation", "tanh", "--out", dir);
        Assert.Equal(2, act.ExitCode);
        Assert.Contains("--activation does not apply to an ONNX model", act.Err);
        var save = CliRunner.Invoke("census", "--model", model, "--save-model", Path.Combine(dir, "m.safetensors"), "--out", dir);
        Assert.Equal(2, save.ExitCode);
        Assert.Contains("fixpoint import", save.Err);
        var width = CliRunner.Invoke("census", "--model", model, "--width", "3", "--out", dir);
        Assert.Equal(2, width.ExitCode);
    }

    /// <summary>Cycles through ONNX Runtime: F(x) = tanh(−2x) has the stable 2-cycle ±0.9575… and the unstable fixed point 0; the orbit's multiplier uses estimated Jacobians.</summary>
    [Fact]
    public void CyclesAndBasinsOfAnOnnxModelMatchTheNativeNetwork()
    {
        JsonNode ort = Census(Fixtures.Path("tanh_cycle_f64.onnx"));
        JsonNode native = Census(WriteScalar(-2));
        foreach (JsonNode c in new[] { ort, native })
        {
            JsonNode cycle = Assert.Single(c["cycles"]!.AsArray())!;
            Assert.Equal(2, cycle["period"]!.GetValue<int>());
            Assert.Equal(-TestNetworks.Tanh2Root, cycle["points"]![0]![0]!.GetValue<double>(), 9);
            Assert.Equal(TestNetworks.Tanh2Root, cycle["points"]![1]![0]!.GetValue<double>(), 9);
            Assert.Equal("stable", cycle["stability"]!.GetValue<string>());
            Assert.Equal(1.0, c["basinTotals"]!["cycles"]!.GetValue<double>());
            JsonNode fp = Assert.Single(c["fixedPoints"]!.AsArray())!;
            Assert.Equal("unstable", fp["stability"]!.GetValue<string>());
        }
        double a = ort["cycles"]![0]!["multiplierRadius"]!.GetValue<double>(), b = native["cycles"]![0]!["multiplierRadius"]!.GetValue<double>();
        Assert.True(Math.Abs(a - b) <= 1e-7, $"multiplier {a} (ONNX) vs {b} (native)");
    }

    private static string WriteScalar(double w)
    {
        string path = Path.Combine(CliRunner.TempDir(), "scalar.safetensors");
        ModelFile.Save(TestNetworks.Scalar(w, 0), path);
        return path;
    }

    [Fact]
    public void FixedBatchAndRankThreeModelsRunTheCensus()
    {
        JsonNode batch1 = Census(Fixtures.Path("tanh_mlp_batch1.onnx"));
        Assert.Equal(5, batch1["fixedPoints"]!.AsArray().Count);
        // tanh(0.5 x) entrywise on [batch, 2, 2]: the only fixed point is 0, stable with ρ = 0.5. The model is
        // float32, so the census stops at ‖F(x) − x‖∞ ≤ 1e-6, that is within 1e-6/(1 − ρ) = 2e-6 of 0.
        JsonNode rank3 = Census(Fixtures.Path("tanh_rank3.onnx"));
        JsonNode fp = Assert.Single(rank3["fixedPoints"]!.AsArray())!;
        Assert.All(fp["x"]!.AsArray(), v => Assert.True(Math.Abs(v!.GetValue<double>()) <= 2e-6));
        Assert.Equal(0.5, fp["spectralRadius"]!.GetValue<double>(), 4);
        Assert.Equal("stable", fp["stability"]!.GetValue<string>());
    }
}
