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
    /// <summary>
    /// How many fixed points (stable or not, found by the dynamics or the Newton pass) have each number of
    /// unstable directions: entry k counts the points with k eigenvalues |λ| &gt; 1. Null in rows of layout 1.
    /// </summary>
    public int[]? UnstableDimensionCounts { get; init; }

    /// <summary>
    /// Stable fixed points that no start reached within the iteration limit (the Newton pass found them):
    /// where this is above 0 the limit, not the network, decided Q. Null in rows of layout 1.
    /// </summary>
    public int? StableUnreached { get; init; }

    /// <summary>
    /// Fixed points in a saturated corner: every coordinate with |x_i| ≥ <see cref="SweepRunner.CornerLevel"/>.
    /// For a symmetric weight law and small biases the expected number is 1 (docs/sweep-spec.md). Null in rows of layout 1.
    /// </summary>
    public int? CornerPoints { get; init; }

    public long Starts => Converged + Cycle + Diverged + MaxIterations;

    /// <summary>Q_total: every distinct fixed point found (the stable ones and, with <c>census.unstable</c>, the rest); null without the Newton pass.</summary>
    public int? QTotal => UnstableCount.HasValue ? DistinctFixedPoints : null;

    /// <summary>Everything but the timing: what must agree between a single run, shards and a resumed run.</summary>
    public string ResultFingerprint => string.Join("|", TaskKey, TaskIndex, Seed, Q, UnstableCount, DistinctFixedPoints, Converged, Cycle, Diverged, MaxIterations,
        string.Join(",", CyclePeriods), string.Join(",", SpectralRadii.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        Chao1.ToString("R", CultureInfo.InvariantCulture), Chao1StdError.ToString("R", CultureInfo.InvariantCulture), Coverage.ToString("R", CultureInfo.InvariantCulture), Evaluations,
        UnstableDimensionCounts is null ? "" : string.Join(",", UnstableDimensionCounts), StableUnreached, CornerPoints);
}

/// <summary>
/// The SQLite store of a sweep (WAL journal): the spec, then one row per finished task, each
/// inserted in its own transaction, so killing the process at any moment loses at most the tasks
/// in flight and never leaves a half-written row. Not thread-safe: one writer at a time.
/// A store knows itself: its header carries <see cref="ApplicationId"/> and <see cref="UserVersion"/>,
/// and every open checks them (and <c>pragma quick_check</c>) before anything is read or written, so an
/// unrelated SQLite file, a store of a newer format or a damaged one is refused, never extended.
/// </summary>
public sealed class SweepStore : IDisposable
{
    public const string FormatVersion = "fixpoint-sweep/1";

    /// <summary><c>pragma application_id</c> of a sweep store: "FXSW" in ASCII.</summary>
    public const int ApplicationId = 0x46585357;

    /// <summary>
    /// <c>pragma user_version</c>: the store layout this build writes and the newest it reads. Layout 2 adds
    /// <c>unstable_dims</c>, <c>stable_unreached</c> and <c>corner_points</c> (NULL in rows stored by layout 1);
    /// <c>run</c> adds the columns to a layout-1 store it resumes.
    /// </summary>
    public const int UserVersion = 2;

    private const string Layout2Columns = "unstable_dims TEXT, stable_unreached INTEGER, corner_points INTEGER";

    private readonly SqliteConnection _db;
    private readonly bool _readOnly;
    private readonly bool _hasLayout2;

    private SweepStore(SqliteConnection db, string specJson, string specHash, string path, bool readOnly)
    {
        _db = db;
        _readOnly = readOnly;
        _hasLayout2 = Scalar(db, "SELECT count(*) FROM pragma_table_info('tasks') WHERE name='corner_points'") > 0;
        (SpecJson, SpecHash, Path) = (specJson, specHash, path);
    }

    public string Path { get; }
    public string SpecJson { get; }
    public string SpecHash { get; }

