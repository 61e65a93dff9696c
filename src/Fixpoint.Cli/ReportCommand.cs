namespace Fixpoint.Cli;

/// <summary><c>fixpoint report DIR</c>: one self-contained report.html from everything the other verbs wrote in DIR and its subfolders.</summary>
internal static class ReportCommand
{
    public const string DefaultName = "report.html";

    public static Command Create(CliConsole console)
    {
        var dir = new Argument<string>("dir") { Description = "The folder to gather (census, certify, spectrum, sweep report or application outputs, in it or its subfolders)." };
        var outFile = new Option<string>("--out") { Description = $"The HTML file to write (default DIR/{DefaultName})." };
        var cmd = new Command("report", "Gather the outputs in a folder into one self-contained HTML page: figures, tables, commands and versions.") { dir, outFile };
        cmd.SetAction(p =>
        {
            string d = p.GetValue(dir)!;
            if (!Directory.Exists(d)) throw new UsageException($"{d}: no such folder");
            string target = p.GetValue(outFile) ?? Path.Combine(d, DefaultName);
            if (Directory.Exists(target)) throw new UsageException($"--out {target} is a folder");
            var (html, contents) = ReportHtml.Build(d, target, FixpointCli.Version, DateTimeOffset.UtcNow);
            if (contents.Files == 0) throw new UsageException($"{d}: the folder holds no files to report on");
            string? parent = Path.GetDirectoryName(Path.GetFullPath(target));
            if (parent is not null) Directory.CreateDirectory(parent);
            AtomicFile.WriteText(target, html);
            console.Out.WriteLine($"wrote {target}: {contents.Files} file(s), {contents.Figures} figure(s), {contents.Tables} table(s), {contents.FixedPointRows} fixed-point row(s)" +
                (contents.NotShown.Count > 0 ? $"; listed but not shown: {string.Join(", ", contents.NotShown)}" : ""));
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
