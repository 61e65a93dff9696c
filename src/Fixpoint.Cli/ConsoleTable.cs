using Spectre.Console;

namespace Fixpoint.Cli;

/// <summary>The CLI's tables: a Spectre table on a terminal, aligned plain text when redirected (one row per unit, ids first).</summary>
internal static class ConsoleTable
{
    public static void Print(CliConsole console, string title, string[] head, IReadOnlyList<string[]> rows)
    {
        if (console.IsTerminal)
        {
            var t = new Table { Title = new TableTitle(Markup.Escape(title)) };
            foreach (string h in head) t.AddColumn(Markup.Escape(h));
            foreach (string[] row in rows) t.AddRow(row.Select(Markup.Escape).ToArray());
            AnsiConsole.Write(t);
            return;
        }
        console.Out.WriteLine(title + ":");
        var widths = head.Select((h, j) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[j].Length))).ToArray();
        console.Out.WriteLine(string.Join("  ", head.Select((h, j) => h.PadRight(widths[j]))).TrimEnd());
        foreach (string[] row in rows) console.Out.WriteLine(string.Join("  ", row.Select((c, j) => c.PadRight(widths[j]))).TrimEnd());
    }
}