    /// <summary>Opens a store for <paramref name="spec"/>, creating it when absent; refuses a store of another spec.</summary>
    public static SweepStore OpenOrCreate(string path, SweepSpec spec)
    {
        bool existing = File.Exists(path) && new FileInfo(path).Length > 0;
        SqliteConnection db = Guard(path, () => Connect(path, readOnly: false));
        try
        {
            // Identify an existing file before any pragma or table could change it.
            if (existing) Guard(path, () => Identify(db, path, allowEmpty: true));
            Guard(path, () => { Exec(db, "PRAGMA journal_mode=WAL"); Exec(db, "PRAGMA synchronous=NORMAL"); });
            return Guard(path, () => Create(db, path, spec));
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static SweepStore Create(SqliteConnection db, string path, SweepSpec spec)
    {
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
                  evaluations INTEGER NOT NULL, elapsed_seconds REAL NOT NULL, finished_at TEXT NOT NULL,
                """ + " " + Layout2Columns + ")");
            AddLayout2Columns(db);
            string? hash = Meta(db, "spec_hash");
            if (hash is null)
            {
                using var tx = db.BeginTransaction();
                Exec(db, $"PRAGMA application_id={ApplicationId}");
                Exec(db, $"PRAGMA user_version={UserVersion}");
                SetMeta(db, "format", FormatVersion);
                SetMeta(db, "spec_hash", spec.Hash);
                SetMeta(db, "spec", spec.CanonicalJson);
                SetMeta(db, "task_count", spec.Tasks().Count.ToString(CultureInfo.InvariantCulture));
                tx.Commit();
            }
            else if (hash != spec.Hash)
                throw new SweepSpecException($"{path} holds a sweep of another spec (hash {hash}, this spec {spec.Hash}); use another --store");
            else if (Meta(db, "spec") != spec.CanonicalJson)
                throw new SweepSpecException($"{path}: its stored spec does not hash to its stored hash {hash} (edited, or made by another version?)");
            else if (Pragma(db, "application_id") == 0 || Pragma(db, "user_version") < UserVersion)
            {
                // A store written before stores carried an id, or by layout 1: stamp it, now that it is known to be one
                // and its tasks table has the later columns.
                Exec(db, $"PRAGMA application_id={ApplicationId}");
                Exec(db, $"PRAGMA user_version={UserVersion}");
            }
            return new SweepStore(db, spec.CanonicalJson, spec.Hash, path, readOnly: false);
        }
    }

    /// <summary>Adds the columns of layout 2 that a layout-1 tasks table lacks (each NULL in the rows already there).</summary>
    private static void AddLayout2Columns(SqliteConnection db)
    {
        var have = new HashSet<string>(StringComparer.Ordinal);
        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = "PRAGMA table_info(tasks)";
            using var r = cmd.ExecuteReader();
            while (r.Read()) have.Add(r.GetString(1));
        }
        foreach (string column in Layout2Columns.Split(", "))
            if (!have.Contains(column.Split(' ')[0])) Exec(db, $"ALTER TABLE tasks ADD COLUMN {column}");
    }

    /// <summary>
    /// Opens an existing store read-only (for merging and reports): nothing in the file, its journal mode
    /// included, is changed. Its spec is whatever it holds, and must hash to the hash it stores.
    /// </summary>
    public static SweepStore Open(string path)
    {
        if (!File.Exists(path)) throw new SweepSpecException($"{path}: no such store");
        if (new FileInfo(path).Length == 0) throw new SweepSpecException($"{path} is empty, not a Fixpoint sweep store");
        SqliteConnection db = Guard(path, () => Connect(path, readOnly: true));
        try
        {
            return Guard(path, () =>
            {
                Identify(db, path, allowEmpty: false);
                string? spec = Meta(db, "spec"), hash = Meta(db, "spec_hash");
                if (spec is null || hash is null) throw new SweepSpecException($"{path} is not a Fixpoint sweep store (no spec in its meta table)");
                SweepSpec parsed = SweepSpec.ParseCanonical(spec, path);
                if (parsed.Hash != hash) throw new SweepSpecException($"{path}: its spec does not hash to its stored hash {hash} (edited, or made by another version?)");
                return new SweepStore(db, spec, hash, path, readOnly: true);
            });
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static SqliteConnection Connect(string path, bool readOnly)
    {
        // A reader of a store no one is writing (no -wal beside it) opens it immutable: SQLite then creates no
        // -wal or -shm files and takes no locks, so the folder is left exactly as it was. With a -wal (a run in
        // progress, or killed) it reads through the journal as any reader.
        bool immutable = readOnly && !File.Exists(path + "-wal");
        string source = immutable
            ? "file:" + string.Join('/', System.IO.Path.GetFullPath(path).Split('/').Select(Uri.EscapeDataString)) + "?immutable=1"
            : path;
        var db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = source, Pooling = false, Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
        }.ToString());
        db.Open();
        // WAL + NORMAL (set by the writer once the file is known to be a store): a committed row survives a killed process; readers never block the writer.
        Exec(db, "PRAGMA busy_timeout=10000");
        return db;
    }

    /// <summary>
    /// Refuses a file that is not a sweep store of a format this build reads, or that fails <c>pragma quick_check</c>.
    /// Stores from before the application id are known by their meta table. With <paramref name="allowEmpty"/>
    /// a database without any table counts as new.
    /// </summary>
    private static void Identify(SqliteConnection db, string path, bool allowEmpty)
    {
        long id = Pragma(db, "application_id"), version = Pragma(db, "user_version");
        if (id != ApplicationId && id != 0)
            throw new SweepSpecException($"{path} is not a Fixpoint sweep store (SQLite application id 0x{id:x8}, a store's is 0x{ApplicationId:x8})");
        if (id == ApplicationId && version > UserVersion)
            throw new SweepSpecException($"{path} is a sweep store of a newer format ({version}; this build reads up to {UserVersion}): use a newer fixpoint");
        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = "PRAGMA quick_check";
            string verdict = cmd.ExecuteScalar() as string ?? "no answer";
            if (verdict != "ok") throw new SweepSpecException($"{path} fails its integrity check (quick_check: {verdict.ReplaceLineEndings(" ")})");
        }
        long tables = Scalar(db, "SELECT count(*) FROM sqlite_master WHERE type='table'");
        if (tables == 0 && allowEmpty && id == 0) return;
        bool hasMeta = Scalar(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'") > 0;
        bool hasTasks = Scalar(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='tasks'") > 0;
        string? format = hasMeta ? Meta(db, "format") : null;
        if (format is null)
            throw new SweepSpecException(id == ApplicationId ? $"{path}: a sweep store missing its {(hasMeta ? "format" : "meta table")}: damaged" : $"{path} is an SQLite file but not a Fixpoint sweep store (no meta table with a format)");
        if (format != FormatVersion)
            throw new SweepSpecException($"{path}: store format '{format}' is not {FormatVersion}; not a store this build reads");
        if (!hasTasks) throw new SweepSpecException($"{path}: a sweep store missing its tasks table: damaged");
    }

    private static long Pragma(SqliteConnection db, string name) => Scalar(db, $"PRAGMA {name}");

    private static long Scalar(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
    }

    /// <summary>Runs a store operation; an SQLite error (or a row it cannot read) becomes one line naming the file.</summary>
    private static T Guard<T>(string path, Func<T> run)
    {
        try { return run(); }
        catch (Exception e) when (e is SqliteException or InvalidCastException or JsonException or FormatException or OverflowException or InvalidOperationException)
        {
            string what = e is SqliteException se ? se.Message.Split('\n')[0] : $"a row cannot be read: {e.Message.Split('\n')[0]}";
            throw new SweepSpecException($"{path}: {what}");
        }
    }

    private static void Guard(string path, Action run) => Guard(path, () => { run(); return 0; });

    public HashSet<string> FinishedKeys() => Guard(Path, () =>
    {
        var keys = new HashSet<string>();
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT task_key FROM tasks";
        using var r = cmd.ExecuteReader();
        while (r.Read()) keys.Add(r.GetString(0));
        return keys;
    });

    /// <summary>Inserts a finished task in its own transaction. Returns false when the key was already there with the same result; throws when it was there with another.</summary>
    public bool Insert(TaskRow row) => Guard(Path, () => InsertRow(row));

    private bool InsertRow(TaskRow row)
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
            INSERT INTO tasks (task_key, task_index, width, depth, weights, scaling, biases, activation, tied, realisation, seed,
              q, unstable_count, distinct_fixed_points, converged, cycle, diverged, max_iterations, cycle_periods, spectral_radii,
              chao1, chao1_std_error, coverage, evaluations, elapsed_seconds, finished_at, unstable_dims, stable_unreached, corner_points)
            VALUES ($key, $index, $width, $depth, $weights, $scaling, $biases, $activation, $tied, $real, $seed,
              $q, $unstable, $distinct, $conv, $cycle, $div, $maxit, $periods, $radii, $chao1, $chao1se, $coverage, $evals, $elapsed, $at,
              $udims, $unreached, $corners)
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
        cmd.Parameters.AddWithValue("$udims", row.UnstableDimensionCounts is null ? DBNull.Value : JsonSerializer.Serialize(row.UnstableDimensionCounts));
        cmd.Parameters.AddWithValue("$unreached", (object?)row.StableUnreached ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$corners", (object?)row.CornerPoints ?? DBNull.Value);
        cmd.ExecuteNonQuery();
        tx.Commit();
        return true;
    }

    /// <summary>All finished tasks, in task order.</summary>
    public IReadOnlyList<TaskRow> Rows() => Guard(Path, () => Read("ORDER BY task_index").ToList());

    private IEnumerable<TaskRow> Read(string where, params (string, object)[] parameters)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT task_key, task_index, width, depth, weights, scaling, biases, activation, tied, realisation, seed, q, unstable_count, distinct_fixed_points, converged, cycle, diverged, max_iterations, cycle_periods, spectral_radii, chao1, chao1_std_error, coverage, evaluations, elapsed_seconds, " +
            (_hasLayout2 ? "unstable_dims, stable_unreached, corner_points" : "NULL, NULL, NULL") + " FROM tasks " + where;
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
                r.GetDouble(20), r.GetDouble(21), r.GetDouble(22), r.GetInt64(23), r.GetDouble(24))
            {
                UnstableDimensionCounts = r.IsDBNull(25) ? null : JsonSerializer.Deserialize<int[]>(r.GetString(25)),
                StableUnreached = r.IsDBNull(26) ? null : r.GetInt32(26),
                CornerPoints = r.IsDBNull(27) ? null : r.GetInt32(27),
            });
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
    public void Checkpoint() => Guard(Path, () => Exec(_db, "PRAGMA wal_checkpoint(TRUNCATE)"));

    public void Dispose()
    {
        // A read-only store is left exactly as it was found.
        if (!_readOnly)
            try { Checkpoint(); } catch (SweepSpecException) { }
        _db.Dispose();
    }

    /// <summary>Copies every task of the <paramref name="sources"/> into <paramref name="into"/>, refusing stores of different specs.</summary>
    public static (int Added, int Skipped) Merge(IReadOnlyList<string> sources, string into)
    {
        if (sources.Count == 0) throw new SweepSpecException("nothing to merge");
        var stores = new List<SweepStore>();
        try
        {
            foreach (string source in sources) stores.Add(Open(source));
            string hash = stores[0].SpecHash;
            foreach (SweepStore s in stores)
                if (s.SpecHash != hash) throw new SweepSpecException($"{s.Path} holds another spec (hash {s.SpecHash}) than {stores[0].Path} ({hash}): refusing to merge");
            SweepSpec spec = SweepSpec.ParseCanonical(stores[0].SpecJson, stores[0].Path);
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
