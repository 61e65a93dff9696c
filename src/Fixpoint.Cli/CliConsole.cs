namespace Fixpoint.Cli;

/// <summary>Where a verb writes: standard output, standard error, and whether output is an interactive terminal (progress bars and tables) or redirected (plain lines).</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool IsTerminal);

/// <summary>Bad input: the CLI prints "error: message" on one line and exits with <see cref="ExitCodes.BadInput"/>.</summary>
public sealed class UsageException(string message) : Exception(message);

public static class ExitCodes
{
    public const int Ok = 0;
    public const int BadInput = 2;
    /// <summary>Stopped by Ctrl-C after writing the partial results.</summary>
    public const int Interrupted = 130;
}
