namespace Fixpoint.Cli;

/// <summary><c>fixpoint eval</c>: F(x) for the rows of a CSV file, printed as CSV with round-trip precision (to compare with other tools).</summary>
internal static class EvalCommand
{
    public static Command Create(CliConsole console)
    {
        var net = new NetworkOptions();
        var held = new HeldInputOptions();
        var points = new Option<string>("--points") { Description = "CSV file with one point per row.", Required = true };
        var jacobian = new Option<bool>("--jacobian") { Description = "Print the Jacobian (row-major, N² numbers) after F(x) on each row." };
        var cmd = new Command("eval", "Evaluate F(x) (and optionally J(x)) at the rows of a CSV file and print them as CSV.");
        net.AddTo(cmd);
        held.AddTo(cmd);
        cmd.Options.Add(points);
        cmd.Options.Add(jacobian);
        cmd.SetAction(p =>
        {
            PointListStarts rows = StartsFile.ReadCsv(p.GetValue(points)!);
            using LoadedModel loaded = held.Load(p, net);
            if (loaded.Summary is not null) foreach (string line in loaded.Summary.Lines()) console.Error.WriteLine(line);
            else if (p.GetValue(net.Model) is not null)
                console.Error.WriteLine($"evaluator {loaded.Evaluator}{(loaded.EvaluatorReason is null ? "" : $" ({loaded.EvaluatorReason})")}");
            if (loaded.Conditions.Count != 1)
                throw new UsageException($"fixpoint eval evaluates one condition; --hold gives {loaded.Conditions.Count} (one value list per held input, not a file of several rows)");
            IMap network = loaded.Model.Bind(loaded.Conditions[0].Values);
            if (network is Network built) net.Save(p, built);
            int n = network.Dimension;
            if (rows.Dimension != n) throw new UsageException($"--points has {rows.Dimension} columns but the network has dimension {n}");
            var y = new double[n];
            var j = new double[n * n];
            bool withJ = p.GetValue(jacobian);
            for (int i = 0; i < rows.Points.Length / n; i++)
            {
                ReadOnlySpan<double> x = rows.Points.AsSpan(i * n, n);
                network.Evaluate(x, y);
                IEnumerable<double> values = y;
                if (withJ)
                {
                    network.Jacobian(x, j);
                    values = values.Concat(j);
                }
                console.Out.WriteLine(string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            }
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
