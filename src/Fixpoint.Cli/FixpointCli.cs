namespace Fixpoint.Cli;

/// <summary>The <c>fixpoint</c> command line: parses, runs the library, reports and draws.</summary>
public static class FixpointCli
{
    public static string Version => typeof(FixpointCli).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static int Run(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("Fixpoint: find, count, certify and classify the fixed points of square neural networks.");
        root.Subcommands.Add(CensusCommand.Create(console, cancellationToken));
        root.Subcommands.Add(EvalCommand.Create(console));
        root.Subcommands.Add(SweepCommand.Create(console, cancellationToken));
        root.Subcommands.Add(CertifyCommand.Create(console, cancellationToken));
        root.Subcommands.Add(ContinueCommand.Create(console, cancellationToken));
        root.Subcommands.Add(ReproduceCommand.Create(console, cancellationToken));
        root.Subcommands.Add(ImportCommand.Create(console));
        root.Subcommands.Add(ReportCommand.Create(console));
        root.Subcommands.Add(SpectrumCommand.Create(console, cancellationToken));
        root.Subcommands.Add(TrainCommand.Create(console, cancellationToken));
        root.Subcommands.Add(RestoreCommand.Create(console, cancellationToken));
        root.Subcommands.Add(ClassifyCommand.Create(console, cancellationToken));
        root.Subcommands.Add(EarlyExitCommand.Create(console, cancellationToken));
        root.Options.Add(InputLimits.CreateMemoryLimit());

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            console.Error.WriteLine($"error: {OneLine(Suggestions.ErrorLine(parse))}");
            return ExitCodes.BadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false });
        }
        catch (Numerics.MemoryBudgetException e)
        {
            console.Error.WriteLine($"error: {OneLine(e.Message)}; raise it with {InputLimits.MemoryLimitName} SIZE if the machine has the memory");
            return ExitCodes.BadInput;
        }
        catch (OutOfMemoryException)
        {
            // A last resort: a size no check foresaw. Still one line, never a trace.
            console.Error.WriteLine($"error: out of memory; the input asks for more than this process can allocate (see {InputLimits.MemoryLimitName})");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (IsBadInput(e))
        {
            console.Error.WriteLine($"error: {OneLine(e.Message)}");
            return ExitCodes.BadInput;
        }
    }

    internal static bool IsBadInput(Exception e) =>
        e is UsageException or ModelFormatException or Onnx.OnnxFormatException or Experiments.SweepSpecException or FormatException or ArgumentException or FileNotFoundException
            or DirectoryNotFoundException or UnauthorizedAccessException or IOException or Numerics.MemoryBudgetException;

    /// <summary>The message on one line, as the error form needs; the text itself is left as written.</summary>
    internal static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
