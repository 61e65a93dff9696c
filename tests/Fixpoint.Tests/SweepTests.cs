using Fixpoint.Experiments;

namespace Fixpoint.Tests;

public class SweepTests
{
    internal const string Small = """
        {
          "name": "tiny", "seed": 5,
          "axes": { "width": [3, 5], "depth": [1, 3], "weights": ["gaussian(1)", "cauchy(1)"] },
          "realisations": 2,
          "starts": { "count": 40 },
          "solver": { "maxIterations": 300 },
          "census": { "unstable": true }
        }
        """;

    private static SweepSpec Spec() => SweepSpec.Parse(Small);

    private static string Fingerprints(string store)
    {
        using SweepStore s = SweepStore.Open(store);
        return string.Join("\n", s.Rows().Select(r => r.ResultFingerprint));
    }

    private static string Run(SweepSpec spec, string path, Shard shard, int threads)
    {
        using SweepStore s = SweepStore.OpenOrCreate(path, spec);
        SweepRunner.Run(spec, s, shard, threads);
        return path;
    }

    [Fact]
    public void ShardsMergedEqualTheSingleRunTaskForTask()
    {
        string dir = CliRunner.TempDir();
        SweepSpec spec = Spec();
        string single = Run(spec, Path.Combine(dir, "single.db"), Shard.All, 2);
        string a = Run(spec, Path.Combine(dir, "a.db"), new Shard(0, 2), 1);
        string b = Run(spec, Path.Combine(dir, "b.db"), new Shard(1, 2), 2);
        var (added, skipped) = SweepStore.Merge([a, b], Path.Combine(dir, "all.db"));
        Assert.Equal(16, added);
        Assert.Equal(0, skipped);
        Assert.Equal(Fingerprints(single), Fingerprints(Path.Combine(dir, "all.db")));
        Assert.Equal(16, Fingerprints(single).Split('\n').Length);
    }

    [Fact]
    public void ATaskGivesTheSameRowAloneAndInAFullRun()
    {
        SweepSpec spec = Spec();
        string dir = CliRunner.TempDir();
        string full = Run(spec, Path.Combine(dir, "full.db"), Shard.All, 2);
        using SweepStore s = SweepStore.Open(full);
        var stored = s.Rows().ToDictionary(r => r.TaskKey);
        foreach (SweepTask t in spec.Tasks().Where(t => t.Index % 5 == 0))
            Assert.Equal(stored[t.Key].ResultFingerprint, SweepRunner.RunTask(spec, t)!.ResultFingerprint);
    }

    [Fact]
    public void ResumingAnInterruptedRunGivesTheSameStore()
    {
        SweepSpec spec = Spec();
        string dir = CliRunner.TempDir();
        string fresh = Run(spec, Path.Combine(dir, "fresh.db"), Shard.All, 2);
        string resumed = Path.Combine(dir, "resumed.db");
        using (var cts = new CancellationTokenSource())
        using (SweepStore s = SweepStore.OpenOrCreate(resumed, spec))
        {
            int seen = 0;
            var stopAfterFive = new SyncProgress<Progress>(p => { if (++seen > 5) cts.Cancel(); });
            SweepRunSummary first = SweepRunner.Run(spec, s, Shard.All, 1, stopAfterFive, cts.Token);
            Assert.True(first.Cancelled);
            Assert.InRange(first.Ran, 1, 15);
        }
        using (SweepStore s = SweepStore.OpenOrCreate(resumed, spec))
        {
            SweepRunSummary second = SweepRunner.Run(spec, s, Shard.All, 2);
            Assert.True(second.AlreadyDone >= 1);
            Assert.Equal(16, second.AlreadyDone + second.Ran);
        }
        Assert.Equal(Fingerprints(fresh), Fingerprints(resumed));
    }

    [Fact]
    public void MergeAndRunRefuseStoresOfAnotherSpec()
    {
        string dir = CliRunner.TempDir();
        string a = Run(Spec(), Path.Combine(dir, "a.db"), new Shard(0, 4), 1);
        SweepSpec other = SweepSpec.Parse(Small.Replace("\"seed\": 5", "\"seed\": 6"));
        string b = Run(other, Path.Combine(dir, "b.db"), new Shard(0, 4), 1);
        var e = Assert.Throws<SweepSpecException>(() => SweepStore.Merge([a, b], Path.Combine(dir, "all.db")));
        Assert.Contains("another spec", e.Message);
        Assert.Throws<SweepSpecException>(() => SweepStore.OpenOrCreate(a, other));
        var run = CliRunner.Invoke("sweep", "merge", a, b, "--into", Path.Combine(dir, "x.db"));
        Assert.Equal(2, run.ExitCode);
    }

