using System.Globalization;

namespace Fixpoint.Numerics;

/// <summary>A size taken from a file or an option would need more memory than the budget allows.</summary>
public sealed class MemoryBudgetException(string message) : Exception(message);

/// <summary>
/// How many bytes one run may allocate for the sizes that come from its inputs (network widths and
/// depths, starts, tensor shapes, decompressed data, sweep task lists). Callers check a size against
/// it before they allocate, so a mistyped width or a hostile file is refused with one line saying how
/// much it needs instead of growing until the machine swaps or the process dies.
/// </summary>
public sealed record MemoryBudget
{
    /// <summary>The default share of the memory this process may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>).</summary>
    public const double DefaultFraction = 0.5;

    public MemoryBudget(long limitBytes)
    {
        if (limitBytes < 1) throw new ArgumentOutOfRangeException(nameof(limitBytes), limitBytes, "the memory limit must be ≥ 1 byte");
        LimitBytes = limitBytes;
    }

    public long LimitBytes { get; }

    /// <summary>Half of the memory available to the process (physical memory, or the container's limit).</summary>
    public static MemoryBudget Default => new(Math.Max(1L << 28, (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * DefaultFraction)));

    /// <summary>Throws <see cref="MemoryBudgetException"/> when <paramref name="bytes"/> (what <paramref name="what"/> needs) is above the limit.</summary>
    public void Require(double bytes, string what)
    {
        if (double.IsNaN(bytes) || bytes > LimitBytes)
            throw new MemoryBudgetException($"{what} needs about {Format(bytes)} of memory, above the limit of {Format(LimitBytes)}");
    }

    /// <summary>Whether <paramref name="bytes"/> fits.</summary>
    public bool Fits(double bytes) => !double.IsNaN(bytes) && bytes <= LimitBytes;

    /// <summary>"1.5 GB", "730 MB", "12 KB" (powers of 1024).</summary>
    public static string Format(double bytes)
    {
        if (double.IsNaN(bytes) || double.IsInfinity(bytes) || bytes >= 1e30) return "more than 10^30 bytes";
        string[] units = ["B", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        return (u == 0 ? bytes.ToString("0", CultureInfo.InvariantCulture) : bytes.ToString(bytes < 10 ? "0.0" : "0", CultureInfo.InvariantCulture)) + " " + units[u];
    }

    /// <summary>Parses "4G", "500M", "512k", "2GB", "1e9" or "1073741824" (binary units: 1K = 1024 bytes); null when it is not a size ≥ 1 byte.</summary>
    public static long? Parse(string text)
    {
        string s = text.Trim().ToUpperInvariant();
        if (s.EndsWith('B') && s.Length > 1 && !char.IsDigit(s[^2])) s = s[..^1];
        double scale = 1;
        if (s.Length > 0 && "KMGT".IndexOf(s[^1]) is int i and >= 0)
        {
            scale = Math.Pow(1024, i + 1);
            s = s[..^1];
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v)) return null;
        double bytes = v * scale;
        return bytes >= 1 && bytes < 9e18 ? (long)bytes : null;
    }
}
