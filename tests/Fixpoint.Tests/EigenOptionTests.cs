using System.Text.Json.Nodes;
using Fixpoint.Census;
using Fixpoint.IO;

namespace Fixpoint.Tests;

/// <summary>`fixpoint census --eigen`: the names it takes, and what census.json records.</summary>
public class EigenOptionTests
{
    [Fact]
    public void UnknownEigenMethodIsOneLineAndExit2()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--width", "4", "--starts", "3", "--eigen", "arpack", "--no-plot", "--out", dir);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--eigen 'arpack'", run.Err);
        Assert.Contains(FixedPointStability.MethodNames, run.Err);
        Assert.Single(run.Err.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "census.json")));
    }

    [Theory]
    [InlineData(null, "dense")]
    [InlineData("dense", "dense")]
    [InlineData("krylov", "krylov")]
    public void CensusJsonSaysWhichMethodGaveTheEigenvalues(string? eigen, string expected)
    {
        string dir = CliRunner.TempDir();
        var args = new List<string> { "census", "--width", "6", "--starts", "20", "--no-plot", "--out", dir };
        if (eigen is not null) args.AddRange(["--eigen", eigen]);
        var run = CliRunner.Invoke([.. args]);
        Assert.True(run.ExitCode == 0, run.Err);
        JsonObject json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "census.json")))!.AsObject();
        JsonArray points = json["fixedPoints"]!.AsArray();
        Assert.NotEmpty(points);
        foreach (JsonNode? p in points)
        {
            Assert.Equal(expected, (string)p!["eigenvalueMethod"]!);
            Assert.True((double)p["eigenvalueResidual"]! >= 0);
        }
        CensusFile back = CensusFile.Read(Path.Combine(dir, "census.json"));
        Assert.All(back.FixedPoints, f => Assert.Equal(expected == "krylov" ? EigenMethod.Krylov : EigenMethod.Dense, f.EigenvalueMethod));
    }
}
