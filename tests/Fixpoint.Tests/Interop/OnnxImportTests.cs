using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Onnx;

namespace Fixpoint.Tests.Interop;

public class OnnxImportTests
{
    [Fact]
    public void ProtobufReaderSeesTheGraphOfTheTanhMlp()
    {
        OnnxModel m = OnnxModel.Read(Fixtures.Path("tanh_mlp.onnx"));
        OnnxGraph g = m.Graph;
        Assert.Equal("tanh_mlp", g.Name);
        Assert.Equal(["Gemm", "Tanh", "Gemm", "Tanh"], g.Nodes.Select(n => n.OpType));
        Assert.Equal("fc1", g.Nodes[0].Name);
        Assert.Equal(["input", "fc1.weight", "fc1.bias"], g.Nodes[0].Inputs);
        Assert.Equal(1L, g.Nodes[0].Attributes["transB"].I);
        Assert.Equal(4, g.Initializers.Count);
        OnnxTensor w = g.Initializers.Single(t => t.Name == "fc1.weight");
        Assert.Equal([4L, 4L], w.Dims);
        Assert.Equal(OnnxDataType.Float, w.DataType);
        Assert.Equal(16, w.Data!.Length);
        OnnxValueInfo input = Assert.Single(g.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal(OnnxDataType.Float, input.ElementType);
        Assert.Equal("batch", input.Shape![0].Param);
        Assert.Equal(4L, input.Shape[1].Value);
        Assert.Equal("output", Assert.Single(g.Outputs).Name);
    }

    [Theory]
    [InlineData("tanh_mlp.onnx", "tanh", 2)]
    [InlineData("tanh_mlp_f64.onnx", "tanh", 2)]
    [InlineData("tanh_mlp_batch1.onnx", "tanh", 2)]
    [InlineData("sigmoid_matmul.onnx", "logistic", 2)]
    [InlineData("leaky_gemm.onnx", "leaky-relu(0.1)", 1)]
    [InlineData("torch_sequential.onnx", "tanh", 3)]
    public void PlainMlpsImportExactlyAndAgreeWithNumPy(string file, string activation, int layers)
    {
        OnnxImportResult r = OnnxImport.Import(Fixtures.Path(file));
        Assert.True(r.IsExact, r.Refusal);
        Network net = r.Network!;
        Assert.Equal(activation, net.Activation.Name);
        Assert.Equal(layers, net.Layers.Count);
        var (xs, ys) = Fixtures.Expected(file);
        var y = new double[net.Dimension];
        for (int k = 0; k < xs.Length; k++)
        {
            net.Evaluate(xs[k], y);
            for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - ys[k][i]) <= 1e-12, $"{file} point {k} output {i}: {y[i]} vs NumPy {ys[k][i]}");
        }
    }

    [Fact]
    public void ImportedTanhMlpHasTheWeightsOfTheSafetensorsTwinBitForBit()
    {
        Network imported = OnnxImport.Import(Fixtures.Path("tanh_mlp.onnx")).Network!;
        Network native = ModelFile.Load(Fixtures.Path("tanh_mlp.safetensors"));
        Assert.Equal(native.Layers.Count, imported.Layers.Count);
        for (int l = 0; l < native.Layers.Count; l++)
        {
            Assert.Equal(native.Layers[l].Weight, imported.Layers[l].Weight);
            Assert.Equal(native.Layers[l].Bias, imported.Layers[l].Bias);
        }
        Assert.True(OnnxImport.Import(Fixtures.Path("tanh_mlp.onnx")).Float32);
        Assert.False(OnnxImport.Import(Fixtures.Path("tanh_mlp_f64.onnx")).Float32);
    }

    [Theory]
    [InlineData("tanh_mul.onnx", "node 'scale' (Mul) is not part of a plain MLP")]
    [InlineData("tanh_rank3.onnx", "(Mul) is not part of a plain MLP")]
    [InlineData("two_inputs.onnx", "the graph has 2 inputs (x, z)")]
    [InlineData("not_square.onnx", "not square: it reads 4 numbers and writes 3")]
    public void GraphsThatAreNotPlainMlpsAreRefusedWithTheReason(string file, string reason)
    {
        OnnxImportResult r = OnnxImport.Import(Fixtures.Path(file));
        Assert.False(r.IsExact);
        Assert.Contains(reason, r.Refusal);
    }

    [Fact]
    public void GarbageTruncatedAndMissingFilesAreModelFormatErrors()
    {
        var e = Assert.Throws<ModelFormatException>(() => OnnxImport.Import(Fixtures.Path("garbage.onnx")));
        Assert.Contains("not an ONNX model", e.Message);
        Assert.Throws<ModelFormatException>(() => OnnxImport.Import(Fixtures.Path("no-such-model.onnx")));
        byte[] bytes = File.ReadAllBytes(Fixtures.Path("tanh_mlp.onnx"));
        for (int cut = 1; cut < bytes.Length; cut += 7)
        {
            try { OnnxModel.Parse(bytes.AsMemory(0, cut), "cut.onnx"); }
            catch (OnnxFormatException) { }
        }
    }

    /// <summary>Random bytes either parse (protobuf is permissive) or fail with an OnnxFormatException, never anything else.</summary>
    [Fact]
    public void RandomBytesNeverCrashTheReader()
    {
        var rng = new Random(7);
        byte[] model = File.ReadAllBytes(Fixtures.Path("tanh_mlp.onnx"));
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] b = trial % 2 == 0 ? new byte[rng.Next(0, 200)] : (byte[])model.Clone();
            if (trial % 2 == 0) rng.NextBytes(b);
            else for (int k = 0; k < 5; k++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
            try
            {
                OnnxModel m = OnnxModel.Parse(b, "random.onnx");
                try { OnnxImport.Import(m, "random.onnx"); }
                catch (ModelFormatException) { }
            }
            catch (OnnxFormatException) { }
        }
    }

    [Fact]
    public void ActivationsAndTransposeOptionsAreReadFromTheGraph()
    {
        Network leaky = OnnxImport.Import(Fixtures.Path("leaky_gemm.onnx")).Network!;
        // Gemm(alpha = 0.5, beta = 2, transB = 0): W = 0.5·Bᵀ, b = 2·C.
        OnnxGraph g = OnnxModel.Read(Fixtures.Path("leaky_gemm.onnx")).Graph;
        double[] bmat = g.Initializers.Single(t => t.Name == "G").Data!;
        double[] c = g.Initializers.Single(t => t.Name == "gb").Data!;
        Assert.Equal(0.5 * bmat[1 * 2 + 0], leaky.Layers[0].Weight[0 * 2 + 1]);
        Assert.Equal(2 * c[1], leaky.Layers[0].Bias[1]);
    }
}
