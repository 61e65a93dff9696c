using Fixpoint.Experiments;
using Microsoft.Data.Sqlite;

namespace Fixpoint.Tests;

/// <summary>Sweep rows that count every fixed point, and the statistics the report draws from them.</summary>
public class CompleteCountTests
{
    [Theory]
    [InlineData(1.0, 2.0, 0.1353352832366127)]     // Q(1, x) = e^{−x}
    [InlineData(0.5, 1.9207294, 0.05)]            // χ²₁ at its 5% point 3.8414588
    [InlineData(2.0, 4.7438645, 0.05)]            // χ²₄ at its 5% point 9.487729
    [InlineData(5.0, 2.0, 0.9473469830817653)]    // series branch (x < a + 1)
    public void UpperRegularizedGammaHasKnownValues(double a, double x, double expected) =>
        Assert.Equal(expected, Homogeneity.UpperRegularizedGamma(a, x), 6);

    [Fact]
    public void LogGammaOfIntegersIsLogFactorial()
    {
        Assert.Equal(Math.Log(24), Homogeneity.LogGamma(5), 12);
        Assert.Equal(Math.Log(Math.Sqrt(Math.PI)), Homogeneity.LogGamma(0.5), 12);
    }

    [Fact]
    public void ChiSquareOfATwoByTwoTableMatchesTheTextbook()
    {
        // Groups A and B, 30 each: A has 10 of category 0 and 20 of 1, B the reverse. χ² = 6.667, df 1, p = 0.00982.
        int[] groups = [.. Enumerable.Repeat(0, 30), .. Enumerable.Repeat(1, 30)];
        int[] labels = [.. Enumerable.Repeat(0, 10), .. Enumerable.Repeat(1, 20), .. Enumerable.Repeat(0, 20), .. Enumerable.Repeat(1, 10)];
        HomogeneityResult r = Homogeneity.Test(groups, labels, draws: 4000)!;
        Assert.Equal(20.0 / 3.0, r.Statistic, 9);
        Assert.Equal(1, r.DegreesOfFreedom);
        Assert.Equal(0.009823, r.PValue, 5);
        Assert.InRange(r.PermutationPValue, 0.003, 0.03); // exact (hypergeometric) two-sided p is 0.0195
        Assert.Equal(r, Homogeneity.Test(groups, labels, draws: 4000)); // a fixed seed: the same answer every time
    }

    [Fact]
    public void IdenticalGroupsAreNotRejected()
    {
        int[] groups = [.. Enumerable.Range(0, 90).Select(i => i / 30)];
        int[] labels = [.. Enumerable.Range(0, 90).Select(i => i % 3)];
        HomogeneityResult r = Homogeneity.Test(groups, labels, draws: 2000)!;
        Assert.Equal(0, r.Statistic, 12);
        Assert.Equal(1, r.PValue, 12);
        Assert.Equal(1, r.PermutationPValue, 12);
        Assert.Null(Homogeneity.Test([0, 0, 0], [0, 1, 2]));
    }

    [Fact]
    public void RowsCountEveryFixedPointByItsUnstableDimensions()
    {
        SweepSpec spec = SweepSpec.Parse(SweepTests.Small);
        foreach (SweepTask task in spec.Tasks())
        {
            TaskRow row = SweepRunner.RunTask(spec, task)!;
            Assert.NotNull(row.UnstableDimensionCounts);
            Assert.Equal(row.DistinctFixedPoints, row.UnstableDimensionCounts!.Sum());
            Assert.Equal(row.UnstableDimensionCounts.Length > 0 ? row.UnstableDimensionCounts[0] : 0, row.Q + (row.DistinctFixedPoints - row.Q - row.UnstableCount!.Value));
            Assert.Equal(row.DistinctFixedPoints, row.QTotal);
            Assert.InRange(row.StableUnreached!.Value, 0, row.Q);
            Assert.InRange(row.CornerPoints!.Value, 0, row.DistinctFixedPoints);
        }
    }

    [Fact]
    public void ALayoutOneStoreIsReadAndUpgradedWhenResumed()
    {
        string dir = CliRunner.TempDir();
        string path = Path.Combine(dir, "s.db");
        SweepSpec spec = SweepSpec.Parse(SweepTests.Small);
        var tasks = spec.Tasks();
        using (SweepStore s = SweepStore.OpenOrCreate(path, spec)) s.Insert(SweepRunner.RunTask(spec, tasks[0])!);
        // Make it the layout stores had before: no layout-2 columns, user_version 1.
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "ALTER TABLE tasks DROP COLUMN unstable_dims; ALTER TABLE tasks DROP COLUMN stable_unreached; ALTER TABLE tasks DROP COLUMN corner_points; PRAGMA user_version=1; PRAGMA wal_checkpoint(TRUNCATE);";
            cmd.ExecuteNonQuery();
        }
        using (SweepStore s = SweepStore.Open(path))
        {
            TaskRow old = Assert.Single(s.Rows());
            Assert.Null(old.UnstableDimensionCounts);
            Assert.Null(old.StableUnreached);
        }
        using (SweepStore s = SweepStore.OpenOrCreate(path, spec)) s.Insert(SweepRunner.RunTask(spec, tasks[1])!);
        using (SweepStore s = SweepStore.Open(path))
        {
            var rows = s.Rows();
            Assert.Equal(2, rows.Count);
            Assert.Null(rows[0].CornerPoints);
            Assert.NotNull(rows[1].CornerPoints);
            Assert.Null(SweepSummary.Summarise(rows).First(c => c.Cell == rows[0].Cell).CornerMean);
        }
        using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "PRAGMA user_version";
            Assert.Equal(SweepStore.UserVersion, Convert.ToInt32(cmd.ExecuteScalar()));
        }
    }

    [Fact]
    public void ReportWritesHomogeneityTestsAcrossDepth()
    {
        string dir = CliRunner.TempDir();
        SweepSpec spec = SweepSpec.Parse(SweepTests.Small);
        string store = Path.Combine(dir, "s.db");
        using (SweepStore s = SweepStore.OpenOrCreate(store, spec)) SweepRunner.Run(spec, s, Shard.All, 2);
        var run = CliRunner.Invoke("sweep", "report", "--store", store, "--out", Path.Combine(dir, "rep"));
        Assert.Equal(0, run.ExitCode);
        string[] csv = File.ReadAllLines(Path.Combine(dir, "rep", "homogeneity.csv"));
        Assert.StartsWith("series,quantity,depths,networks,chi2,df,p_value,permutation_p_value", csv[0]);
        // 4 series (2 widths × 2 laws) with 2 depths each, for Q and Q_total, where both categories vary.
        Assert.InRange(csv.Length - 1, 1, 8);
        foreach (string line in csv.Skip(1))
        {
            string[] f = line.Split(',');
            double p = double.Parse(f[6], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(p, 0, 1);
        }
        string[] summary = File.ReadAllLines(Path.Combine(dir, "rep", "summary.csv"));
        Assert.Contains("q_total_mean", summary[0]);
        Assert.Contains("same distribution of Q", run.Out);
    }
}
