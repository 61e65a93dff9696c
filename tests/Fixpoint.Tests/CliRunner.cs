using Fixpoint.Cli;

namespace Fixpoint.Tests;

/// <summary>Runs the CLI in-process with captured output, as a user would run it.</summary>
internal static class CliRunner
{
    public sealed record Run(int ExitCode, string Out, string Err);

    public static Run Invoke(params string[] args) => Invoke(CancellationToken.None, args);

    public static Run Invoke(CancellationToken ct, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = FixpointCli.Run(args, new CliConsole(o, e, IsTerminal: false), ct);
        return new Run(code, o.ToString(), e.ToString());
    }

    /// <summary>As <see cref="Invoke(string[])"/> with redirected output limited to <paramref name="columns"/> as the COLUMNS variable would.</summary>
    public static Run InvokeAtWidth(string columns, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var console = new CliConsole(o, e, IsTerminal: false) { Width = CliConsole.WidthFrom(false, () => throw new IOException("no terminal"), columns) };
        int code = FixpointCli.Run(args, console, CancellationToken.None);
        return new Run(code, o.ToString(), e.ToString());
    }

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "fixpoint-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
