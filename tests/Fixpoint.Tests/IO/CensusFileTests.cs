using Fixpoint.Experiments;
using System.Text.Json.Nodes;
using Fixpoint.Census;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Tests.Interop;

namespace Fixpoint.Tests.ResultFiles;

/// <summary>census.json is defined by <see cref="CensusFile"/>: it round-trips byte for byte, reads the files written before the record existed, and refuses a file that is not one with one line.</summary>
public class CensusFileTests
{
    private static byte[] Bytes(CensusFile f)
    {
        using var s = new MemoryStream();
        CensusFile.Write(s, f);
        return s.ToArray();
    }

    /// <summary>
    /// The committed files were written by the field-by-field writer that CensusFile replaced (their command lines say how).
    /// They write back byte for byte, except for outcome counts the census has gained since, which must then be zero.
    /// </summary>
    [Theory]
    [InlineData("census-poly.json")]
    [InlineData("census-cycle.json")]
    public void FilesWrittenBeforeTheRecordReadAndWriteBackUnchanged(string name)
    {
        string path = Fixtures.Path(Path.Combine("results", name));
        CensusFile c = CensusFile.Read(path);
        JsonObject old = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        JsonObject written = JsonNode.Parse(Bytes(c))!.AsObject();
        foreach (string part in new[] { "outcomes", "basinTotals" })
        {
            JsonObject o = written[part]!.AsObject();
            foreach (string added in o.Select(p => p.Key).Except(old[part]!.AsObject().Select(p => p.Key)).ToList())
            {
                Assert.Equal(0.0, (double)o[added]!);
                o.Remove(added);
            }
        }
        Assert.Equal(old.ToJsonString(), written.ToJsonString());
        if (c.OutcomeEntries().Count == old["outcomes"]!.AsObject().Count) Assert.Equal(File.ReadAllBytes(path), Bytes(c));
    }

