using System.Text.RegularExpressions;
using Fixpoint.Continuation;
using Fixpoint.Experiments;

namespace Fixpoint.Cli;

/// <summary><c>fixpoint continue</c>: branches of fixed points through a parameter range, with their bifurcations (docs/continuation.md).</summary>
internal static partial class ContinueCommand
{
    public const string DefaultOut = "fixpoint-continue";
    public const int DefaultStarts = 100;

    /// <summary>Starts of the internal census that deflated Newton also runs from.</summary>
    public const int DeflateStarts = 10;
    public const string ParamNames = "weight-scale, bias-shift, tensor:NAME[i,j] (or NAME[i] for a bias), hold:NAME[k], hold:NAME, m";

    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var net = new NetworkOptions();
        var held = new HeldInputOptions();
        var param = new Option<string>("--param") { Description = $"The parameter: {ParamNames}.", Required = true };
        var from = new Option<double>("--from") { Description = "Start of the parameter range (the starting points are fixed points there).", Required = true };
        var to = new Option<double>("--to") { Description = "End of the parameter range.", Required = true };
        var maxSteps = new Option<int>("--max-steps") { Description = $"Steps per direction of each branch (default {ContinuationOptions.DefaultMaxSteps}).", DefaultValueFactory = _ => ContinuationOptions.DefaultMaxSteps };
        var step = new Option<double>("--step") { Description = "First arclength step in (x, p) (default |to − from|/100; the step adapts up to 5 times that).", DefaultValueFactory = _ => 0.0 };
        var starts = new Option<int>("--starts") { Description = $"Starts of the census at --from that gives the starting points (default {DefaultStarts}).", DefaultValueFactory = _ => DefaultStarts };
        var box = new Option<double[]>("--box") { Description = "That census's start box LO HI (default -1 1).", DefaultValueFactory = _ => [-1.0, 1.0], Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var fromCensus = new Option<string>("--from-census") { Description = "Start from the fixed points of this census.json (taken at --from) instead of running a census." };
        var yAxis = new Option<string>("--y") { Description = "What bifurcation.png plots against the parameter: x:K (coordinate K, default x:0) or norm (‖x‖₂).", DefaultValueFactory = _ => "x:0" };
        var noSwitch = new Option<bool>("--no-switch") { Description = "Do not follow the second branch through branch points." };
        var output = new VerbOutput(DefaultOut, "branches.csv, bifurcations.json and bifurcation.png", "bifurcation.png");

        var cmd = new Command("continue", "Follow fixed points through a parameter range (pseudo-arclength continuation) and locate folds, flips, Neimark–Sacker and branch points.");
        net.AddTo(cmd);
        held.AddTo(cmd);
        foreach (Option o in new Option[] { param, from, to, maxSteps, step, starts, box, fromCensus, yAxis, noSwitch })
            cmd.Options.Add(o);
        output.AddTo(cmd);

        cmd.SetAction(p =>
        {
            ParamSpec spec = ParseParam(p.GetValue(param)!);
            double a = p.GetValue(from), b = p.GetValue(to);
            if (!double.IsFinite(a) || !double.IsFinite(b)) throw new UsageException("--from and --to must be finite");
            if (a == b) throw new UsageException($"--from and --to are both {Format.Value(a)}: the range is empty");
            int k = p.GetValue(starts);
            if (k < 1) throw new UsageException($"--starts must be ≥ 1 (got {k})");
            double[] bx = p.GetValue(box) ?? [-1.0, 1.0];
            InputLimits.CheckBox("--box", bx[0], bx[1]);
            double h = p.GetValue(step);
            if (NetworkOptions.Given(p, step) && !(h > 0 && double.IsFinite(h))) throw new UsageException($"--step must be > 0 (got {Format.Value(h)})");
            if (h == 0) h = Math.Abs(b - a) / 100;
            int ms = p.GetValue(maxSteps);
            if (ms < 1) throw new UsageException($"--max-steps must be ≥ 1 (got {ms})");
            Func<double[], double> yOf = ParseY(p.GetValue(yAxis)!, out string yLabel, out int yCoordinate);
            if (spec.Kind == "m" && p.GetValue(net.Network) is null) throw new UsageException("--param m needs --network (paper A's networks)");
            var options = new ContinuationOptions
            {
                From = a, To = b, Step = h, MaxStep = Math.Max(5 * h, Math.Abs(b - a) / 20), MinStep = Math.Min(1e-7, h / 100), MaxSteps = ms,
                BranchSwitching = !p.GetValue(noSwitch),
            };
            string dir = output.Dir(p);

            using LoadedModel loaded = held.Load(p, net);
            if (loaded.Conditions.Count != 1) throw new UsageException($"continue takes one condition of the held inputs; --hold gives {loaded.Conditions.Count}");
            IParameterFamily family = Family(spec, p, net, loaded);
            if (yCoordinate >= family.Dimension) throw new UsageException($"--y x:{yCoordinate}: the network has dimension {family.Dimension}");
            // The summary after every check, so that bad input stays one line.
            if (loaded.Summary is not null) foreach (string line in loaded.Summary.Lines()) console.Error.WriteLine(line);
            // --save-model writes the network the continuation starts from (at its own parameters), as census does.
            if (loaded.Model.Bind(loaded.Conditions[0].Values) is Network built) net.Save(p, built);
            List<double[]> points = StartingPoints(p, console, family, a, k, bx, p.GetValue(fromCensus), p.GetValue(net.Seed), ct);

            using var run = RunFolder.Begin(dir, "branches.csv", "bifurcations.json", "bifurcation.png");
            ContinuationResult result = ProgressReporter.Run(console, $"continuation in {family.Name} of {loaded.Description}", progress =>
                PseudoArclength.Run(family, points, options, progress, ct));
            ContinuationFiles.WriteCsv(result, run.File("branches.csv"));
            ContinuationFiles.WriteJson(result, run.File("bifurcations.json"), VerbOutput.CommandLine(p), loaded.Description, points.Count);
            if (output.Plot(p)) ContinuationPlot.Draw(result, yOf, yLabel, run.File("bifurcation.png"));
            run.Commit();
            Report(console, result, dir);
            return result.Status == ContinuationStatus.Partial ? ExitCodes.Interrupted : ExitCodes.Ok;
        });
        return cmd;
    }

