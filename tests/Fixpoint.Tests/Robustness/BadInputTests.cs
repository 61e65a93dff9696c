using System.IO.Compression;
using static Fixpoint.Tests.Robustness.BadInput;

namespace Fixpoint.Tests.Robustness;

/// <summary>
/// The bad inputs of the failure-behaviour list (docs/failure.md), each through the CLI: exit 2 with one line
/// naming the problem, no trace, bounded allocation, and the census folder of an earlier run byte-identical.
/// </summary>
public class BadInputTests
{
    private static readonly double[] Half = [0.5, 0, 0, 0.5];

    /// <summary>Name → (the command line, given the scratch folder and the earlier census folder; a fragment the line must hold).</summary>
    private static readonly Dictionary<string, (Func<string, string, string[]> Args, string Says)> Cases = new()
    {
        // Crashes before: a .NET trace and exit 134.
        ["safetensors offsets are strings"] = ((d, o) => Census(o, "--model", Safetensors(Path.Combine(d, "m.safetensors"),
            $"{{{Tanh}, \"layers.0.weight\": {{\"dtype\": \"F64\", \"shape\": [2, 2], \"data_offsets\": [\"a\", \"b\"]}}}}", F64(Half))), "data_offsets"),
        ["layer index beyond int"] = ((d, o) => Census(o, "--model", Safetensors(Path.Combine(d, "m.safetensors"),
            $"{{{Tanh}, {Layer("layers.99999999999.weight", 0)}}}", F64(Half))), "layers.99999999999.weight"),
        ["--starts 2147483647"] = ((d, o) => Census(o, "--starts", "2147483647"), "--starts 2147483647"),
        ["--box -1e308 1e308"] = ((d, o) => Census(o, "--box", "-1e308", "1e308"), "overflows"),
        // Memory that grew without limit before.
        ["tied depth 1e9"] = ((d, o) => Census(o, "--model", Safetensors(Path.Combine(d, "m.safetensors"),
            $"{{\"__metadata__\": {{\"activation\": \"tanh\", \"tied\": \"true\", \"depth\": \"1000000000\"}}, {Layer("layers.0.weight", 0)}}}", F64(Half))), "depth 1000000000"),
        ["--width 100000 --depth 1 --starts 3"] = ((d, o) => Census(o, "--width", "100000", "--depth", "1", "--starts", "3"), "--memory-limit"),
        ["--starts beyond the memory limit"] = ((d, o) => Census(o, "--starts", "1000000", "--width", "64", "--memory-limit", "100M"), "--memory-limit"),
        ["sweep realisations 1e9"] = ((d, o) => Sweep(d, """{"axes": {"width": [2], "depth": [1]}, "realisations": 1e9}"""), "--memory-limit"),
        ["csv.gz expanding to one long line"] = ((d, o) => Census(o, "--starts-file", LongLine(Path.Combine(d, "starts.csv.gz"))), "longer than"),
        // Accepted silently before.
        ["ONNX NaN weight"] = ((d, o) => Census(o, "--model", Interop.Fixtures.Path("nan_weight.onnx")), "non-finite"),
        ["safetensors duplicate key"] = ((d, o) => Census(o, "--model", Safetensors(Path.Combine(d, "m.safetensors"),
            $"{{{Tanh}, {Layer("layers.0.weight", 0)}, {Layer("layers.0.weight", 32)}}}", F64([.. Half, .. Half]))), "'layers.0.weight' appears twice"),
        ["layers.-1.weight"] = ((d, o) => Census(o, "--model", Safetensors(Path.Combine(d, "m.safetensors"),
            $"{{{Tanh}, {Layer("layers.0.weight", 0)}, {Layer("layers.-1.weight", 32)}}}", F64([.. Half, .. Half]))), "layers.-1.weight"),
        ["gap in layer numbers"] = ((d, o) => Census(o, "--model", Safetensors(Path.Combine(d, "m.safetensors"),
            $"{{{Tanh}, {Layer("layers.0.weight", 0)}, {Layer("layers.2.weight", 32)}}}", F64([.. Half, .. Half]))), "layers.1.weight is missing"),
        ["bias without its layer"] = ((d, o) => Census(o, "--model", Safetensors(Path.Combine(d, "m.safetensors"),
            $"{{{Tanh}, {Layer("layers.0.weight", 0)}, {Layer("layers.3.bias", 32, "[2]", 16)}}}", F64([.. Half, 0, 0]))), "layers.3.bias"),
        ["NaN in a tensor the network does not read"] = ((d, o) => Census(o, "--model", Safetensors(Path.Combine(d, "m.safetensors"),
            $"{{{Tanh}, {Layer("layers.0.weight", 0)}, {Layer("optimizer.state", 32, "[2]", 16)}}}", F64([.. Half, double.NaN, 0]))), "optimizer.state"),
        ["header not UTF-8"] = ((d, o) => Census(o, "--model", SafetensorsRaw(Path.Combine(d, "m.safetensors"),
            [.. "{\"__metadata__\": {\"activation\": \"t"u8, 0xff, 0xfe, .. "\"}}"u8], [])), "UTF-8"),
        ["absurd shape"] = ((d, o) => Census(o, "--model", Safetensors(Path.Combine(d, "m.safetensors"),
            $"{{{Tanh}, {Layer("layers.0.weight", 0, "[2147483647, 2147483647, 2147483647]")}}}", F64(Half))), "shape"),
        ["offsets beyond the file"] = ((d, o) => Census(o, "--model", Safetensors(Path.Combine(d, "m.safetensors"),
            $"{{{Tanh}, \"layers.0.weight\": {{\"dtype\": \"F64\", \"shape\": [2, 2], \"data_offsets\": [0, 9223372036854775807]}}}}", F64(Half))), "outside"),
        // Numbers at the edges.
        ["--atol NaN"] = ((d, o) => Census(o, "--atol", "NaN"), "--atol"),
        ["--unique-tol NaN"] = ((d, o) => Census(o, "--unique-tol", "NaN"), "--unique-tol"),
        ["--starts beyond int"] = ((d, o) => Census(o, "--starts", "3000000000"), "--starts"),
        ["--width beyond int"] = ((d, o) => Census(o, "--width", "3000000000"), "--width"),
        ["--box to infinity"] = ((d, o) => Census(o, "--box", "0", "1e309"), "--box"),
        ["--depth beyond the most layers"] = ((d, o) => Census(o, "--tied", "--depth", "2000000000"), "--depth"),
        ["--memory-limit not a size"] = ((d, o) => Census(o, "--memory-limit", "lots"), "--memory-limit"),
        // Strict sweep specs.
        ["spec trailing comma"] = ((d, o) => Sweep(d, """{"axes": {"width": [2], "depth": [1],}}"""), "trailing comma"),
        ["spec duplicate key"] = ((d, o) => Sweep(d, """{"axes": {"width": [2], "depth": [1], "width": [3]}}"""), "axes.width: the key appears twice"),
        ["spec unknown key"] = ((d, o) => Sweep(d, """{"axes": {"width": [2], "depth": [1]}, "realizations": 2}"""), "realizations: unknown key"),
        ["spec width beyond int"] = ((d, o) => Sweep(d, """{"axes": {"width": [3000000000], "depth": [1]}}"""), "beyond the integer range"),
        ["spec box overflows"] = ((d, o) => Sweep(d, """{"axes": {"width": [2], "depth": [1]}, "starts": {"box": [-1e308, 1e308]}}"""), "starts.box"),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    private static string[] Census(string outDir, params string[] args) => ["census", .. args, "--out", outDir];

    private static string[] Sweep(string dir, string spec)
    {
        string path = Path.Combine(dir, "spec.json");
        File.WriteAllText(path, spec);
        return ["sweep", "run", path, "--store", Path.Combine(dir, "store.db")];
    }

    /// <summary>A 40 KB gzip file that expands to one 40-million-character line.</summary>
    private static string LongLine(string path)
    {
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Optimal);
        var chunk = new byte[1 << 20];
        chunk.AsSpan().Fill((byte)'1');
        for (int i = 0; i < 40; i++) gz.Write(chunk);
        return path;
    }

