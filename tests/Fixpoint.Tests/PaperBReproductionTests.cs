using Fixpoint.Experiments;

namespace Fixpoint.Tests;

public class PaperBReproductionTests
{
    [Fact]
    public void QuickPlanWritesStoresReportsAndTablesAndResumesToTheSameTables()
    {
        string dir = Path.Combine(CliRunner.TempDir(), "pb");
        var first = CliRunner.Invoke("reproduce", "paper-b", "--quick", "--no-plot", "--out", dir);
        Assert.Equal(0, first.ExitCode);
        foreach (PaperBSweep s in PaperBReproduction.Quick)
        {
            Assert.True(File.Exists(Path.Combine(dir, s.Name + ".db")), s.Name);
            Assert.True(File.Exists(Path.Combine(dir, s.Name, "summary.csv")), s.Name);
            Assert.True(File.Exists(Path.Combine(dir, s.Name, "homogeneity.csv")), s.Name);
            // The spec written beside the store is the one the store holds (sweep run can resume it).
            Assert.Equal(s.Spec.Hash, SweepSpec.Load(Path.Combine(dir, "specs", s.Name + ".json")).Hash);
        }
        string tables = File.ReadAllText(Path.Combine(dir, "tables.md"));
        Assert.Contains("### claim3 (claim 3): 18 of 18 networks", tables);
        Assert.Contains("| P(Q ≥ 2) [95%] |", tables);
        Assert.DoesNotContain("INCOMPLETE", tables);

        // A second run finds every task stored and regenerates the same tables from the stores.
        var second = CliRunner.Invoke("reproduce", "paper-b", "--quick", "--no-plot", "--out", dir);
        Assert.Equal(0, second.ExitCode);
        static string Body(string t) => t[(t.IndexOf("-->", StringComparison.Ordinal) + 3)..];
        Assert.Equal(Body(tables), Body(File.ReadAllText(Path.Combine(dir, "tables.md"))));
    }

    [Fact]
    public void AnUnknownSweepIsRefusedNamingThePlan()
    {
        var run = CliRunner.Invoke("reproduce", "paper-b", "--quick", "--sweeps", "claim9", "--out", CliRunner.TempDir());
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no sweep 'claim9'", run.Err);
        Assert.Contains("claim1, claim2, claim3", run.Err);
    }

    [Fact]
    public void TheFullPlanMeetsTheCountsTheClaimsNeed()
    {
        // ≥ 100 networks per cell, the three bias spreads, depths to 512, widths to 200, and the Newton pass everywhere.
        var specs = PaperBReproduction.Full.Select(s => s.Spec).ToList();
        Assert.All(specs, s => Assert.True(s.Realisations >= 100));
        Assert.All(specs, s => Assert.True(s.Census.Unstable));
        Assert.Equal(512, specs.Max(s => s.Depths.Max()));
        Assert.Equal(200, specs.Max(s => s.Widths.Max()));
        Assert.Equal(10, specs.Min(s => s.Widths.Min()));
        Assert.Equal(3, specs.SelectMany(s => s.Biases).Distinct().Count());
    }
}