    internal sealed record ParamSpec(string Kind, string Name, int Row, int Column);

    [GeneratedRegex(@"^(?<name>[^\[\]]+)(\[(?<i>\d+)(,(?<j>\d+))?\])?$")]
    private static partial Regex Indexed();

    /// <summary>The --param syntax, checked before anything is loaded.</summary>
    internal static ParamSpec ParseParam(string text)
    {
        string t = text.Trim();
        if (t is "weight-scale" or "bias-shift" or "m") return new ParamSpec(t, t, -1, -1);
        foreach (string kind in new[] { "tensor", "hold" })
        {
            if (!t.StartsWith(kind + ":", StringComparison.Ordinal)) continue;
            Match m = Indexed().Match(t[(kind.Length + 1)..]);
            if (!m.Success) break;
            int i = m.Groups["i"].Success ? int.Parse(m.Groups["i"].Value, CultureInfo.InvariantCulture) : -1;
            int j = m.Groups["j"].Success ? int.Parse(m.Groups["j"].Value, CultureInfo.InvariantCulture) : -1;
            if (kind == "tensor" && i < 0) throw new UsageException($"--param {t}: give the element, tensor:NAME[i,j] (or NAME[i] for a bias)");
            if (kind == "hold" && j >= 0) throw new UsageException($"--param {t}: a held input takes one index, hold:NAME[k]");
            return new ParamSpec(kind, m.Groups["name"].Value.Trim(), i, j);
        }
        throw new UsageException($"unknown --param '{text}'; known: {ParamNames}");
    }

