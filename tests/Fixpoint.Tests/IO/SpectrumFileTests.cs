using System.Text.Json.Nodes;
using Fixpoint.IO;
using Fixpoint.Spectra;
using Fixpoint.Tests.Interop;

namespace Fixpoint.Tests.ResultFiles;

/// <summary>spectrum.json and depth.json are defined by <see cref="SpectrumFile"/> and <see cref="DepthFile"/>: they round-trip byte for byte and read the files written before the records existed.</summary>
public class SpectrumFileTests
{
    private static byte[] Bytes(Action<Stream> write)
    {
        using var s = new MemoryStream();
        write(s);
        return s.ToArray();
    }

    /// <summary>The committed files were written field by field before the records (their command lines say how).</summary>
    [Fact]
    public void FilesWrittenBeforeTheRecordsReadAndWriteBackUnchanged()
    {
        string spectrum = Fixtures.Path("results/spectrum.json");
        SpectrumFile s = SpectrumFile.Read(spectrum);
        Assert.Equal(File.ReadAllBytes(spectrum), Bytes(st => SpectrumFile.Write(st, s)));
        Assert.True(s.Theory.Applicable);
        Assert.Equal(SpectrumInputs.Gaussian, s.Inputs);
        Assert.Equal(s.Jacobians, s.Points.Count);

        string depth = Fixtures.Path("results/depth.json");
        DepthFile d = DepthFile.Read(depth);
        Assert.Equal(File.ReadAllBytes(depth), Bytes(st => DepthFile.Write(st, d)));
        Assert.Equal([1, 2], d.Rows.Select(r => r.Depth));
    }

    [Fact]
    public void ASpectrumAtFixedPointsRoundTripsByteForByte()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("spectrum", "--width", "6", "--depth", "1", "--realisations", "2", "--inputs", "fixed-points", "--unstable", "--starts", "100",
            "--weights", "cauchy(1)", "--out", dir, "--no-plot");
        Assert.True(run.ExitCode == 0, run.Err);
        string path = Path.Combine(dir, "spectrum.json");
        SpectrumFile s = SpectrumFile.Read(path);
        Assert.Equal(File.ReadAllBytes(path), Bytes(st => SpectrumFile.Write(st, s)));
        Assert.Equal(SpectrumInputs.FixedPoints, s.Inputs);
        Assert.False(s.Theory.Applicable);
        JsonNode root = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("fixed-points", (string?)root["inputs"]);
        Assert.Null(root["theory"]!["mean"]);
        Assert.All(root["points"]!.AsArray(), p => Assert.Contains((string?)p!["stability"], new[] { "stable", "unstable", "marginal" }));
        Assert.Equal(s.Weights.Layers[0].Verdict!.Class, Enum.GetValues<TailClass>().Single(c => SpectrumFile.ClassKey(c) == (string?)root["weights"]!["layers"]![0]!["verdict"]!["class"]));
    }

    [Fact]
    public void AFileOfAnotherFormatIsRefusedByName()
    {
        var e = Assert.Throws<ModelFormatException>(() => SpectrumFile.Read(Fixtures.Path("results/depth.json")));
        Assert.Contains("is a fixpoint-spectrum-depth/1 file, not fixpoint-spectrum/1", e.Message);
        Assert.IsType<DepthFile>(ResultJson.ReadKnown(Fixtures.Path("results/depth.json")));
        Assert.Null(ResultJson.ReadKnown(Fixtures.Path("expected_outputs.json")));
    }
}
