using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Fixpoint.Experiments;

/// <summary>One finished task as stored: the cell, the realisation, and what its census found.</summary>
public sealed record TaskRow(
    string TaskKey,
    int TaskIndex,
    SweepCell Cell,
    int Realisation,
    ulong Seed,
    int Q,
    int? UnstableCount,
    int DistinctFixedPoints,
    long Converged,
    long Cycle,
    long Diverged,
    long MaxIterations,
    int[] CyclePeriods,
    double[] SpectralRadii,
    double Chao1,
    double Chao1StdError,
    double Coverage,
    long Evaluations,
    double ElapsedSeconds)
{
    public long Starts => Converged + Cycle + Diverged + MaxIterations;

    /// <summary>Everything but the timing: what must agree between a single run, shards and a resumed run.</summary>
    public string ResultFingerprint => string.Join("|", TaskKey, TaskIndex, Seed, Q, UnstableCount, DistinctFixedPoints, Converged, Cycle, Diverged, MaxIterations,
        string.Join(",", CyclePeriods), string.Join(",", SpectralRadii.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        Chao1.ToString("R", CultureInfo.InvariantCulture), Chao1StdError.ToString("R", CultureInfo.InvariantCulture), Coverage.ToString("R", CultureInfo.InvariantCulture), Evaluations);
}

/// <summary>
/// The SQLite store of a sweep (WAL journal): the spec, then one row per finished task, each
/// inserted in its own transaction, so killing the process at any moment loses at most the tasks
/// in flight and never leaves a half-written row. Not thread-safe: one writer at a time.
/// </summary>
public sealed class SweepStore : IDisposable
{
    public const string FormatVersion = "fixpoint-sweep/1";
    private readonly SqliteConnection _db;

    private SweepStore(SqliteConnection db, string specJson, string specHash, string path)
    {
        _db = db;
        (SpecJson, SpecHash, Path) = (specJson, specHash, path);
    }

    public string Path { get; }
    public string SpecJson { get; }
    public string SpecHash { get; }

    /// <summary>Opens a store for <paramref name="spec"/>, creating it when absent; refuses a store of another spec.</summary>
    public static SweepStore OpenOrCreate(string path, SweepSpec spec)
    {
        var db = Connect(path);
        try
        {
            Exec(db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            Exec(db, """
                CREATE TABLE IF NOT EXISTS tasks (
                  task_key TEXT PRIMARY KEY, task_index INTEGER NOT NULL,
                  width INTEGER NOT NULL, depth INTEGER NOT NULL, weights TEXT NOT NULL, scaling TEXT NOT NULL,
                  biases TEXT NOT NULL, activation TEXT NOT NULL, tied INTEGER NOT NULL, realisation INTEGER NOT NULL, seed TEXT NOT NULL,
                  q INTEGER NOT NULL, unstable_count INTEGER, distinct_fixed_points INTEGER NOT NULL,
                  converged INTEGER NOT NULL, cycle INTEGER NOT NULL, diverged INTEGER NOT NULL, max_iterations INTEGER NOT NULL,
                  cycle_periods TEXT NOT NULL, spectral_radii TEXT NOT NULL,
                  chao1 REAL NOT NULL, chao1_std_error REAL NOT NULL, coverage REAL NOT NULL,
                  evaluations INTEGER NOT NULL, elapsed_seconds REAL NOT NULL, finished_at TEXT NOT NULL)
                """);
            string? hash = Meta(db, "spec_hash");
            if (hash is null)
            {
                using var tx = db.BeginTransaction();
                SetMeta(db, "format", FormatVersion);
                SetMeta(db, "spec_hash", spec.Hash);
                SetMeta(db, "spec", spec.CanonicalJson);
                SetMeta(db, "task_count", spec.Tasks().Count.ToString(CultureInfo.InvariantCulture));
                tx.Commit();
            }
            else if (hash != spec.Hash)
                throw new SweepSpecException($"{path} holds a sweep of another spec (hash {hash}, this spec {spec.Hash}); use another --store");
            return new SweepStore(db, spec.CanonicalJson, spec.Hash, path);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing store read-write (for merging and reports); its spec is whatever it holds.</summary>
    public static SweepStore Open(string path)
    {
        if (!File.Exists(path)) throw new SweepSpecException($"{path}: no such store");
        var db = Connect(path);
        try
        {
            string? spec = Meta(db, "spec"), hash = Meta(db, "spec_hash");
            if (spec is null || hash is null) throw new SweepSpecException($"{path} is not a Fixpoint sweep store");
            return new SweepStore(db, spec, hash, path);
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new SweepSpecException($"{path} is not a Fixpoint sweep store ({e.Message.Split('\n')[0]})");
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static SqliteConnection Connect(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        // WAL + NORMAL: a committed row survives a killed process; readers never block the writer.
        Exec(db, "PRAGMA journal_mode=WAL");
        Exec(db, "PRAGMA synchronous=NORMAL");
        Exec(db, "PRAGMA busy_timeout=10000");
        return db;
    }

    public HashSet<string> FinishedKeys()
    {
        var keys = new HashSet<string>();
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT task_key FROM tasks";
        using var r = cmd.ExecuteReader();
        while (r.Read()) keys.Add(r.GetString(0));
        return keys;
    }

    /// <summary>Inserts a finished task in its own transaction. Returns false when the key was already there with the same result; throws when it was there with another.</summary>
    public bool Insert(TaskRow row)
    {
        using var tx = _db.BeginTransaction();
        TaskRow? existing = Read("WHERE task_key = $k", ("$k", row.TaskKey)).FirstOrDefault();
        if (existing is not null)
        {
            if (existing.ResultFingerprint != row.ResultFingerprint)
                throw new SweepSpecException($"task {row.TaskKey} is stored with a different result: the stores were not made by the same build or spec");
            return false;
        }
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO tasks VALUES ($key, $index, $width, $depth, $weights, $scaling, $biases, $activation, $tied, $real, $seed,
              $q, $unstable, $distinct, $conv, $cycle, $div, $maxit, $periods, $radii, $chao1, $chao1se, $coverage, $evals, $elapsed, $at)
            """;
        cmd.Parameters.AddWithValue("$key", row.TaskKey);
        cmd.Parameters.AddWithValue("$index", row.TaskIndex);
        cmd.Parameters.AddWithValue("$width", row.Cell.Width);
        cmd.Parameters.AddWithValue("$depth", row.Cell.Depth);
        cmd.Parameters.AddWithValue("$weights", row.Cell.Weights);
        cmd.Parameters.AddWithValue("$scaling", row.Cell.Scaling);
        cmd.Parameters.AddWithValue("$biases", row.Cell.Biases);
        cmd.Parameters.AddWithValue("$activation", row.Cell.Activation);
        cmd.Parameters.AddWithValue("$tied", row.Cell.Tied ? 1 : 0);
        cmd.Parameters.AddWithValue("$real", row.Realisation);
        cmd.Parameters.AddWithValue("$seed", row.Seed.ToString(CultureInfo.InvariantCulture));
        cmd.Parameters.AddWithValue("$q", row.Q);
        cmd.Parameters.AddWithValue("$unstable", (object?)row.UnstableCount ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$distinct", row.DistinctFixedPoints);
        cmd.Parameters.AddWithValue("$conv", row.Converged);
        cmd.Parameters.AddWithValue("$cycle", row.Cycle);
        cmd.Parameters.AddWithValue("$div", row.Diverged);
        cmd.Parameters.AddWithValue("$maxit", row.MaxIterations);
        cmd.Parameters.AddWithValue("$periods", JsonSerializer.Serialize(row.CyclePeriods));
        cmd.Parameters.AddWithValue("$radii", JsonSerializer.Serialize(row.SpectralRadii.Select(v => double.IsFinite(v) ? v : (double?)null)));
        cmd.Parameters.AddWithValue("$chao1", row.Chao1);
        cmd.Parameters.AddWithValue("$chao1se", row.Chao1StdError);
        cmd.Parameters.AddWithValue("$coverage", row.Coverage);
        cmd.Parameters.AddWithValue("$evals", row.Evaluations);
        cmd.Parameters.AddWithValue("$elapsed", row.ElapsedSeconds);
        cmd.Parameters.AddWithValue("$at", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
        tx.Commit();
        return true;
    }

    /// <summary>All finished tasks, in task order.</summary>
    public IReadOnlyList<TaskRow> Rows() => Read("ORDER BY task_index").ToList();

    private IEnumerable<TaskRow> Read(string where, params (string, object)[] parameters)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT task_key, task_index, width, depth, weights, scaling, biases, activation, tied, realisation, seed, q, unstable_count, distinct_fixed_points, converged, cycle, diverged, max_iterations, cycle_periods, spectral_radii, chao1, chao1_std_error, coverage, evaluations, elapsed_seconds FROM tasks " + where;
        foreach (var (k, v) in parameters) cmd.Parameters.AddWithValue(k, v);
        using var r = cmd.ExecuteReader();
        var rows = new List<TaskRow>();
        while (r.Read())
        {
            rows.Add(new TaskRow(r.GetString(0), r.GetInt32(1),
                new SweepCell(r.GetInt32(2), r.GetInt32(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), r.GetInt32(8) != 0),
                r.GetInt32(9), ulong.Parse(r.GetString(10), CultureInfo.InvariantCulture), r.GetInt32(11), r.IsDBNull(12) ? null : r.GetInt32(12), r.GetInt32(13),
                r.GetInt64(14), r.GetInt64(15), r.GetInt64(16), r.GetInt64(17),
                JsonSerializer.Deserialize<int[]>(r.GetString(18))!, JsonSerializer.Deserialize<double?[]>(r.GetString(19))!.Select(v => v ?? double.NaN).ToArray(),
                r.GetDouble(20), r.GetDouble(21), r.GetDouble(22), r.GetInt64(23), r.GetDouble(24)));
        }
        return rows;
    }

    private static string? Meta(SqliteConnection db, string key)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT name FROM sqlite_master WHERE type='table' AND name='meta'";
        if (cmd.ExecuteScalar() is null) return null;
        cmd.CommandText = "SELECT value FROM meta WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() as string;
    }

    private static void SetMeta(SqliteConnection db, string key, string value)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "INSERT OR REPLACE INTO meta (key, value) VALUES ($k, $v)";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    private static void Exec(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Writes the WAL into the main file so the store is one self-contained file.</summary>
    public void Checkpoint() => Exec(_db, "PRAGMA wal_checkpoint(TRUNCATE)");

    public void Dispose()
    {
        try { Checkpoint(); } catch (SqliteException) { }
        _db.Dispose();
    }

    /// <summary>Copies every task of the <paramref name="sources"/> into <paramref name="into"/>, refusing stores of different specs.</summary>
    public static (int Added, int Skipped) Merge(IReadOnlyList<string> sources, string into)
    {
        if (sources.Count == 0) throw new SweepSpecException("nothing to merge");
        var stores = sources.Select(Open).ToList();
        try
        {
            string hash = stores[0].SpecHash;
            foreach (SweepStore s in stores)
                if (s.SpecHash != hash) throw new SweepSpecException($"{s.Path} holds another spec (hash {s.SpecHash}) than {stores[0].Path} ({hash}): refusing to merge");
            SweepSpec spec = SweepSpec.ParseCanonical(stores[0].SpecJson, stores[0].Path);
            if (spec.Hash != hash) throw new SweepSpecException($"{stores[0].Path}: its spec does not hash to its stored hash (made by another version?)");
            using SweepStore target = OpenOrCreate(into, spec);
            int added = 0, skipped = 0;
            foreach (SweepStore s in stores)
                foreach (TaskRow row in s.Rows())
                    if (target.Insert(row)) added++; else skipped++;
            return (added, skipped);
        }
        finally
        {
            foreach (SweepStore s in stores) s.Dispose();
        }
    }
}
