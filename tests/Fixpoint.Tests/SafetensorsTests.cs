using System.Buffers.Binary;
using System.Text;
using Fixpoint.Experiments;
using Fixpoint.Init;
using Fixpoint.IO;
using Fixpoint.Maps;

namespace Fixpoint.Tests;

public class SafetensorsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NetworkRoundTrips(bool float32)
    {
        string dir = CliRunner.TempDir();
        Network net = new RandomNetworkSpec(7, 3, Activation.Parse("leaky-relu(0.05)"), new GaussianLaw(1), new GaussianLaw(0.3), Residual: true, Seed: 9).Build();
        string path = Path.Combine(dir, "net.safetensors");
        ModelFile.Save(net, path, float32);
        Network back = ModelFile.Load(path);
        Assert.Equal(net.Activation, back.Activation);
        Assert.Equal(net.Residual, back.Residual);
        Assert.Equal(net.Depth, back.Depth);
        for (int l = 0; l < 3; l++)
        {
            double[] expect = float32 ? net.Layers[l].Weight.Select(v => (double)(float)v).ToArray() : net.Layers[l].Weight;
            Assert.Equal(expect, back.Layers[l].Weight);
        }
        SafetensorsFile raw = Safetensors.Read(path);
        Assert.Equal(float32 ? "F32" : "F64", raw.Tensors["layers.0.weight"].DType);
        Assert.Equal([7, 7], raw.Tensors["layers.2.weight"].Shape);
    }

    [Fact]
    public void TiedNetworkRoundTripsWithItsDepth()
    {
        string path = Path.Combine(CliRunner.TempDir(), "tied.safetensors");
        Network net = PaperACase.Exp.Create(3, 15, depth: 6);
        ModelFile.Save(net, path);
        Network back = ModelFile.Load(path);
        Assert.True(back.Tied);
        Assert.Equal(6, back.Depth);
        var x = new[] { 0.05, -0.9, 0.02 };
        var y1 = new double[3];
        var y2 = new double[3];
        net.Evaluate(x, y1);
        back.Evaluate(x, y2);
        Assert.Equal(y1, y2);
    }

    [Fact]
    public void PyTorchSequentialStateDictLoadsWithAnActivation()
    {
        string path = Path.Combine(CliRunner.TempDir(), "seq.safetensors");
        Safetensors.Write(path, [("0.weight", [2, 2], [0.5, 0.1, 0.0, 0.5]), ("0.bias", [2], [0.1, 0.2]), ("2.weight", [2, 2], [1.0, 0.0, 0.0, 1.0]), ("2.bias", [2], [0.0, 0.0])], new Dictionary<string, string>());
        Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));
        Network net = ModelFile.Load(path, new TanhActivation());
        Assert.Equal(2, net.Depth);
        Assert.Equal(0.5, net.Layers[0].Weight[0]);
    }

    public static TheoryData<string, byte[]> Corrupt()
    {
        var d = new TheoryData<string, byte[]>
        {
            { "too short", [1, 2, 3] },
            { "beyond the file", Header(1000, "{}") },
            { "not valid JSON", File("{\"a\": [", []) },
            { "lie outside", File(Tensor("layers.0.weight", "F64", "[1,1]", 0, 16), new byte[8]) },
            { "overlap", File("{" + Tensor("layers.0.weight", "F64", "[1,1]", 0, 8)[1..^1] + "," + Tensor("layers.0.bias", "F64", "[1]", 4, 12)[1..^1] + "}", new byte[16]) },
            { "unsupported dtype", File(Tensor("layers.0.weight", "I8", "[1,1]", 0, 1), new byte[1]) },
            { "data bytes", File(Tensor("layers.0.weight", "F64", "[2,2]", 0, 8), new byte[8]) },
        };
        return d;
    }

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void CorruptFilesGiveAModelFormatExceptionThatSaysWhy(string expected, byte[] bytes)
    {
        var e = Assert.Throws<ModelFormatException>(() => Safetensors.Parse(bytes, "x.safetensors"));
        Assert.Contains(expected, e.Message);
    }

    /// <summary>A 2 × 2 weight with the given values and a zero bias, as a safetensors file.</summary>
    private static string TwoByTwo(string dir, string name, double[] w)
    {
        string path = Path.Combine(dir, name);
        Safetensors.Write(path, [("layers.0.weight", [2, 2], w), ("layers.0.bias", [2], new double[2])], new Dictionary<string, string> { ["activation"] = "tanh" });
        return path;
    }

    [Fact]
    public void EveryNonFiniteWeightIsFoundAndNamedWhileHugeFiniteOnesLoad()
    {
        string dir = CliRunner.TempDir();
        // Finite values whose sum overflows are not a reason to refuse the file.
        Network huge = ModelFile.Load(TwoByTwo(dir, "huge.safetensors", [1e308, 1e308, -1e308, 1e308]));
        Assert.Equal(1e308, huge.Layers[0].Weight[3]);
        foreach (double bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            for (int at = 0; at < 4; at++)
            {
                double[] w = [0.5, -0.25, 1e308, 2];
                w[at] = bad;
                var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(TwoByTwo(dir, "bad.safetensors", w)));
                Assert.Contains($"at flat index {at}", e.Message);
                var direct = Assert.Throws<ArgumentException>(() => new DenseLayer(2, 2, w, new double[2]));
                Assert.Contains($"weight entry ({at / 2}, {at % 2})", direct.Message);
            }
    }

    [Fact]
    public void WideLayersRoundTripBitForBitInBothPrecisions()
    {
        // More values than one write buffer holds, and a transpose that crosses tiles.
        string dir = CliRunner.TempDir();
        var rng = new Random(5);
        int n = 181;
        double[] w = [.. Enumerable.Range(0, n * n).Select(_ => rng.NextDouble() - 0.5)];
        var layer = new DenseLayer(n, n, w, new double[n]);
        for (int o = 0; o < n; o += 17)
            for (int i = 0; i < n; i += 13) Assert.Equal(w[o * n + i], layer.WeightTransposed[i * n + o]);
        var net = new Network([layer, layer], Activation.Parse("tanh"));
        foreach (bool float32 in new[] { false, true })
        {
            string path = Path.Combine(dir, $"wide{float32}.safetensors");
            ModelFile.Save(net, path, float32);
            Network back = ModelFile.Load(path);
            double[] expect = float32 ? [.. w.Select(v => (double)(float)v)] : w;
            Assert.Equal(expect, back.Layers[1].Weight);
        }
    }

    internal static string Tensor(string name, string dtype, string shape, long a, long b) =>
        $"{{\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{a},{b}]}}}}";

    internal static byte[] File(string header, byte[] data)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        return [.. Header((ulong)h.Length, ""), .. h, .. data];
    }

    private static byte[] Header(ulong length, string rest)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, length);
        return [.. b, .. Encoding.UTF8.GetBytes(rest)];
    }
}
