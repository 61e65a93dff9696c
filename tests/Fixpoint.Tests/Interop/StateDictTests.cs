using Fixpoint.IO;
using Fixpoint.Maps;

namespace Fixpoint.Tests.Interop;

/// <summary>
/// Issue 9: a PyTorch nn.Sequential(Linear, Tanh, Linear, Tanh, Linear, Tanh) state dict saved with
/// safetensors.torch.save_file (keys 0.*, 2.*, 4.*, float32, metadata {"format": "pt"}) loads with
/// --activation naming the activation.
/// </summary>
public class StateDictTests
{
    private static readonly string File_ = Fixtures.Path("torch_sequential.safetensors");

    [Fact]
    public void Float32StateDictLoadsWithTheActivationGiven()
    {
        SafetensorsFile raw = Safetensors.Read(File_);
        Assert.Equal(["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"], raw.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("pt", raw.Metadata["format"]);
        Network net = ModelFile.Load(File_, Activation.Parse("tanh"));
        Assert.Equal([4, 6, 6], net.Layers.Select(l => l.Inputs));
        Assert.Equal([6, 6, 4], net.Layers.Select(l => l.Outputs));
        Assert.All(net.Layers.SelectMany(l => l.Weight), w => Assert.Equal(w, (double)(float)w));
        var (xs, ys) = Fixtures.Expected("torch_sequential.safetensors");
        var y = new double[4];
        for (int k = 0; k < xs.Length; k++)
        {
            net.Evaluate(xs[k], y);
            for (int i = 0; i < 4; i++) Assert.True(Math.Abs(y[i] - ys[k][i]) <= 1e-12, $"point {k} output {i}");
        }
    }

    [Fact]
    public void WithoutAnActivationTheStateDictIsRefused()
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(File_));
        Assert.Contains("--activation", e.Message);
        var run = CliRunner.Invoke("census", "--model", File_, "--out", CliRunner.TempDir(), "--starts", "10");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--activation", run.Err);
    }

    /// <summary>The same network exported by torch.onnx.export (Gemm, transB = 1) agrees with the state dict, by ONNX Runtime and by exact import.</summary>
    [Fact]
    public void StateDictAndOnnxExportAreTheSameMap()
    {
        Network fromDict = ModelFile.Load(File_, Activation.Parse("tanh"));
        Network imported = OnnxImport.Import(Fixtures.Path("torch_sequential.onnx")).Network!;
        for (int l = 0; l < 3; l++)
        {
            Assert.Equal(fromDict.Layers[l].Weight, imported.Layers[l].Weight);
            Assert.Equal(fromDict.Layers[l].Bias, imported.Layers[l].Bias);
        }
        using OnnxMap ort = OnnxMap.Load(Fixtures.Path("torch_sequential.onnx"));
        double[] x = [0.25, -0.5, 0.75, -1.0];
        var a = new double[4];
        var b = new double[4];
        fromDict.Evaluate(x, a);
        ort.Evaluate(x, b);
        for (int i = 0; i < 4; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6, $"{a[i]} vs {b[i]}");
    }

    [Fact]
    public void CensusRunsOnTheStateDict()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--model", File_, "--activation", "tanh", "--final-activation", "tanh", "--starts", "100", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.True(File.Exists(Path.Combine(dir, "census.json")));
    }
}
