using System.Buffers.Binary;
using static Fixpoint.Tests.Robustness.BadInput;

namespace Fixpoint.Tests.Robustness;

/// <summary>Inputs the fuzz harness (fuzz/Fixpoint.Fuzz) found, kept as CLI regressions.</summary>
public class FuzzRegressionTests
{
    [Fact]
    public void AGzipHeaderWithAnUnknownCompressionMethodIsOneLineNotATrace()
    {
        // gzip magic, then compression method 7 (only 8, deflate, exists): .NET throws InvalidDataException.
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "starts.csv");
        File.WriteAllBytes(path, [0x1f, 0x8b, 0x07, 0, 0, 0, 0, 0, 0, 0xff, 0x30, 0x2c, 0x31, 0x0a]);
        string outDir = BadInputTests.EarlierCensus(dir);
        var before = Snapshot(outDir);
        Assert.Contains("corrupt gzip data", Refused("census", "--width", "2", "--depth", "1", "--starts-file", path, "--out", outDir));
        Assert.Equal(before, Snapshot(outDir));
    }

    [Fact]
    public void AnIdxHeaderDeclaringABillionValuesInATinyFileIsRefusedBeforeAllocating()
    {
        // Before, the reader allocated the declared 2^30 doubles (8 GB) and only then found the data missing.
        string path = Path.Combine(CliRunner.TempDir(), "images-idx3-ubyte");
        var bytes = new byte[4 + 12 + 8];
        bytes[2] = 0x08;
        bytes[3] = 3;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 1 << 10);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 1 << 10);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), 1 << 10);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("the header declares 1073741824 values", Refused("census", "--width", "2", "--starts-dataset", path, "--out", Path.Combine(Path.GetDirectoryName(path)!, "o")));
    }

    [Fact]
    public void AnOnnxTensorWhoseDimensionsOverflowIsOneLineNotATrace()
    {
        // leaky_gemm.onnx with one dimension mutated: the product wrapped to a negative count and new double[n] threw.
        string dir = CliRunner.TempDir();
        string line = Refused("import", Interop.Fixtures.Path("fuzz_dims_overflow.onnx"), "--out", Path.Combine(dir, "m.safetensors"));
        Assert.Contains("tensor 'G'", line);
        Assert.False(File.Exists(Path.Combine(dir, "m.safetensors")));
    }

    [Fact]
    public void AnOnnxGemmWhoseAlphaScalingOverflowsIsRefusedNamingTheWeight()
    {
        // Finite weights times a mutated alpha overflowed to −∞ and the layer threw with a parameter name, not the file's story.
        string dir = CliRunner.TempDir();
        string line = Refused("import", Interop.Fixtures.Path("fuzz_alpha_overflow.onnx"), "--out", Path.Combine(dir, "m.safetensors"));
        Assert.Contains("Infinity", line);
        Assert.DoesNotContain("(Parameter", line);
    }
    [Fact]
    public void ATorchZipWhoseCentralDirectoryLiesIsOneLineNotATrace()
    {
        // flipflop_gru.pt with the end-of-central-directory entry count changed: ZipArchive threw
        // InvalidDataException on the first entry access, after the archive had opened.
        byte[] bytes = File.ReadAllBytes(Interop.Fixtures.Path("torch/flipflop_gru.pt"));
        int eocd = bytes.AsSpan().LastIndexOf([(byte)0x50, (byte)0x4b, (byte)0x05, (byte)0x06]);
        Assert.True(eocd > 0);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(eocd + 10), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(eocd + 10)) + 1));
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "broken.pt");
        File.WriteAllBytes(path, bytes);
        string outDir = BadInputTests.EarlierCensus(dir);
        var before = Snapshot(outDir);
        Assert.Contains("broken zip file", Refused("census", "--model", path, "--hold", "input=0,0,0", "--out", outDir));
        Assert.Equal(before, Snapshot(outDir));
    }
}
