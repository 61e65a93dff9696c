using System.Text.Json;

namespace Fixpoint.Tests;

/// <summary>Issue 16, item 8: the README's examples show what it says they show (several attractors, saddles, basins).</summary>
public class ExampleTests
{
    private static JsonElement Census(params string[] args)
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke([.. args, "--no-plot", "--out", dir]);
        Assert.True(run.ExitCode == 0, run.Err);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "census.json")));
        return doc.RootElement.Clone();
    }

    private static (string Stability, int Unstable, long Hits)[] Points(JsonElement r) =>
        r.GetProperty("fixedPoints").EnumerateArray()
            .Select(f => (f.GetProperty("stability").GetString()!, f.GetProperty("unstableDimensions").GetInt32(), f.GetProperty("hits").GetInt64())).ToArray();

    /// <summary>Quick start: two attracting fixed points, an attracting 2-cycle with most of the starts, and a saddle.</summary>
    [Fact]
    public void QuickStartDefaultHasTwoAttractorsACycleAndASaddle()
    {
        JsonElement r = Census("census", "--unstable");
        Assert.Equal(1000, r.GetProperty("starts").GetInt32());
        Assert.Equal([("stable", 0, 182L), ("stable", 0, 28L), ("unstable", 3, 0L)], Points(r));
        JsonElement cycle = Assert.Single(r.GetProperty("cycles").EnumerateArray());
        Assert.Equal(2, cycle.GetProperty("period").GetInt32());
        Assert.Equal(790, cycle.GetProperty("hits").GetInt64());
        Assert.Equal("stable", cycle.GetProperty("stability").GetString());
    }

    /// <summary>The heavy-tailed example: every start converges, to three attractors, and two saddles are found beside them.</summary>
    [Fact]
    public void HeavyTailedExampleHasThreeAttractorsAndTwoSaddles()
    {
        JsonElement r = Census("census", "--width", "10", "--depth", "2", "--weights", "cauchy(0.5)", "--scaling", "1/n", "--starts", "4000", "--unstable");
        Assert.Equal(4000, r.GetProperty("outcomes").GetProperty("converged").GetInt64());
        Assert.Equal([("stable", 0, 3320L), ("stable", 0, 369L), ("stable", 0, 311L), ("unstable", 1, 0L), ("unstable", 2, 0L)], Points(r));
    }
}
