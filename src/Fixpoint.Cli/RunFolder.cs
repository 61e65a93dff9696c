using System.Diagnostics;

namespace Fixpoint.Cli;

/// <summary>
/// The output folder of one run, written as a whole. A verb writes every file into a fresh staging folder
/// beside --out (<c>.NAME.tmp-PID-ID</c>) and <see cref="Commit"/> swaps it in at the end: the old folder is
/// renamed aside, the staging folder takes its name, and the old one is deleted. A failure or a kill before
/// the swap leaves the earlier run's files exactly as they were (the staging folder is dropped, or removed by
/// the next run); a kill between the two renames is undone by the next run, which puts the old folder back.
/// Files in --out that the verb does not own (<c>owned</c>) are carried over; owned files the run did not write
/// (census.png under --no-plot) are dropped, so a folder never mixes two runs. When --out holds folders of its
/// own or is the working directory, the staged files are instead moved in one by one once all are written.
/// </summary>
internal sealed class RunFolder : IDisposable
{
    private readonly HashSet<string> _owned;
    private bool _done;

    private RunFolder(string final, string staging, IEnumerable<string> owned)
    {
        Final = final;
        Staging = staging;
        _owned = new HashSet<string>(owned, StringComparer.Ordinal);
    }

    /// <summary>The folder the user named (--out).</summary>
    public string Final { get; }

    /// <summary>Where this run writes; it becomes <see cref="Final"/> at <see cref="Commit"/>.</summary>
    public string Staging { get; }

    /// <summary>Cleans up after killed runs, then creates the staging folder.</summary>
    public static RunFolder Begin(string dir, params string[] owned)
    {
        string final = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        string parent = Path.GetDirectoryName(final) ?? throw new UsageException($"--out {dir}: cannot write a run folder at the root of the file system");
        Directory.CreateDirectory(parent);
        Recover(final, parent);
        string staging = Path.Combine(parent, $"{Prefix(final)}tmp-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^24]);
        Directory.CreateDirectory(staging);
        return new RunFolder(final, staging, owned);
    }

    /// <summary>The staged path of one output file.</summary>
    public string File(string name) => Path.Combine(Staging, name);

    /// <summary>Flushes every staged file to disk and swaps the staging folder in.</summary>
    public void Commit()
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (string f in Directory.EnumerateFiles(Staging))
        {
            using (var fs = new FileStream(f, FileMode.Open, FileAccess.ReadWrite)) fs.Flush(flushToDisk: true);
            written.Add(Path.GetFileName(f));
        }
        if (!Directory.Exists(Final))
        {
            Directory.Move(Staging, Final);
        }
        else if (Directory.EnumerateDirectories(Final).Any() || IsOrHoldsWorkingDirectory(Final))
        {
            foreach (string name in written) System.IO.File.Move(Path.Combine(Staging, name), Path.Combine(Final, name), overwrite: true);
            foreach (string name in _owned.Except(written)) System.IO.File.Delete(Path.Combine(Final, name));
            Directory.Delete(Staging, recursive: true);
        }
        else
        {
            foreach (string f in Directory.EnumerateFiles(Final))
            {
                string name = Path.GetFileName(f);
                if (!written.Contains(name) && !_owned.Contains(name) && !IsTemporary(name)) System.IO.File.Copy(f, Path.Combine(Staging, name));
            }
            string old = Path.Combine(Path.GetDirectoryName(Final)!, $"{Prefix(Final)}old-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^24]);
            Directory.Move(Final, old);
            Directory.Move(Staging, Final);
            Directory.Delete(old, recursive: true);
        }
        _done = true;
    }

    /// <summary>Without <see cref="Commit"/> (a failure), the staged files are dropped and --out is untouched.</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        try { if (Directory.Exists(Staging)) Directory.Delete(Staging, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string Prefix(string final) => "." + Path.GetFileName(final) + ".";

    /// <summary>
    /// Undoes what killed runs left: an old folder set aside but not replaced goes back; staging and old folders
    /// of dead processes are removed, and so are the <c>*.tmp-PID-*</c> files of <see cref="IO.AtomicFile"/> in --out.
    /// </summary>
    private static void Recover(string final, string parent)
    {
        string prefix = Prefix(final);
        foreach (string d in Directory.EnumerateDirectories(parent, prefix + "*").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(d)[prefix.Length..];
            bool old = name.StartsWith("old-", StringComparison.Ordinal);
            if (!old && !name.StartsWith("tmp-", StringComparison.Ordinal)) continue;
            if (OwnerAlive(name[4..])) continue;
            if (old && !Directory.Exists(final)) Directory.Move(d, final);
            else Directory.Delete(d, recursive: true);
        }
        if (!Directory.Exists(final)) return;
        foreach (string f in Directory.EnumerateFiles(final, "*.tmp-*"))
        {
            string name = Path.GetFileName(f);
            if (!OwnerAlive(name[(name.LastIndexOf(".tmp-", StringComparison.Ordinal) + 5)..])) System.IO.File.Delete(f);
        }
    }

    private static bool IsTemporary(string name) => name.Contains(".tmp-", StringComparison.Ordinal);

    /// <summary>"PID-…": whether that process still runs (an unreadable id counts as alive, so it is left alone).</summary>
    private static bool OwnerAlive(string tail)
    {
        int dash = tail.IndexOf('-');
        if (!int.TryParse(dash < 0 ? tail : tail[..dash], out int pid)) return true;
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static bool IsOrHoldsWorkingDirectory(string folder)
    {
        string cwd = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Environment.CurrentDirectory));
        return cwd == folder || cwd.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
