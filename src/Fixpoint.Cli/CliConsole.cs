namespace Fixpoint.Cli;

/// <summary>Where a verb writes: standard output, standard error, and whether output is an interactive terminal (progress bars and tables) or redirected (plain lines).</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool IsTerminal)
{
    /// <summary>Columns the tables may use (null: no limit); see <see cref="WidthFrom"/>.</summary>
    public int? Width { get; init; }

    /// <summary>
    /// The terminal's width when output is a terminal (<paramref name="windowWidth"/>, Console.WindowWidth),
    /// else the COLUMNS variable's value, else no limit: redirected output keeps whole rows unless asked.
    /// </summary>
    public static int? WidthFrom(bool isTerminal, Func<int> windowWidth, string? columns)
    {
        if (isTerminal)
        {
            try
            {
                int w = windowWidth();
                if (w > 0) return w;
            }
            catch (IOException) { }
            catch (PlatformNotSupportedException) { }
        }
        return int.TryParse(columns, NumberStyles.None, CultureInfo.InvariantCulture, out int c) && c > 0 ? c : null;
    }
}

/// <summary>Bad input: the CLI prints "error: message" on one line and exits with <see cref="ExitCodes.BadInput"/>.</summary>
public sealed class UsageException(string message) : Exception(message);

public static class ExitCodes
{
    public const int Ok = 0;
    public const int BadInput = 2;
    /// <summary>Stopped by Ctrl-C after writing the partial results.</summary>
    public const int Interrupted = 130;
}
