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
    Width = CliConsole.WidthFrom(terminal, () => Console.WindowWidth, Environment.GetEnvironmentVariable("COLUMNS")),
};
return FixpointCli.Run(args, console, cts.Token);
