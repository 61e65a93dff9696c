using System.CommandLine.Parsing;

namespace Fixpoint.Cli;

/// <summary>
/// The one error line for a command line that does not parse, with "did you mean …?" for a misspelled verb or
/// option: System.CommandLine 2.0 reports an unknown verb as "Required command was not provided", and its typo
/// corrections went with the CommandLineBuilder, so the nearest names are found here (Damerau–Levenshtein).
/// </summary>
internal static class Suggestions
{
    public static string ErrorLine(ParseResult parse)
    {
        string? token = parse.UnmatchedTokens.FirstOrDefault();
        if (token is null) return parse.Errors[0].Message;
        Command cmd = parse.CommandResult.Command;
        bool option = token.StartsWith('-');
        string what = option ? "option" : cmd.Subcommands.Count > 0 ? "command" : "argument";
        string where = cmd.Parents.Any() ? $" for {cmd.Name}" : "";
        string line = $"Unrecognized {what} '{token}'{where}";
        var near = Nearest(token, Candidates(cmd, option));
        return near.Count switch
        {
            0 => line + $" (see fixpoint {(cmd.Parents.Any() ? cmd.Name + " " : "")}--help)",
            1 => line + $"; did you mean {near[0]}?",
            _ => line + $"; did you mean {string.Join(", ", near.Take(near.Count - 1))} or {near[^1]}?",
        };
    }

    private static IEnumerable<string> Candidates(Command cmd, bool option) => option
        ? cmd.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal))
        : cmd.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));

    /// <summary>The candidates closest to <paramref name="token"/>, at most 3, within an edit distance of about a third of its length.</summary>
    internal static List<string> Nearest(string token, IEnumerable<string> candidates)
    {
        string t = token.ToLowerInvariant();
        int limit = Math.Max(1, Math.Min(3, t.TrimStart('-').Length / 3));
        var scored = candidates.Distinct().Select(c => (c, d: Distance(t, c.ToLowerInvariant()))).Where(p => p.d <= limit).ToList();
        if (scored.Count == 0) return [];
        int best = scored.Min(p => p.d);
        return scored.Where(p => p.d == best).Select(p => p.c).OrderBy(c => c, StringComparer.Ordinal).Take(3).ToList();
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours each cost 1.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
