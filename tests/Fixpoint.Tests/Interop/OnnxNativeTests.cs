using System.Text.Json;
using System.Text.Json.Nodes;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Fixpoint.Tests.Interop;

/// <summary>
/// The native float64 ONNX interpreter on the PyTorch fixtures (Fixtures/torch, made by make_torch_fixtures.py):
/// against torch's float64 reference fixed points, against ONNX Runtime on the float32 exports, and its
/// forward-mode derivatives against finite differences and against each other.
/// </summary>
public class OnnxNativeTests
{
    public static readonly string[] Names = ["mlp_linear", "layernorm_mlp", "residual", "tied_loop8", "conv_ae", "rnn_cell", "gru_cell", "lstm_cell", "gru_step"];

    public static TheoryData<string, int> Exports()
    {
        var d = new TheoryData<string, int>();
        foreach (string n in Names) { d.Add(n, 13); d.Add(n, 17); }
        return d;
    }

    internal sealed record Reference(string Name, int Dimension, string[] State, string[] Output, (string Name, double[] Values)[] Hold, (double[] X, double Rho)[] FixedPoints);

    internal static Reference Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.Path($"torch/{name}.json")));
        JsonElement r = doc.RootElement;
        static double[] Doubles(JsonElement a) => [.. a.EnumerateArray().Select(v => v.GetDouble())];
        return new Reference(name, r.GetProperty("dimension").GetInt32(),
            [.. r.GetProperty("state").EnumerateArray().Select(v => v.GetString()!)],
            [.. r.GetProperty("output").EnumerateArray().Select(v => v.GetString()!)],
            [.. r.GetProperty("hold").EnumerateObject().Select(p => (p.Name, Doubles(p.Value)))],
            [.. r.GetProperty("fixedPoints").EnumerateArray().Select(f => (Doubles(f.GetProperty("x")), f.GetProperty("rho").GetDouble()))]);
    }

    private static OnnxModelFile Open(Reference r, string file) =>
        OnnxModelFile.Open(Fixtures.Path($"torch/{file}"), new OnnxSelection(r.State, r.Output));

    private static IMap Bind(OnnxModelFile f, Reference r) =>
        f.Model.Bind([.. f.Model.HeldInputs.Select(h => r.Hold.Single(x => x.Name == h.Name).Values)]);

    [Theory]
    [MemberData(nameof(Exports))]
    public void TorchFixedPointsAreFixedPointsOfTheInterpreter(string name, int opset)
    {
        Reference r = Load(name);
        using OnnxModelFile f = Open(r, $"{name}_op{opset}.onnx");
        Assert.Equal(OnnxModelFile.Native, f.Evaluator);
        IMap map = Bind(f, r);
        Assert.True(map.HasExactJacobian);
        Assert.Equal(r.Dimension, map.Dimension);
        Assert.NotEmpty(r.FixedPoints);
        var y = new double[map.Dimension];
        var j = new double[map.Dimension * map.Dimension];
        foreach (var (x, rho) in r.FixedPoints)
        {
            map.Evaluate(x, y);
            Assert.True(MaxDiff(x, y) < 1e-12, $"{name}: |F(x*) − x*| = {MaxDiff(x, y)}");
            map.Jacobian(x, j);
            double ours = Numerics.Spectral.SpectralRadius(j, map.Dimension);
            Assert.True(Math.Abs(ours - rho) < 1e-10, $"{name}: ρ {ours} vs torch {rho}");
        }
    }

    [Theory]
    [MemberData(nameof(Exports))]
    public void CensusFindsTheReferenceFixedPoints(string name, int opset)
    {
        Reference r = Load(name);
        string dir = CliRunner.TempDir();
        var args = new List<string> { "census", "--model", Fixtures.Path($"torch/{name}_op{opset}.onnx"), "--unstable", "--starts", "48", "--max-iter", "300", "--no-plot", "--out", dir };
        if (r.State.Length > 1 || r.Output.Length > 1 || name == "gru_step") { args.Add("--state"); args.Add(string.Join(",", r.State)); args.Add("--output"); args.Add(string.Join(",", r.Output)); }
        foreach (var (h, v) in r.Hold) { args.Add("--hold"); args.Add($"{h}={string.Join(",", v.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}"); }
        CliRunner.Run run = CliRunner.Invoke([.. args]);
        Assert.True(run.ExitCode == 0, run.Err);
        JsonNode census = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "census.json")))!;
        Assert.Equal("exact", (string?)census["jacobian"]);
        Assert.Equal("native", (string?)census["evaluator"]);
        JsonArray points = census["fixedPoints"]!.AsArray();
        foreach (var (x, rho) in r.FixedPoints)
        {
            JsonNode? match = points.FirstOrDefault(p => MaxDiff(x, p!["x"]!.AsArray().Select(v => (double)v!).ToArray()) <= 1e-9);
            Assert.True(match is not null, $"{name} op{opset}: the census missed the reference fixed point {string.Join(", ", x.Take(3))}…");
            Assert.True(Math.Abs((double)match!["spectralRadius"]! - rho) < 1e-8, $"{name}: ρ {(double)match["spectralRadius"]!} vs torch {rho}");
            if (r.Hold.Length > 0)
            {
                Assert.Equal(r.Dimension * r.Hold.Sum(h => h.Values.Length), match["dFdu"]!.AsArray().Count);
                Assert.Equal(r.Hold[0].Values, census["held"]![0]!["values"]!.AsArray().Select(v => (double)v!).ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(NameData))]
    public void JacobianVectorsMatchFiniteDifferencesAndTheJacobian(string name)
    {
        Reference r = Load(name);
        using OnnxModelFile f = Open(r, $"{name}_op17.onnx");
        IMap map = Bind(f, r);
        int n = map.Dimension;
        var rng = new Random(5);
        double[] x = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 1.6 - 0.8)];
        var jac = new double[n * n];
        map.Jacobian(x, jac);
        // J·e_i from a block of directions is column i of the Jacobian, to the last bit.
        var eye = new double[n * n];
        for (int i = 0; i < n; i++) eye[i * n + i] = 1;
        var cols = new double[n * n];
        map.JacobianVectors(x, eye, cols, n, new JacobianWorkspace());
        for (int i = 0; i < n; i++)
            for (int c = 0; c < n; c++) Assert.Equal(jac[i * n + c], cols[c * n + i]);
        // J·v against central differences.
        double[] v = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5)];
        var jv = new double[n];
        map.JacobianVector(x, v, jv);
        const double h = 1e-6;
        var xp = new double[n];
        var xm = new double[n];
        var yp = new double[n];
        var ym = new double[n];
        for (int i = 0; i < n; i++) { xp[i] = x[i] + h * v[i]; xm[i] = x[i] - h * v[i]; }
        map.Evaluate(xp, yp);
        map.Evaluate(xm, ym);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs((yp[i] - ym[i]) / (2 * h) - jv[i]) < 1e-7, $"{name}: J·v[{i}] = {jv[i]}, differences {(yp[i] - ym[i]) / (2 * h)}");
        // A batch gives what single points give.
        double[] xs = [.. x, .. v];
        var ys = new double[2 * n];
        map.EvaluateBatch(xs, ys, 2);
        var y0 = new double[n];
        map.Evaluate(v, y0);
        Assert.Equal(y0, ys[n..]);
    }

    public static TheoryData<string> NameData() => [.. Names];

    [Theory]
    [InlineData("rnn_cell")]
    [InlineData("gru_cell")]
    [InlineData("lstm_cell")]
    [InlineData("gru_step")]
    public void InputJacobianMatchesFiniteDifferencesInTheHeldInput(string name)
    {
        Reference r = Load(name);
        using OnnxModelFile f = Open(r, $"{name}_op13.onnx");
        IConditionedModel model = f.Model;
        Assert.True(model.HasExactInputJacobian);
        double[] u = r.Hold[0].Values;
        int n = model.StateDimension, m = u.Length;
        double[] x = r.FixedPoints[0].X;
        var dFdu = new double[n * m];
        model.InputJacobian(x, [u], dFdu);
        const double h = 1e-6;
        var yp = new double[n];
        var ym = new double[n];
        for (int c = 0; c < m; c++)
        {
            double[] up = [.. u], um = [.. u];
            up[c] += h;
            um[c] -= h;
            model.Bind([up]).Evaluate(x, yp);
            model.Bind([um]).Evaluate(x, ym);
            for (int i = 0; i < n; i++) Assert.True(Math.Abs((yp[i] - ym[i]) / (2 * h) - dFdu[i * m + c]) < 1e-7, $"{name}: dF{i}/du{c}");
        }
    }

    /// <summary>The float32 exports through the interpreter (float64 arithmetic on widened weights) agree with ONNX Runtime's float32 run to float32 rounding.</summary>
    [Theory]
    [MemberData(nameof(NameData))]
    public void Float32ExportsAgreeWithOnnxRuntime(string name)
    {
        Reference r = Load(name);
        string path = Fixtures.Path($"torch/{name}_f32.onnx");
        using OnnxModelFile f = OnnxModelFile.Open(path, new OnnxSelection(r.State, r.Output));
        Assert.Equal(OnnxModelFile.Native, f.Evaluator);
        IMap map = Bind(f, r);
        int n = map.Dimension;
        using var session = new InferenceSession(path);
        var rng = new Random(11);
        for (int trial = 0; trial < 4; trial++)
        {
            float[] x = [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
            var feeds = new List<NamedOnnxValue>();
            int at = 0;
            foreach (var input in session.InputMetadata)
            {
                int[] dims = input.Value.Dimensions;
                int size = dims.Aggregate(1, (a, d) => a * d);
                float[] data = r.State.Contains(input.Key) ? x[at..(at += size)] : [.. r.Hold.Single(hh => hh.Name == input.Key).Values.Select(v => (float)v)];
                feeds.Add(NamedOnnxValue.CreateFromTensor(input.Key, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(data, dims)));
            }
            using var results = session.Run(feeds);
            float[] expected = [.. r.Output.SelectMany(o => results.Single(v => v.Name == o).AsEnumerable<float>())];
            var y = new double[n];
            map.Evaluate([.. x.Select(v => (double)v)], y);
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(y[i] - expected[i]) <= 2e-6 * Math.Max(1, Math.Abs(y[i])), $"{name}: y[{i}] = {y[i]} native, {expected[i]} ONNX Runtime");
        }
    }

    [Fact]
    public void AnOpOutsideTheSetRunsThroughOnnxRuntimeAndTheCensusSaysWhich()
    {
        string path = Fixtures.Path("torch/hardsigmoid_f32.onnx");
        using (OnnxModelFile f = OnnxModelFile.Open(path))
        {
            Assert.Equal(OnnxModelFile.OnnxRuntime, f.Evaluator);
            Assert.Equal("HardSigmoid", f.EvaluatorReason);
            Assert.False(f.Model.Bind([]).HasExactJacobian);
        }
        string dir = CliRunner.TempDir();
        CliRunner.Run run = CliRunner.Invoke("census", "--model", path, "--starts", "16", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        JsonNode census = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "census.json")))!;
        Assert.Equal("onnxruntime", (string?)census["evaluator"]);
        Assert.Equal("HardSigmoid", (string?)census["evaluatorReason"]);
        Assert.Equal("estimated", (string?)census["jacobian"]);
    }

    /// <summary>A cell with a held input whose op is outside the set runs through ONNX Runtime, with estimated Jacobians and dFdu.</summary>
    [Fact]
    public void HeldInputsOfAGraphOutsideTheSetRunThroughOnnxRuntime()
    {
        string path = Fixtures.Path("torch/hardsigmoid_cell_f32.onnx");
        using (OnnxModelFile f = OnnxModelFile.Open(path))
        {
            Assert.Equal(OnnxModelFile.OnnxRuntime, f.Evaluator);
            Assert.Equal("HardSigmoid", f.EvaluatorReason);
            Assert.False(f.Model.HasExactInputJacobian);
            Assert.Equal(["u"], f.Model.HeldInputs.Select(h => h.Name));
        }
        string dir = CliRunner.TempDir();
        CliRunner.Run run = CliRunner.Invoke("census", "--model", path, "--hold", "u=0.5,-0.3,0.2", "--starts", "16", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        JsonNode census = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "census.json")))!;
        Assert.Equal("onnxruntime", (string?)census["evaluator"]);
        Assert.Equal("estimated", (string?)census["jacobian"]);
        JsonNode fp = census["fixedPoints"]![0]!;
        Assert.Equal(8 * 3, fp["dFdu"]!.AsArray().Count);
        Assert.True((double)fp["residual"]! < 1e-5);
    }

    [Fact]
    public void HeldInputsAreRequiredAndChecked()
    {
        string path = Fixtures.Path("torch/gru_cell_op17.onnx");
        CliRunner.Run missing = CliRunner.Invoke("census", "--model", path, "--starts", "4", "--no-plot", "--out", CliRunner.TempDir());
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--hold u=", missing.Err);
        CliRunner.Run wrong = CliRunner.Invoke("census", "--model", path, "--hold", "u=1,2", "--starts", "4", "--no-plot", "--out", CliRunner.TempDir());
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("takes 3", wrong.Err);
        CliRunner.Run ambiguous = CliRunner.Invoke("census", "--model", Fixtures.Path("torch/lstm_cell_op17.onnx"), "--hold", "u=0,0,0", "--starts", "4", "--no-plot", "--out", CliRunner.TempDir());
        Assert.Equal(2, ambiguous.ExitCode);
        Assert.Contains("--state", ambiguous.Err);
    }

    /// <summary>A CSV of held values runs one census per row, each in its own folder with the values it held.</summary>
    [Fact]
    public void OneCensusPerCondition()
    {
        string dir = CliRunner.TempDir();
        string csv = Path.Combine(dir, "u.csv");
        File.WriteAllText(csv, "0.5,-0.3,0.2\n0,0,0\n");
        string outDir = Path.Combine(dir, "out");
        CliRunner.Run run = CliRunner.Invoke("census", "--model", Fixtures.Path("torch/gru_cell_op17.onnx"), "--hold", $"u={csv}", "--unstable", "--starts", "24", "--no-plot", "--out", outDir);
        Assert.True(run.ExitCode == 0, run.Err);
        Reference r = Load("gru_cell");
        double[][] held = [[0.5, -0.3, 0.2], [0, 0, 0]];
        for (int c = 0; c < 2; c++)
        {
            JsonNode census = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, $"condition-{c}", "census.json")))!;
            Assert.Equal(held[c], census["held"]![0]!["values"]!.AsArray().Select(v => (double)v!).ToArray());
            var found = census["fixedPoints"]!.AsArray().Select(p => p!["x"]!.AsArray().Select(v => (double)v!).ToArray()).ToList();
            bool isReference = r.FixedPoints.All(f => found.Any(x => MaxDiff(f.X, x) < 1e-9));
            Assert.Equal(c == 0, isReference);
        }
    }

    private static double MaxDiff(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double m = 0;
        for (int i = 0; i < a.Count; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}
