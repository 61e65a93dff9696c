using Fixpoint.Cli;

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C asks the work to stop and keep what it found; a second one ends the process.
    if (cts.IsCancellationRequested) return;
    e.Cancel = true;
    cts.Cancel();
};
bool terminal = !Console.IsOutputRedirected && !Console.IsErrorRedirected;
var console = new CliConsole(Console.Out, Console.Error, terminal)
{
    // Standard output on a terminal is enough for its width, even when stderr is redirected (plain lines, but still 80 columns).
    Width = CliConsole.WidthFrom(!Console.IsOutputRedirected, () => Console.WindowWidth, Environment.GetEnvironmentVariable("COLUMNS")),
};
return FixpointCli.Run(args, console, cts.Token);