    [Fact]
    public void ACensusWrittenByTheCliRoundTripsByteForByte()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--network", "ke2024-poly", "--dim", "2", "--m", "100", "--unstable", "--box", "-3", "3", "--starts", "200", "--out", dir, "--no-plot");
        Assert.True(run.ExitCode == 0, run.Err);
        string path = Path.Combine(dir, "census.json");
        CensusFile first = CensusFile.Read(path);
        string again = Path.Combine(dir, "again.json");
        CensusFile.Write(again, first);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
        Assert.Equal(Bytes(first), Bytes(CensusFile.Read(again)));
        Assert.Equal(16, first.FixedPoints.Count);
        Assert.Equal("exact", first.Jacobian);
        Assert.Contains(first.FixedPoints, f => f.FoundBy == FoundBy.Newton);
    }

    [Fact]
    public void TheFileModelCarriesEveryFieldOfTheResult()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        CensusResult r = FixedPointCensus.Run(net, new UniformBoxStarts(-3, 3), 100, 1, new CensusOptions { Unstable = true });
        CensusFile f = CensusFile.From(r, new Dictionary<string, string> { ["command"] = "c", ["jacobian"] = "exact" });
        Assert.Equal("c", f.Command);
        Assert.Null(f.FixpointVersion);
        Assert.Equal(r.Outcomes, f.Outcomes);
        Assert.Equal(r.StableCount, f.Q);
        for (int i = 0; i < r.FixedPoints.Count; i++)
        {
            FixedPointInfo a = r.FixedPoints[i];
            CensusFixedPoint b = f.FixedPoints[i];
            Assert.Equal(a.X, b.X);
            Assert.Equal(a.Eigenvalues, b.Eigenvalues);
            Assert.Equal(a.BasinCI95, b.BasinCI95);
            Assert.Equal(a.FoundBy, b.FoundBy);
            Assert.Equal(a.IsFocus, b.Type == FixedPointType.Focus);
        }
        Assert.Throws<ArgumentException>(() => CensusFile.From(r, new Dictionary<string, string> { ["colour"] = "red" }));
    }

    /// <summary>Outcomes are written from <see cref="OutcomeCounts"/> itself, so every count it has is a key (and a basin fraction), under today's names.</summary>
    [Fact]
    public void OutcomesAndBasinTotalsFollowTheOutcomeRecord()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        CensusResult r = FixedPointCensus.Run(net, new UniformBoxStarts(-3, 3), 100, 1, new CensusOptions());
        string path = Path.Combine(CliRunner.TempDir(), "census.json");
        CensusFile.Write(path, r);
        JsonObject root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        CensusFile f = CensusFile.Read(path);
        var keys = f.OutcomeEntries().Select(e => e.Key).ToList();
        Assert.Equal(["converged", "cycle", "diverged", "maxIterations"], keys.Take(4));
        Assert.Equal(keys, root["outcomes"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["fixedPoints", "cycles", .. keys.Where(k => k is not ("converged" or "cycle" or "cancelled"))], f.BasinTotals.Keys);
        Assert.Equal(1.0, f.BasinTotals.Values.Sum(), 12);
    }

    [Fact]
    public void NonFiniteNumbersAreNullAndReadBackAsNaN()
    {
        CensusFile f = CensusFile.Read(Fixtures.Path("results/census-cycle.json"));
        CensusFixedPoint p = new([0.5], double.NaN, false, double.PositiveInfinity, Stability.Marginal, 0, FixedPointType.Node, [new(double.NaN, 0)], 0, 0, (0, 1), FoundBy.Newton,
            SpectralRadiusError: double.PositiveInfinity);
        CensusFile g = f with { FixedPoints = [p] };
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "census.json");
        CensusFile.Write(path, g);
        JsonNode fp = JsonNode.Parse(File.ReadAllText(path))!["fixedPoints"]![0]!;
        Assert.Null(fp["residual"]);
        Assert.Null(fp["spectralRadius"]);
        Assert.Null(fp["spectralRadiusError"]);
        Assert.Null(fp["eigenvalues"]![0]![0]);
        Assert.Equal("newton", (string?)fp["foundBy"]);
        CensusFixedPoint back = CensusFile.Read(path).FixedPoints[0];
        Assert.True(double.IsNaN(back.Residual) && double.IsNaN(back.SpectralRadius) && double.IsNaN(back.SpectralRadiusError));
        Assert.Equal(File.ReadAllBytes(path), Bytes(CensusFile.Read(path)));
    }

    [Theory]
    [InlineData("dimension", "dimension")]
    [InlineData("outcomes", "outcomes")]
    [InlineData("fixedPoints", "fixedPoints")]
    public void AFileWithoutARequiredFieldNamesIt(string field, string expected)
    {
        JsonObject root = JsonNode.Parse(File.ReadAllText(Fixtures.Path("results/census-poly.json")))!.AsObject();
        root.Remove(field);
        string path = Path.Combine(CliRunner.TempDir(), "census.json");
        File.WriteAllText(path, root.ToJsonString());
        var e = Assert.Throws<ModelFormatException>(() => CensusFile.Read(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void AFixedPointOfTheWrongDimensionIsRefused()
    {
        JsonObject root = JsonNode.Parse(File.ReadAllText(Fixtures.Path("results/census-poly.json")))!.AsObject();
        root["fixedPoints"]![0]!["x"] = new JsonArray(1.0, 2.0, 3.0);
        string path = Path.Combine(CliRunner.TempDir(), "census.json");
        File.WriteAllText(path, root.ToJsonString());
        Assert.Contains("fixed point 0 has 3 coordinates", Assert.Throws<ModelFormatException>(() => CensusFile.Read(path)).Message);
    }

    public static TheoryData<string, string> BadCensusFiles => new()
    {
        { "{ not json", "is not valid JSON" },
        { "[1, 2]", "not a JSON object" },
        { """{"dimension": 2, "fixedPoints": []}""", "no format field" },
        { """{"format": "fixpoint-certify/1"}""", "is a fixpoint-certify/1 file, not fixpoint-census/1" },
        { """{"format": "fixpoint-census/1", "dimension": "two"}""", "is not a valid fixpoint-census/1 file" },
    };

    /// <summary>certify --around with a file that is not a census.json: one line naming the file, exit 2.</summary>
    [Theory]
    [MemberData(nameof(BadCensusFiles))]
    public void CertifyAroundABadCensusFileExitsTwoWithOneLine(string content, string expected)
    {
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "census.json");
        File.WriteAllText(path, content);
        var run = CliRunner.Invoke("certify", "--around", path, "--network", "ke2024-poly", "--out", dir);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Err);
        Assert.Contains(path, run.Err);
        Assert.Single(run.Err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void CertifyAroundACensusWithoutARequiredFieldExitsTwoNamingIt()
    {
        string dir = CliRunner.TempDir();
        File.Copy(Fixtures.Path("results/census-poly.json"), Path.Combine(dir, "full.json"));
        JsonObject root = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "full.json")))!.AsObject();
        root.Remove("dimension");
        string path = Path.Combine(dir, "census.json");
        File.WriteAllText(path, root.ToJsonString());
        var run = CliRunner.Invoke("certify", "--around", path, "--network", "ke2024-poly", "--dim", "2", "--m", "100", "--out", dir);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("dimension", run.Err);
        Assert.Single(run.Err.TrimEnd().Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "certify.json")));
    }
}
