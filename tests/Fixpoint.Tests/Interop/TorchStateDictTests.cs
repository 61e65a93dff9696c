using System.Globalization;
using System.Text.Json;
using Fixpoint.IO;
using Fixpoint.Maps;

namespace Fixpoint.Tests.Interop;

/// <summary>
/// Issue 14: torch.save state dicts read by the restricted unpickler (fixtures by
/// Fixtures/torch/make_statedict_fixtures.py and train_flipflop.py), and the recurrent cells they describe.
/// </summary>
public class TorchStateDictTests
{
    private static string Torch(string name) => Fixtures.Path(Path.Combine("torch", name));

    private static JsonElement Json(string name) => JsonDocument.Parse(File.ReadAllText(Torch(name))).RootElement;

    private static double[] Row(JsonElement a) => a.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    [Fact]
    public void ZipStateDictReadsEveryTensorInOrderWithItsShape()
    {
        SafetensorsFile f = TorchStateDict.Read(Torch("mlp_linear_end.pt"));
        Assert.Equal(["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias", "net.4.weight", "net.4.bias"], f.Tensors.Keys);
        Assert.Equal([6, 4], f.Tensors["net.0.weight"].Shape);
        Assert.Equal([4], f.Tensors["net.4.bias"].Shape);
        Assert.All(f.Tensors.Values, t => Assert.Equal("F64", t.DType));
    }

