using System.Text.Json;
using Fixpoint.IO;

namespace Fixpoint.Tests.Continuation;

/// <summary><c>fixpoint census --deflate</c>: the points deflation adds, how census.json records them, and its option errors.</summary>
public sealed class DeflationCliTests
{
    [Fact]
    public void DeflationFromOneStartFindsTheOtherTwoFixedPointsOfTanh2x()
    {
        string dir = CliRunner.TempDir();
        string model = Path.Combine(dir, "net.safetensors");
        ModelFile.Save(TestNetworks.Scalar(2, 0), model);
        CliRunner.Run run = CliRunner.Invoke("census", "--model", model, "--starts", "1", "--box", "0.5", "0.9", "--deflate", "--deflate-starts", "1", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "census.json")));
        var points = doc.RootElement.GetProperty("fixedPoints").EnumerateArray().ToList();
        Assert.Equal(3, points.Count);
        Assert.Equal(2, points.Count(p => p.GetProperty("foundBy").GetString() == "deflation"));
        Assert.Equal(1, doc.RootElement.GetProperty("options").GetProperty("deflateStarts").GetInt32());
    }

    [Fact]
    public void DeflateStartsWithoutDeflateIsOneLineAndExitTwo()
    {
        CliRunner.Run run = CliRunner.Invoke("census", "--width", "2", "--depth", "1", "--deflate-starts", "3", "--out", Path.Combine(CliRunner.TempDir(), "o"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--deflate-starts needs --deflate", run.Err);
        CliRunner.Run negative = CliRunner.Invoke("census", "--width", "2", "--depth", "1", "--deflate", "--deflate-starts", "-1", "--out", Path.Combine(CliRunner.TempDir(), "o"));
        Assert.Equal(2, negative.ExitCode);
        Assert.Contains("--deflate-starts", negative.Err);
    }
}