    private static IParameterFamily Family(ParamSpec spec, ParseResult p, NetworkOptions net, LoadedModel loaded)
    {
        HeldCondition condition = loaded.Conditions[0];
        if (spec.Kind == "hold")
        {
            if (loaded.Model.HeldInputs.Count == 0) throw new UsageException($"--param {spec.Kind}:{spec.Name}: the model holds no inputs");
            try { return new HeldInputFamily(loaded.Model, condition.Values, spec.Name, spec.Row); }
            catch (ArgumentException e) { throw new UsageException($"--param {e.Message.Split(" (Parameter")[0]}"); }
        }
        if (spec.Kind == "m")
        {
            PaperACase paper = PaperACase.Named(p.GetValue(net.Network)!);
            int d = p.GetValue(net.Dim);
            int depth = NetworkOptions.Given(p, net.Depth) ? p.GetValue(net.Depth) : 1;
            return new FunctionFamily("m", d, m => paper.Create(d, m, depth));
        }
        if (loaded.Model.HeldInputs.Count > 0 || loaded.Model.Bind(condition.Values) is not Network network)
            throw new UsageException($"--param {spec.Name} needs a dense network (random, safetensors or paper A's); this model is {loaded.Description}");
        return spec.Kind switch
        {
            "weight-scale" => new WeightScaleFamily(network),
            "bias-shift" => new BiasShiftFamily(network),
            _ => TensorFamily(network, spec),
        };
    }

    private static TensorElementFamily TensorFamily(Network network, ParamSpec spec)
    {
        bool bias = spec.Name.EndsWith(".bias", StringComparison.Ordinal);
        if (bias && spec.Column >= 0) throw new UsageException($"--param tensor:{spec.Name}: a bias takes one index, [i]");
        if (!bias && spec.Column < 0) throw new UsageException($"--param tensor:{spec.Name}: a weight takes two indices, [i,j]");
        try { return new TensorElementFamily(network, spec.Name, spec.Row, bias ? 0 : spec.Column); }
        catch (ArgumentException e) { throw new UsageException($"--param {e.Message.Split(" (Parameter")[0]}"); }
    }

    private static Func<double[], double> ParseY(string text, out string label, out int coordinate)
    {
        string t = text.Trim().ToLowerInvariant();
        coordinate = 0;
        if (t == "norm") { label = "‖x‖₂"; return x => Math.Sqrt(x.Sum(v => v * v)); }
        if (t.StartsWith("x:", StringComparison.Ordinal) && int.TryParse(t[2..], NumberStyles.None, CultureInfo.InvariantCulture, out int c))
        {
            coordinate = c;
            label = $"x[{c}]";
            return x => x[c];
        }
        throw new UsageException($"unknown --y '{text}'; known: norm, x:K");
    }

    /// <summary>The fixed points at --from: those of --from-census, or of a census run here (with the Newton pass, so unstable ones too).</summary>
    private static List<double[]> StartingPoints(ParseResult p, CliConsole console, IParameterFamily family, double at, int starts, double[] box,
        string? censusFile, ulong seed, CancellationToken ct)
    {
        if (censusFile is not null)
        {
            CensusFile file = CensusFile.Read(censusFile);
            if (file.Dimension != family.Dimension) throw new UsageException($"--from-census {censusFile} has dimension {file.Dimension}; the network has {family.Dimension}");
            if (file.FixedPoints.Count == 0) throw new UsageException($"--from-census {censusFile} holds no fixed points");
            return [.. file.FixedPoints.Select(f => f.X)];
        }
        IMap map = family.At(at);
        // Deflation from the first few starts seeds branches that neither the iteration nor plain Newton reached.
        var options = new CensusOptions { Unstable = true, DeflateStarts = Math.Min(DeflateStarts, starts) };
        InputLimits.CheckCensus(p, starts, map.Dimension, options.Solve.Threads);
        CensusResult r = ProgressReporter.Run(console, $"census at {family.Name} = {Format.Value(at)}", progress =>
            FixedPointCensus.Run(map, new UniformBoxStarts(box[0], box[1]), starts, seed, options, progress, ct));
        console.Error.WriteLine($"census at {family.Name} = {Format.Value(at)}: {r.FixedPoints.Count} fixed point(s) to start from");
        return [.. r.FixedPoints.Select(f => f.X)];
    }

    private static void Report(CliConsole console, ContinuationResult r, string dir)
    {
        console.Out.WriteLine($"{r.Branches.Count} branch(es), {r.Branches.Sum(b => b.Points.Count)} points in {r.Parameter} ∈ [{Format.Value(Math.Min(r.From, r.To))}, {Format.Value(Math.Max(r.From, r.To))}]{(r.Status == ContinuationStatus.Partial ? " (partial: interrupted)" : "")}");
        foreach (Bifurcation f in r.Bifurcations)
            console.Out.WriteLine($"  {ContinuationFiles.TypeKey(f.Type),-14} {r.Parameter} = {f.Parameter.ToString("R", CultureInfo.InvariantCulture)}  branch {f.Branch}" +
                $"{(f.Angle is double th ? $"  angle {th.ToString("R", CultureInfo.InvariantCulture)}" : "")}{(f.NewBranches.Count > 0 ? $"  new branch {string.Join(",", f.NewBranches)}" : "")}");
        console.Out.WriteLine($"wrote {Path.Combine(dir, "branches.csv")}, bifurcations.json{(File.Exists(Path.Combine(dir, "bifurcation.png")) ? ", bifurcation.png" : "")}");
    }
}
