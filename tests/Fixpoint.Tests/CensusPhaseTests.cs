using System.Diagnostics;
using System.Text.Json.Nodes;
using Fixpoint.Census;
using Fixpoint.Experiments;
using Fixpoint.Maps;

namespace Fixpoint.Tests;

/// <summary>Every phase of a census reports progress and its seconds (census.json's <c>phaseSeconds</c>).</summary>
public class CensusPhaseTests
{
    private static readonly string[] Phases = ["solve", "newton", "polish", "stability", "plot"];

    [Fact]
    public void ACliCensusRecordsTheSecondsOfEveryPhaseAndPrintsTheirLines()
    {
        string dir = CliRunner.TempDir();
        var wall = Stopwatch.StartNew();
        var run = CliRunner.Invoke("census", "--width", "5", "--weights", "cauchy(1)", "--scaling", "1/n", "--seed", "8", "--starts", "300",
            "--unstable", "--out", dir);
        double wallSeconds = wall.Elapsed.TotalSeconds;
        Assert.True(run.ExitCode == 0, run.Err);
        JsonObject root = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "census.json")))!.AsObject();
        JsonObject phases = root["phaseSeconds"]!.AsObject();
        Assert.Equal(Phases, phases.Select(p => p.Key));
        Assert.All(phases, p => Assert.True((double)p.Value! >= 0, p.Key));
        double census = Phases.Take(4).Sum(k => (double)phases[k]!);
        Assert.True(census <= (double)root["elapsedSeconds"]!, $"{census} > elapsedSeconds");
        Assert.True(census + (double)phases["plot"]! <= wallSeconds);
        Assert.True((double)phases["plot"]! > 0);
        Assert.True(File.Exists(Path.Combine(dir, "census.png")));

        // Redirected, each phase prints plain lines, in order.
        string[] lines = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain("\u001b[", run.Err);
        int last = -1;
        foreach (string phase in Phases)
        {
            int at = Array.FindIndex(lines, l => l.StartsWith(phase + ": "));
            Assert.True(at > last, $"no '{phase}:' line after the previous phase's in:\n{run.Err}");
            last = at;
        }
    }

    [Fact]
    public void WithoutThePlotOrTheUnstablePassThoseSecondsAreZero()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--width", "3", "--starts", "50", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        JsonObject phases = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "census.json")))!["phaseSeconds"]!.AsObject();
        Assert.Equal(0.0, (double)phases["newton"]!);
        Assert.Equal(0.0, (double)phases["plot"]!);
        Assert.True((double)phases["solve"]! > 0);
        Assert.DoesNotContain("plot:", run.Err);
        Assert.DoesNotContain("newton:", run.Err);
    }

    [Fact]
    public void TheCensusReportsPolishAndStabilityPerFixedPoint()
    {
        Network net = PaperACase.Poly.Create(2, 100);
        var reports = new List<Progress>();
        CensusResult r = FixedPointCensus.Run(net, new UniformBoxStarts(-3, 3), 200, 1, new CensusOptions { Unstable = true },
            new SyncProgress<Progress>(p => { lock (reports) reports.Add(p); }));
        Assert.Equal(["solve", "newton", "polish", "stability"], reports.Select(p => p.Phase).Distinct());
        var stability = reports.Where(p => p.Phase == "stability").ToList();
        Assert.Equal(Enumerable.Range(0, r.FixedPoints.Count + 1), stability.Select(p => p.Done).Order());
        Assert.All(stability, p => Assert.Equal(r.FixedPoints.Count, p.Total));
        Assert.Equal(r.FixedPoints.Count, reports.Where(p => p.Phase == "stability").Max(p => p.Done));
        Assert.Contains(reports, p => p.Phase == "polish" && p.Done == p.Total && p.Total > 0);
        PhaseSeconds s = r.Phases;
        Assert.True(s.Solve > 0 && s.Newton > 0 && s.Polish > 0 && s.Stability > 0);
        Assert.Equal(0.0, s.Plot);
        Assert.True(s.Solve + s.Newton + s.Polish + s.Stability <= r.ElapsedSeconds);
    }
}