    [Theory]
    [InlineData("malicious.pt", "os.system")]
    [InlineData("malicious_eval.pt", "builtins.eval")]
    public void APickleNamingAnyOtherGlobalIsRefusedAndNothingRuns(string file, string global)
    {
        string marker = Path.Combine(Environment.CurrentDirectory, "malicious_ran.txt");
        Assert.False(File.Exists(marker));
        var e = Assert.Throws<ModelFormatException>(() => TorchStateDict.Read(Torch(file)));
        Assert.Contains(global, e.Message);
        var run = CliRunner.Invoke("census", "--model", Torch(file), "--starts", "5", "--no-plot", "--out", CliRunner.TempDir());
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(global, run.Err);
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void TheLegacyFormatIsRefusedWithHowToResave()
    {
        var run = CliRunner.Invoke("census", "--model", Torch("legacy.pt"), "--starts", "5", "--no-plot", "--out", CliRunner.TempDir());
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("_use_new_zipfile_serialization=True", run.Err);
    }

    /// <summary>A Sequential ending in a bare Linear: refused until --final-activation says so; then exactly torch's F.</summary>
    [Fact]
    public void SequentialEndingInLinearNeedsTheFinalActivationAndIsThenExact()
    {
        var refused = CliRunner.Invoke("census", "--model", Torch("mlp_linear_end.pt"), "--activation", "tanh", "--starts", "5", "--no-plot", "--out", CliRunner.TempDir());
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--final-activation", refused.Err);
        Assert.Single(refused.Err.Trim().Split('\n'));

        StateDictContents m = StateDictModel.Load(Torch("mlp_linear_end.pt"), new StateDictOptions(null, Activation.Parse("tanh"), Activation.Parse("identity")));
        Assert.Equal("net.", m.Summary.Prefix);
        IMap map = m.Map!;
        Assert.IsType<LayerStack>(map);
        JsonElement r = Json("mlp_linear_end.json");
        var xs = r.GetProperty("x").EnumerateArray().Select(Row).ToArray();
        var ys = r.GetProperty("y").EnumerateArray().Select(Row).ToArray();
        var y = new double[4];
        for (int k = 0; k < xs.Length; k++)
        {
            map.Evaluate(xs[k], y);
            for (int i = 0; i < 4; i++) Assert.True(Math.Abs(y[i] - ys[k][i]) <= 1e-14, $"point {k}: {y[i]} vs torch {ys[k][i]}");
        }
        AssertJacobianMatchesDifferences(map, xs[1], 1e-7);

        // The same file through the CLI: eval prints torch's numbers, and the summary names the prefix and the final activation.
        string points = Path.Combine(CliRunner.TempDir(), "x.csv");
        File.WriteAllLines(points, xs.Select(x => string.Join(",", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        var eval = CliRunner.Invoke("eval", "--model", Torch("mlp_linear_end.pt"), "--activation", "tanh", "--final-activation", "identity", "--points", points);
        Assert.True(eval.ExitCode == 0, eval.Err);
        Assert.Contains("module prefix 'net.'", eval.Err);
        Assert.Contains("→ identity", eval.Err);
        var printed = eval.Out.Trim().Split('\n').Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        for (int k = 0; k < xs.Length; k++)
            for (int i = 0; i < 4; i++) Assert.True(Math.Abs(printed[k][i] - ys[k][i]) <= 1e-14);
    }

    [Fact]
    public void AWrongPrefixIsRefusedNamingTheOneFound()
    {
        var e = Assert.Throws<ModelFormatException>(() => StateDictModel.Load(Torch("mlp_linear_end.pt"), new StateDictOptions("model", Activation.Parse("tanh"), Activation.Parse("identity"))));
        Assert.Contains("'net.'", e.Message);
    }

    /// <summary>LSTMCell: the state (h, c) concatenated, F matches torch, and J and ∂F/∂u match central differences.</summary>
    [Fact]
    public void LstmCellMatchesTorchWithExactDerivatives()
    {
        StateDictContents m = StateDictModel.Load(Torch("lstm_cell_statedict.pt"), new StateDictOptions());
        RecurrentCell cell = m.Cell!;
        Assert.Equal(RecurrentKind.Lstm, cell.Kind);
        Assert.Equal(6, cell.StateDimension);
        JsonElement r = Json("lstm_cell_statedict.json");
        double[] u = Row(r.GetProperty("u")), x = Row(r.GetProperty("x")), want = Row(r.GetProperty("y"));
        IMap map = cell.Bind(u);
        var y = new double[6];
        map.Evaluate(x, y);
        for (int i = 0; i < 6; i++) Assert.True(Math.Abs(y[i] - want[i]) <= 1e-15, $"{i}: {y[i]} vs torch {want[i]}");
        AssertJacobianMatchesDifferences(map, x, 1e-8);
        var dFdu = new double[6 * 2];
        cell.InputJacobian(x, [u], dFdu);
        const double h = 1e-6;
        for (int j = 0; j < 2; j++)
        {
            double[] up = (double[])u.Clone(), um = (double[])u.Clone();
            up[j] += h;
            um[j] -= h;
            var yp = new double[6];
            var ym = new double[6];
            cell.Bind(up).Evaluate(x, yp);
            cell.Bind(um).Evaluate(x, ym);
            for (int i = 0; i < 6; i++) Assert.True(Math.Abs(dFdu[i * 2 + j] - (yp[i] - ym[i]) / (2 * h)) <= 1e-8);
        }
    }

    [Theory]
    [InlineData(RecurrentKind.Rnn)]
    [InlineData(RecurrentKind.Gru)]
    public void CellJacobianAndJvAreExact(RecurrentKind kind)
    {
        int gates = kind == RecurrentKind.Rnn ? 1 : 3, n = 5, inputs = 2;
        var rng = new Numerics.Rng(3);
        double[] W(int k) => Enumerable.Range(0, k).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var cell = new RecurrentCell(kind, inputs, n, W(gates * n * inputs), W(gates * n * n), W(gates * n), W(gates * n));
        IMap map = cell.Bind([0.4, -0.3]);
        double[] x = W(n), v = W(n);
        AssertJacobianMatchesDifferences(map, x, 1e-8);
        var j = new double[n * n];
        map.Jacobian(x, j);
        var jv = new double[n];
        map.JacobianVector(x, v, jv);
        for (int i = 0; i < n; i++) Assert.Equal(Enumerable.Range(0, n).Sum(k => j[i * n + k] * v[k]), jv[i], 1e-14);
    }

    private static void AssertJacobianMatchesDifferences(IMap map, double[] x, double tol)
    {
        int n = map.Dimension;
        var j = new double[n * n];
        map.Jacobian(x, j);
        const double h = 1e-6;
        var yp = new double[n];
        var ym = new double[n];
        for (int c = 0; c < n; c++)
        {
            double[] xp = (double[])x.Clone(), xm = (double[])x.Clone();
            xp[c] += h;
            xm[c] -= h;
            map.Evaluate(xp, yp);
            map.Evaluate(xm, ym);
            for (int i = 0; i < n; i++) Assert.True(Math.Abs(j[i * n + c] - (yp[i] - ym[i]) / (2 * h)) <= tol, $"J[{i},{c}] = {j[i * n + c]} vs {(yp[i] - ym[i]) / (2 * h)}");
        }
    }
}
