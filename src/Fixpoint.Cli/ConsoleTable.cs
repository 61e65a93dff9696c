using Spectre.Console;

namespace Fixpoint.Cli;

/// <summary>
/// How a table gives way to a narrow terminal: <paramref name="Shrink"/> is a column that may be cut short (to
/// <paramref name="MinShrunk"/> characters, a point's coordinates), <paramref name="DropOrder"/> the columns left
/// out, first to last, while the table is still too wide; <paramref name="Short"/>, per row, a shorter text for the
/// shrinkable column (fewer digits) used before anything is cut. Null: cut nothing, drop from the last column back to the second.
/// </summary>
internal sealed record TableFit(int Shrink = -1, int MinShrunk = 16, int[]? DropOrder = null, IReadOnlyList<string>? Short = null);

/// <summary>
/// The CLI's tables: a Spectre table on a terminal, aligned plain text when redirected (one row per unit, ids
/// first). A table never wraps a cell: when it is wider than <see cref="CliConsole.Width"/> it shortens the
/// column its <see cref="TableFit"/> names, then leaves out columns (and says which), then cuts the widest cells
/// with an ellipsis.
/// </summary>
internal static class ConsoleTable
{
    public static void Print(CliConsole console, string title, string[] head, IReadOnlyList<string[]> rows, TableFit? fit = null)
    {
        // Spectre's square border costs 3 characters a column and 1 more; plain text 2 between columns.
        (int perColumn, int extra) = console.IsTerminal ? (3, 1) : (2, -2);
        fit ??= new TableFit();
        if (fit.Short is { } shorter && shorter.Count == rows.Count && fit.Shrink >= 0 && console.Width is int w
            && Layout(head, rows, null, perColumn, extra, fit).Widths.Sum() + perColumn * head.Length + extra > w)
            rows = rows.Select((r, i) => r.Select((c, j) => j == fit.Shrink ? shorter[i] : c).ToArray()).ToList();
        var (keep, widths) = Layout(head, rows, console.Width, perColumn, extra, fit);
        string[] h = keep.Select((j, k) => Cut(head[j], widths[k])).ToArray();
        var body = rows.Select(r => keep.Select((j, k) => Cut(r[j], widths[k])).ToArray()).ToList();
        var dropped = Enumerable.Range(0, head.Length).Where(j => !keep.Contains(j)).Select(j => head[j]).ToList();
        if (console.IsTerminal)
        {
            var t = new Table { Title = new TableTitle(Markup.Escape(title)), Expand = false };
            foreach (string c in h) t.AddColumn(new TableColumn(Markup.Escape(c)).NoWrap());
            foreach (string[] row in body) t.AddRow(row.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(t);
            if (dropped.Count > 0) console.Out.WriteLine($"(not shown at {console.Width} columns: {string.Join(", ", dropped)})");
            return;
        }
        console.Out.WriteLine(title + ":");
        console.Out.WriteLine(string.Join("  ", h.Select((c, k) => c.PadRight(widths[k]))).TrimEnd());
        foreach (string[] row in body) console.Out.WriteLine(string.Join("  ", row.Select((c, k) => c.PadRight(widths[k]))).TrimEnd());
        if (dropped.Count > 0) console.Out.WriteLine($"(not shown at {console.Width} columns: {string.Join(", ", dropped)})");
    }

    /// <summary>
    /// The columns kept and their widths so that Σ widths + perColumn·columns + extra ≤ width (null: no limit).
    /// Order: shorten the shrinkable column to its minimum, leave out columns in the drop order, give the room
    /// left back to the shortened column, and last cut the widest columns down to 3 characters.
    /// </summary>
    internal static (int[] Keep, int[] Widths) Layout(string[] head, IReadOnlyList<string[]> rows, int? width, int perColumn, int extra, TableFit fit)
    {
        int n = head.Length;
        int[] natural = Enumerable.Range(0, n).Select(j => Math.Max(head[j].Length, rows.Count == 0 ? 0 : rows.Max(r => r[j].Length))).ToArray();
        var keep = Enumerable.Range(0, n).ToList();
        if (width is not int w) return (keep.ToArray(), natural);
        var cur = (int[])natural.Clone();
        int Total() => keep.Sum(j => cur[j]) + perColumn * keep.Count + extra;
        int s = fit.Shrink;
        bool shrinkable = s >= 0 && s < n;
        if (Total() > w && shrinkable) cur[s] = Math.Min(natural[s], Math.Max(fit.MinShrunk, Math.Min(natural[s], natural[s] - (Total() - w))));
        foreach (int j in fit.DropOrder ?? Enumerable.Range(1, Math.Max(0, n - 1)).Reverse().ToArray())
        {
            if (Total() <= w || keep.Count <= 1) break;
            if (j >= 0 && j < n && j != s) keep.Remove(j);
        }
        if (shrinkable && keep.Contains(s)) cur[s] = Math.Min(natural[s], cur[s] + Math.Max(0, w - Total()));
        while (Total() > w)
        {
            int widest = keep.OrderByDescending(j => cur[j]).First();
            if (cur[widest] <= 3) break;
            cur[widest]--;
        }
        return (keep.ToArray(), keep.Select(j => cur[j]).ToArray());
    }

    /// <summary>The cell cut to <paramref name="width"/> characters, its last one an ellipsis when cut.</summary>
    internal static string Cut(string cell, int width) => cell.Length <= width ? cell : width <= 1 ? "…"[..width] : cell[..(width - 1)] + "…";
}
