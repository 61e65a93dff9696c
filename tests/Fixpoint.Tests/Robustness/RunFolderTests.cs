using Fixpoint.Cli;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using static Fixpoint.Tests.Robustness.BadInput;

namespace Fixpoint.Tests.Robustness;

/// <summary>A run's files belong together: staged, swapped in whole, the earlier run's left exactly as they were on any failure.</summary>
public class RunFolderTests
{
    [Fact]
    public void AFailureAfterSomeFilesAreWrittenLeavesTheEarlierRunsFilesAsTheyWere()
    {
        string dir = CliRunner.TempDir();
        string outDir = BadInputTests.EarlierCensus(dir);
        var before = Snapshot(outDir);
        Assert.Throws<IOException>(FailingRun);
        void FailingRun()
        {
            using var run = RunFolder.Begin(outDir, "census.png", "census.json");
            File.WriteAllText(run.File("census.json"), "{ \"new\": true }");
            // The disk fills while census.png is written.
            throw new IOException("No space left on device");
        }
        Assert.Equal(before, Snapshot(outDir));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir, ".census.*"));
    }

    [Fact]
    public void ACommittedRunReplacesItsOwnFilesDropsThoseItDidNotWriteAndKeepsTheUsers()
    {
        string dir = CliRunner.TempDir();
        string outDir = BadInputTests.EarlierCensus(dir);
        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "mine");
        string oldJson = File.ReadAllText(Path.Combine(outDir, "census.json"));
        CliRunner.Run r = CliRunner.Invoke("census", "--width", "2", "--depth", "1", "--starts", "16", "--seed", "4", "--no-plot", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Err);
        // --no-plot: the old census.png would describe another run, so it goes.
        Assert.False(File.Exists(Path.Combine(outDir, "census.png")));
        Assert.NotEqual(oldJson, File.ReadAllText(Path.Combine(outDir, "census.json")));
        Assert.Contains("--seed 4", File.ReadAllText(Path.Combine(outDir, "census.json")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(outDir, "notes.txt")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir, ".census.*"));
    }

    [Fact]
    public void WhatKilledRunsLeftIsCleanedUpOrPutBack()
    {
        string dir = CliRunner.TempDir();
        string outDir = BadInputTests.EarlierCensus(dir);
        // A process id no process can have stands for a killed run.
        const string Dead = "2147483646";
        string staging = Path.Combine(dir, $".census.tmp-{Dead}-0badc0de");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "census.json"), "half");
        File.WriteAllText(Path.Combine(outDir, $"census.json.tmp-{Dead}-1"), "half");
        var before = Snapshot(outDir);
        // Killed between the two renames of a swap: the old folder is set aside and --out is gone.
        string aside = Path.Combine(dir, $".census.old-{Dead}-0badc0de");
        Directory.Move(outDir, aside);
        using (RunFolder.Begin(outDir, "census.json")) { }
        before.Remove($"census.json.tmp-{Dead}-1");
        Assert.Equal(before, Snapshot(outDir));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir, ".census.*"));
    }

    [Fact]
    public void ATiedNetworkOfDepthOneBillionHoldsOneLayerNotOneEntryPerLoop()
    {
        var layer = new DenseLayer(2, 2, [0.5, 0.1, -0.2, 0.4], [0.05, -0.1]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var deep = new Network([layer], new TanhActivation(), tied: true, depth: 1_000_000_000);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Equal(1_000_000_000, deep.AppliedLayers.Count);
        Assert.Same(layer, deep.AppliedLayers[999_999_999]);
        Assert.Equal(4_000_000_000L, deep.MultiplyAddsPerPoint);

        // The view applies the same layer as an untied stack of copies does, to the bit.
        var tied = new Network([layer], new TanhActivation(), tied: true, depth: 5);
        var untied = new Network([layer, layer, layer, layer, layer], new TanhActivation());
        double[] x = [0.3, -0.7], yt = new double[2], yu = new double[2];
        tied.Evaluate(x, yt);
        untied.Evaluate(x, yu);
        Assert.Equal(yu, yt);
        double[] jt = new double[4], ju = new double[4];
        tied.Jacobian(x, jt);
        untied.Jacobian(x, ju);
        Assert.Equal(ju, jt);
    }

    [Fact]
    public void DecompressionStopsAtTheBudget()
    {
        string path = Path.Combine(CliRunner.TempDir(), "big.csv.gz");
        using (var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Optimal))
        {
            byte[] line = "0.5,0.25\n"u8.ToArray();
            for (int i = 0; i < 400_000; i++) gz.Write(line);
        }
        Assert.True(new FileInfo(path).Length < 100_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<MemoryBudgetException>(() =>
        {
            using Stream s = Training.DataFile.Open(path, new MemoryBudget(2 << 20));
            s.CopyTo(Stream.Null);
        });
        Assert.Contains(path, e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
        using Stream ok = Training.DataFile.Open(path, new MemoryBudget(16 << 20));
        ok.CopyTo(Stream.Null);
    }
}
