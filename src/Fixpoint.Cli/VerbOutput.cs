namespace Fixpoint.Cli;

/// <summary>The start every writing verb shares: its output folder (--out), --no-plot, and the command line it records in its files.</summary>
internal sealed class VerbOutput(string defaultOut, string? files, string drawn)
{
    public readonly Option<string> Out = new("--out") { Description = $"Output folder{(files is null ? "" : " for " + files)} (default {defaultOut}).", DefaultValueFactory = _ => defaultOut };
    public readonly Option<bool> NoPlot = new("--no-plot") { Description = $"Do not draw {drawn}." };

    public void AddTo(Command command)
    {
        command.Options.Add(Out);
        command.Options.Add(NoPlot);
    }

    public string Dir(ParseResult p) => p.GetValue(Out)!;

    public bool Plot(ParseResult p) => !p.GetValue(NoPlot);

    /// <summary>"fixpoint census --width 4 …": the command as given, for the files a verb writes.</summary>
    public static string CommandLine(ParseResult p) => "fixpoint " + string.Join(' ', p.Tokens.Select(t => t.Value));
}