    /// <summary>A census the bad runs must not disturb: its folder, with a plot.</summary>
    internal static string EarlierCensus(string dir)
    {
        string outDir = Path.Combine(dir, "census");
        CliRunner.Run r = CliRunner.Invoke("census", "--width", "2", "--depth", "1", "--starts", "16", "--seed", "3", "--threads", "1", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Err);
        return outDir;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void RefusedInOneLineLeavingTheEarlierCensusAsItWas(string name)
    {
        string dir = CliRunner.TempDir();
        string outDir = EarlierCensus(dir);
        var before = Snapshot(outDir);
        Assert.Contains("census.png", before.Keys);
        var (args, says) = Cases[name];
        string line = Refused(args(dir, outDir));
        Assert.Contains(says, line);
        Assert.Equal(before, Snapshot(outDir));
        // Nothing is left beside the folder either: a refused run stages nothing.
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir, ".census.*"));
    }

    [Fact]
    public void AWideEnoughMemoryLimitLetsTheSameRunThrough()
    {
        string dir = CliRunner.TempDir();
        string[] args = ["census", "--width", "4", "--starts", "50", "--no-plot", "--out", Path.Combine(dir, "c")];
        Assert.Contains("--memory-limit", Refused([.. args, "--memory-limit", "1K"]));
        CliRunner.Run ok = CliRunner.Invoke([.. args, "--memory-limit", "1G"]);
        Assert.True(ok.ExitCode == 0, ok.Err);
        Assert.True(File.Exists(Path.Combine(dir, "c", "census.json")));
    }
}
