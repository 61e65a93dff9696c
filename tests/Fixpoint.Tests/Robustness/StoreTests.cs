using Fixpoint.Experiments;
using Microsoft.Data.Sqlite;
using static Fixpoint.Tests.Robustness.BadInput;

namespace Fixpoint.Tests.Robustness;

/// <summary>
/// Sweep stores that know themselves: run, report and merge refuse a file that is not a store, a newer format,
/// a damaged one, in one line naming the file, and report and merge never change the file they read.
/// </summary>
public class StoreTests
{
    private const string Spec = """{"name": "tiny", "axes": {"width": [2], "depth": [1]}, "realisations": 2, "starts": {"count": 8}}""";

    private static readonly Lazy<byte[]> GoodStore = new(() =>
    {
        string dir = CliRunner.TempDir();
        File.WriteAllText(Path.Combine(dir, "spec.json"), Spec);
        CliRunner.Run r = CliRunner.Invoke("sweep", "run", Path.Combine(dir, "spec.json"), "--store", Path.Combine(dir, "s.db"), "--threads", "1");
        Assert.True(r.ExitCode == 0, r.Err);
        return File.ReadAllBytes(Path.Combine(dir, "s.db"));
    });

    private static void Sql(string path, string sql)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static long Scalar(string path, string sql)
    {
        using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    /// <summary>Name → (writes the bad file at the path; a fragment the refusal holds).</summary>
    private static readonly Dictionary<string, (Action<string> Make, string Says)> Stores = new()
    {
        ["random bytes"] = (p => File.WriteAllBytes(p, [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 7919 % 251))]), "not a database"),
        ["truncated"] = (p => File.WriteAllBytes(p, GoodStore.Value[..(GoodStore.Value.Length / 2 + 100)]), "malformed"),
        ["missing its tasks table"] = (p => { File.WriteAllBytes(p, GoodStore.Value); Sql(p, "DROP TABLE tasks"); }, "tasks table"),
        ["missing its meta table"] = (p => { File.WriteAllBytes(p, GoodStore.Value); Sql(p, "DROP TABLE meta"); }, "meta table"),
        ["an unrelated SQLite file"] = (p => Sql(p, "CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('ada')"), "not a Fixpoint sweep store"),
        ["another application's id"] = (p => Sql(p, "PRAGMA application_id = 1234; CREATE TABLE t (x)"), "application id"),
        ["a foreign meta.format"] = (p => { File.WriteAllBytes(p, GoodStore.Value); Sql(p, "UPDATE meta SET value = 'other/9' WHERE key = 'format'"); }, "other/9"),
        ["a newer format"] = (p => { File.WriteAllBytes(p, GoodStore.Value); Sql(p, "PRAGMA user_version = 7"); }, "newer format"),
        ["a spec edited in place"] = (p => { File.WriteAllBytes(p, GoodStore.Value); Sql(p, "UPDATE meta SET value = replace(value, '\"tiny\"', '\"edited\"') WHERE key = 'spec'"); }, "does not hash"),
        ["failing quick_check"] = (p => { File.WriteAllBytes(p, Corrupted(GoodStore.Value)); }, "integrity check"),
    };

    /// <summary>The store with its tasks table's root page header overwritten (an absurd cell count): SQLite's quick_check fails.</summary>
    private static byte[] Corrupted(byte[] good)
    {
        string tmp = Path.Combine(CliRunner.TempDir(), "g.db");
        File.WriteAllBytes(tmp, good);
        long root = Scalar(tmp, "SELECT rootpage FROM sqlite_master WHERE name = 'tasks'");
        int pageSize = (good[16] << 8) | good[17];
        byte[] bad = [.. good];
        long at = (root - 1) * pageSize;
        bad[at + 3] = 0x7f;
        bad[at + 4] = 0xff;
        return bad;
    }

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in Stores.Keys)
            foreach (string verb in new[] { "run", "report", "merge" })
                data.Add(name, verb);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RefusedInOneLineNamingTheFileWhichIsLeftAsItWas(string name, string verb)
    {
        string dir = CliRunner.TempDir();
        string store = Path.Combine(dir, "store.db");
        var (make, says) = Stores[name];
        make(store);
        var before = Snapshot(dir);
        File.WriteAllText(Path.Combine(dir, "..", Path.GetFileName(dir) + ".spec.json"), Spec);
        string spec = Path.Combine(dir, "..", Path.GetFileName(dir) + ".spec.json");
        string line = verb switch
        {
            "run" => Refused("sweep", "run", spec, "--store", store),
            "report" => Refused("sweep", "report", "--store", store, "--out", Path.Combine(dir, "..", Path.GetFileName(dir) + "-report")),
            _ => Refused("sweep", "merge", store, "--into", Path.Combine(dir, "..", Path.GetFileName(dir) + "-merged.db")),
        };
        Assert.Contains(store, line);
        Assert.Contains(says, line);
        // The file and its folder are byte-identical: no tables added, no WAL switch, no -wal or -shm beside it.
        Assert.Equal(before, Snapshot(dir));
    }

    [Fact]
    public void ReportAndMergeReadAGoodStoreWithoutTouchingIt()
    {
        string dir = CliRunner.TempDir();
        string store = Path.Combine(dir, "s.db");
        File.WriteAllBytes(store, GoodStore.Value);
        Assert.Equal(SweepStore.ApplicationId, Scalar(store, "PRAGMA application_id"));
        Assert.Equal(SweepStore.UserVersion, Scalar(store, "PRAGMA user_version"));
        var before = Snapshot(dir);
        CliRunner.Run report = CliRunner.Invoke("sweep", "report", "--store", store, "--out", Path.Combine(dir, "..", Path.GetFileName(dir) + "-r"));
        Assert.True(report.ExitCode == 0, report.Err);
        CliRunner.Run merge = CliRunner.Invoke("sweep", "merge", store, "--into", Path.Combine(dir, "..", Path.GetFileName(dir) + "-m.db"));
        Assert.True(merge.ExitCode == 0, merge.Err);
        Assert.Contains("2 tasks added", merge.Out);
        Assert.Equal(before, Snapshot(dir));
    }

    [Fact]
    public void AStoreFromBeforeTheApplicationIdIsStillReadAndStampedWhenResumed()
    {
        string dir = CliRunner.TempDir();
        string store = Path.Combine(dir, "s.db");
        File.WriteAllBytes(store, GoodStore.Value);
        Sql(store, "PRAGMA application_id = 0; PRAGMA user_version = 0");
        CliRunner.Run report = CliRunner.Invoke("sweep", "report", "--store", store, "--out", Path.Combine(dir, "r"));
        Assert.True(report.ExitCode == 0, report.Err);
        string spec = Path.Combine(dir, "spec.json");
        File.WriteAllText(spec, Spec);
        CliRunner.Run run = CliRunner.Invoke("sweep", "run", spec, "--store", store);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("2 already done", run.Out);
        Assert.Equal(SweepStore.ApplicationId, Scalar(store, "PRAGMA application_id"));
    }
}