    [Theory]
    [InlineData("\"realisations\": 2", "\"realisations\": 0", "realisations")]
    [InlineData("\"realisations\": 2", "\"realisations\": 2, \"colour\": 1", "colour: unknown key")]
    [InlineData("\"depth\": [1, 3]", "\"dpeth\": [1, 3]", "axes.dpeth: unknown key")]
    [InlineData("\"weights\": [\"gaussian(1)\", \"cauchy(1)\"]", "\"weights\": [\"levy(1)\"]", "axes.weights")]
    [InlineData("\"count\": 40", "\"count\": -4", "starts.count")]
    [InlineData("\"maxIterations\": 300", "\"maxIterations\": 300, \"name\": \"broyden\"", "solver.name")]
    [InlineData("\"maxIterations\": 300", "\"atol\": -1", "solver.atol")]
    [InlineData("\"width\": [3, 5]", "\"width\": [3, 3]", "axes.width: has repeated values")]
    [InlineData("\"maxIterations\": 300", "\"maxIterations\": 300, \"history\": 7", "solver.history: applies to anderson only, not picard")]
    [InlineData("\"maxIterations\": 300", "\"name\": \"newton\", \"damping\": 0.5", "solver.damping: applies to picard only, not newton")]
    [InlineData("\"maxIterations\": 300", "\"name\": \"anderson\", \"history\": 70", "solver.history: must be in 1 … 50 (got 70)")]
    [InlineData("\"maxIterations\": 300", "\"maxPeriod\": 65", "solver.maxPeriod: must be in 1 … 64 (got 65)")]
    [InlineData("\"unstable\": true", "\"margin\": 2", "census.margin: must be in [0, 1) (got 2)")]
    public void MalformedSpecExitsTwoNamingTheKey(string from, string to, string expected)
    {
        string dir = CliRunner.TempDir();
        string spec = Path.Combine(dir, "spec.json");
        Assert.Contains(from, Small);
        File.WriteAllText(spec, Small.Replace(from, to));
        var run = CliRunner.Invoke("sweep", "run", spec, "--store", Path.Combine(dir, "s.db"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Err);
        Assert.Single(run.Err.TrimEnd().Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "s.db")));
    }

    [Fact]
    public void HistoryForPicardIsRefusedNamingTheKey()
    {
        var e = Assert.Throws<SweepSpecException>(() => SweepSpec.Parse(Small.Replace("\"maxIterations\": 300", "\"maxIterations\": 300, \"history\": 7"), "s.json"));
        Assert.Equal("s.json: solver.history: applies to anderson only, not picard", e.Message);
    }

    [Fact]
    public void SolverOptionsReachTheSolver()
    {
        SweepSpec s = SweepSpec.Parse(Small.Replace("\"maxIterations\": 300", "\"name\": \"anderson\", \"history\": 3, \"mixing\": 0.5"));
        Assert.Equal(new Solvers.AndersonSolver { History = 3, Mixing = 0.5 }, s.Solver);
        Assert.Contains("\"damping\":0.5,\"history\":3}", s.CanonicalJson);
    }

    /// <summary>The committed paper-B reports name these hashes; a spec that keeps its meaning keeps its hash, so its stores resume.</summary>
    [Theory]
    [InlineData("paper-b-gaussian.json", "1d9c295eb2d70a57")]
    [InlineData("paper-b-scan.json", "b606ed5717ffa7f2")]
    public void CommittedSpecsKeepTheirHash(string file, string hash)
    {
        Assert.Equal(hash, SweepSpec.Load(Path.Combine(SpectralRadiusTests.FindRoot(), "experiments", file)).Hash);
    }

    [Fact]
    public void NotJsonIsRefused()
    {
        string spec = Path.Combine(CliRunner.TempDir(), "spec.json");
        File.WriteAllText(spec, "{ \"name\": ");
        var run = CliRunner.Invoke("sweep", "run", spec, "--store", spec + ".db");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not valid JSON", run.Err);
    }

    [Fact]
    public void ShardComesFromSlurmOrIndexedJobEnvironment()
    {
        Assert.Equal(new Shard(2, 5), Cli.SweepCommand.ResolveShard("2/5", null));
        Assert.Throws<Cli.UsageException>(() => Cli.SweepCommand.ResolveShard("5/5", null));
        Assert.Throws<Cli.UsageException>(() => Cli.SweepCommand.ResolveShard(null, 0));
        try
        {
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", "4");
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_MIN", "1");
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_COUNT", "4");
            Assert.Equal(new Shard(3, 4), Cli.SweepCommand.ResolveShard(null, null));
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", null);
            Environment.SetEnvironmentVariable("JOB_COMPLETION_INDEX", "2");
            Assert.Equal(new Shard(2, 3), Cli.SweepCommand.ResolveShard(null, 3));
            Assert.Throws<Cli.UsageException>(() => Cli.SweepCommand.ResolveShard(null, null));
        }
        finally
        {
            foreach (string v in new[] { "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX" })
                Environment.SetEnvironmentVariable(v, null);
        }
    }

    [Fact]
    public void ReportWritesTheSummaryAndFigures()
    {
        string dir = CliRunner.TempDir();
        string store = Run(Spec(), Path.Combine(dir, "s.db"), Shard.All, 2);
        var run = CliRunner.Invoke("sweep", "report", "--store", store, "--out", Path.Combine(dir, "rep"));
        Assert.Equal(0, run.ExitCode);
        string[] csv = File.ReadAllLines(Path.Combine(dir, "rep", "summary.csv"));
        Assert.Equal(1 + 8, csv.Length);
        foreach (string f in new[] { "q_vs_depth.png", "outcomes_vs_depth.png", "radius_vs_depth.png" })
            Assert.True(new FileInfo(Path.Combine(dir, "rep", f)).Length > 10_000, f);
    }
}
