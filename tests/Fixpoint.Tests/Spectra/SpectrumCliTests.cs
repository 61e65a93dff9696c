using System.Text.Json;
using Fixpoint.IO;

namespace Fixpoint.Tests.Spectra;

public class SpectrumCliTests
{
    [Fact]
    public void SpectrumWritesTheJsonContractAndTheFigures()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("spectrum", "--width", "30", "--depth", "3", "--sigma-w2", "1.5", "--sigma-b2", "0.05",
            "--realisations", "4", "--points", "2", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("prediction (free probability", run.Out);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "spectrum.json")));
        JsonElement root = doc.RootElement;
        Assert.Equal("fixpoint-spectrum/1", root.GetProperty("format").GetString());
        Assert.Equal(4, root.GetProperty("realisations").GetInt32());
        Assert.Equal(8, root.GetProperty("jacobians").GetInt32());
        Assert.Equal(8 * 30, root.GetProperty("esd").GetProperty("count").GetInt32());
        JsonElement theory = root.GetProperty("theory");
        Assert.True(theory.GetProperty("applicable").GetBoolean());
        Assert.Equal(1.5, theory.GetProperty("sigmaW2").GetDouble(), 12);
        Assert.Equal(3, theory.GetProperty("layers").GetArrayLength());
        foreach (string key in new[] { "mean", "variance", "meanRelativeError", "varianceRelativeError" })
            Assert.True(theory.TryGetProperty(key, out _), key);
        Assert.Equal(3, root.GetProperty("weights").GetProperty("layers").GetArrayLength());
        Assert.Equal("light", root.GetProperty("weights").GetProperty("pooled").GetProperty("verdict").GetProperty("class").GetString());
        Assert.Equal(8, root.GetProperty("points").GetArrayLength());
        foreach (string png in new[] { "esd.png", "esd_log.png", "eigenvalues.png", "hill.png", "powerlaw.png" })
            Assert.True(new FileInfo(Path.Combine(dir, png)).Length > 10_000, png);
    }

    [Fact]
    public void FixedPointInputsRunACensusPerRealisation()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("spectrum", "--width", "4", "--depth", "2", "--weights", "gaussian(2)", "--realisations", "3",
            "--inputs", "fixed-points", "--starts", "60", "--out", dir, "--no-plot");
        Assert.True(run.ExitCode == 0, run.Err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "spectrum.json")));
        JsonElement root = doc.RootElement;
        Assert.False(root.GetProperty("theory").GetProperty("applicable").GetBoolean());
        var details = root.GetProperty("realisationDetails").EnumerateArray().ToList();
        Assert.Equal(3, details.Count);
        Assert.All(details, d => Assert.True(d.GetProperty("q").GetInt32() >= 0));
        Assert.All(root.GetProperty("points").EnumerateArray(), p => Assert.Equal("fixed-point", p.GetProperty("kind").GetString()));
        Assert.False(File.Exists(Path.Combine(dir, "esd.png")));
    }

    [Fact]
    public void DepthEnsembleWritesOneRowPerDepth()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("spectrum", "--width", "4", "--depths", "2,1", "--weights", "cauchy(1)", "--scaling", "1/n",
            "--realisations", "2", "--starts", "40", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "depth.json")));
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("depth").GetInt32()));
        Assert.All(rows, r => Assert.Equal(2, r.GetProperty("q").GetArrayLength()));
        Assert.Equal(4, doc.RootElement.GetProperty("records").GetArrayLength());
        Assert.True(new FileInfo(Path.Combine(dir, "depth.png")).Length > 10_000);
    }

    [Theory]
    [InlineData("--realisations", "0")]
    [InlineData("--inputs", "random")]
    [InlineData("--points", "0")]
    [InlineData("--bins", "0")]
    [InlineData("--depths", "0,2")]
    [InlineData("--depths", "2,x")]
    [InlineData("--depths", "2,2")]
    [InlineData("--sigma-w2", "-1")]
    [InlineData("--sigma-b2", "nan")]
    [InlineData("--box", "1", "-1")]
    [InlineData("--weights", "levy(1)")]
    [InlineData("--model", "/nonexistent/net.safetensors")]
    [InlineData("--sigma-w2", "1", "--weights", "gaussian(1)")]
    [InlineData("--sigma-b2", "0.1", "--biases", "gaussian(1)")]
    [InlineData("--sigma-w2", "1", "--scaling", "1/n")]
    [InlineData("--depths", "1,2", "--depth", "3")]
    [InlineData("--depths", "1,2", "--inputs", "census")]
    [InlineData("--points", "3", "--inputs", "fixed-points")]
    [InlineData("--network", "ke2024-poly", "--realisations", "2")]
    [InlineData("--inputs-file", "/nonexistent/points.csv")]
    [InlineData("--no-such-option")]
    public void BadInputExitsWithTwoAndOneLine(params string[] args)
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke(["spectrum", "--width", "4", "--depth", "2", "--out", Path.Combine(dir, "o"), .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.StartsWith("error:", run.Err);
        Assert.False(Directory.Exists(Path.Combine(dir, "o")) && Directory.EnumerateFiles(Path.Combine(dir, "o")).Any());
    }

    [Fact]
    public void InputsFileWithTheWrongWidthIsRefused()
    {
        string dir = CliRunner.TempDir();
        string csv = Path.Combine(dir, "p.csv");
        File.WriteAllText(csv, "0.1,0.2,0.3\n");
        var run = CliRunner.Invoke("spectrum", "--width", "4", "--inputs-file", csv, "--out", Path.Combine(dir, "o"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("3 columns", run.Err);
    }

    [Fact]
    public void AModelFileIsMeasuredWithoutAPrediction()
    {
        string dir = CliRunner.TempDir();
        string model = Path.Combine(dir, "m.safetensors");
        var save = CliRunner.Invoke("spectrum", "--width", "6", "--depth", "2", "--save-model", model, "--out", Path.Combine(dir, "a"), "--no-plot");
        Assert.True(save.ExitCode == 0, save.Err);
        var run = CliRunner.Invoke("spectrum", "--model", model, "--out", Path.Combine(dir, "b"), "--no-plot");
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("not applicable (a model file", run.Out);
        // the same network, the same Gaussian input stream: the same spectrum
        using var a = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "a", "spectrum.json")));
        using var b = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "b", "spectrum.json")));
        Assert.Equal(a.RootElement.GetProperty("esd").GetProperty("mean").GetDouble(), b.RootElement.GetProperty("esd").GetProperty("mean").GetDouble());
    }

    [Fact]
    public void InterruptedBeforeAnyJacobianExitsWith130AndWritesNothing()
    {
        string dir = CliRunner.TempDir();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var run = CliRunner.Invoke(cts.Token, "spectrum", "--width", "6", "--realisations", "3", "--out", dir);
        Assert.Equal(130, run.ExitCode);
        Assert.False(File.Exists(Path.Combine(dir, "spectrum.json")));
        var depth = CliRunner.Invoke(cts.Token, "spectrum", "--width", "4", "--depths", "1,2", "--out", dir);
        Assert.Equal(130, depth.ExitCode);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "depth.json")));
        Assert.True(doc.RootElement.GetProperty("partial").GetBoolean());
    }
}
