using Fixpoint.Experiments;
using System.Text.Json.Nodes;
using Fixpoint.Census;
using Fixpoint.Certify;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Tests.Interop;

namespace Fixpoint.Tests.ResultFiles;

/// <summary>certify.json is defined by <see cref="CertifyFile"/>: it round-trips byte for byte and reads the files written before the record existed.</summary>
public class CertifyFileTests
{
    private static byte[] Bytes(CertifyFile f)
    {
        using var s = new MemoryStream();
        CertifyFile.Write(s, f);
        return s.ToArray();
    }

    /// <summary>
    /// The committed file was written field by field before the record (its command line says how): it reads, holds the
    /// same JSON (enumeration entries now list stability before spectralRadius, which JSON readers do not see), and
    /// then round-trips byte for byte.
    /// </summary>
    [Fact]
    public void AFileWrittenBeforeTheRecordReadsToTheSameJson()
    {
        string path = Fixtures.Path("results/certify.json");
        CertifyFile c = CertifyFile.Read(path);
        byte[] written = Bytes(c);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(path)), JsonNode.Parse(written)));
        string again = Path.Combine(CliRunner.TempDir(), "certify.json");
        File.WriteAllBytes(again, written);
        Assert.Equal(written, Bytes(CertifyFile.Read(again)));
        Assert.Equal(16, c.Certified.Count(p => p.Source == CertifiedSource.Census));
        Assert.Equal(EnumerationStatus.Incomplete, c.Enumeration!.Status);
        Assert.Equal(RegionStatus.Failed, c.Region!.Status);
        Assert.Contains(c.Region.Violations, v => v.Condition == RegionCondition.Inclusion && v.Coordinate == 0 && v.Row is null);
        Assert.NotEmpty(c.Undecided);
        Assert.Null(c.ProvenCount);
    }

    [Fact]
    public void CertifyAroundACensusRoundTripsByteForByte()
    {
        string dir = CliRunner.TempDir();
        File.Copy(Fixtures.Path("results/census-poly.json"), Path.Combine(dir, "census.json"));
        var run = CliRunner.Invoke("certify", "--around", Path.Combine(dir, "census.json"), "--network", "ke2024-poly", "--dim", "2", "--m", "100",
            "--enumerate", "--box", "-3", "3", "--region", "1.302,1.502", "--region", "-0.3,0.3", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        string path = Path.Combine(dir, "certify.json");
        CertifyFile c = CertifyFile.Read(path);
        Assert.Equal(File.ReadAllBytes(path), Bytes(c));
        Assert.Equal(16, c.ProvenCount);
        Assert.Equal(RegionStatus.Certified, c.Region!.Status);
        Assert.All(c.Certified.Where(p => p.Source == CertifiedSource.Census), p => Assert.NotNull(p.MinRadius));
        Assert.All(c.Certified.Where(p => p.Source == CertifiedSource.Enumeration), p => Assert.Null(p.Residual));
        JsonNode root = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("Complete", (string?)root["enumeration"]!["status"]);
        Assert.Equal("certified", (string?)root["region"]!["status"]);
        Assert.NotNull(root["region"]!["K"]);
    }

    /// <summary>A point Krawczyk did not certify is written with its status and reason, and an infinite interval bound is null.</summary>
    [Fact]
    public void NotCertifiedPointsAndInfiniteBoundsRoundTrip()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        var point = new CensusFixedPoint([0.7, 0.7], 0.1, false, 1, Stability.Marginal, 0, FixedPointType.Node, [], 1, 1, (0, 1), FoundBy.Iteration);
        var r = new KrawczykResult(CertificateStatus.Unknown, UnknownReason.SingularJacobian, point.X, 0.1, null, null, null, double.NaN, double.NaN, double.NaN, 1);
        var region = RegionCertificate.Check(net, [new Interval(0.5, 1.502), new Interval(-0.3, 0.3)], new RegionCertificateOptions());
        region = region with { Image = [Interval.Entire, region.Image[1]] };
        CertifyFile f = CertifyFile.From("0", "fixpoint certify", "net", 2, [(point, r)], region, null, 1.5);
        string path = Path.Combine(CliRunner.TempDir(), "certify.json");
        CertifyFile.Write(path, f);
        JsonNode root = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("unknown", (string?)root["notCertified"]![0]!["status"]);
        Assert.Equal(UnknownReason.SingularJacobian.Message(), (string?)root["notCertified"]![0]!["reason"]);
        Assert.Null(root["notCertified"]![0]!["excludedRadius"]);
        Assert.Null(root["region"]!["image"]![0]![0]);
        Assert.Null(root["enumeration"]);
        Assert.Null(root["provenCount"]);
        CertifyFile back = CertifyFile.Read(path);
        Assert.Equal(Interval.Entire, back.Region!.Image[0]);
        Assert.Equal(r.Status, back.NotCertified[0].Status);
        Assert.Equal(File.ReadAllBytes(path), Bytes(back));
    }
}
