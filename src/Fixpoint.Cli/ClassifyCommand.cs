namespace Fixpoint.Cli;

/// <summary>
/// <c>fixpoint classify</c>: labels each attractor of a trained autoencoder by the training images that reach it
/// (majority) and classifies test images by the attractor they reach, against a k-nearest-neighbour baseline.
/// </summary>
internal static class ClassifyCommand
{
    public const string DefaultOut = "fixpoint-classify";

    internal sealed record Settings(string ModelPath, Network Network, DataSource Data, SplitSpec Split, ClassifyOptions Options, string Out, bool Plot, string Command,
        SemiSupervisedOptions? SemiSupervised = null);

    internal sealed record Outcome(int ExitCode, ClassifyReport Report);

    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var data = new DataOptions(TrainCommand.DefaultTrainCount);
        var model = new Option<string>("--model") { Description = "A trained square autoencoder (safetensors). Its data and split are used unless --data or the split options are given.", Required = true };
        var k = new Option<int>("--k") { Description = "k of the k-nearest-neighbour baseline (default 5; 1-NN is reported as well).", DefaultValueFactory = _ => 5 };
        var atol = new Option<double>("--atol") { Description = $"Iteration stops when ‖F(x) − x‖∞ ≤ atol (default {IterationOptions.DefaultAtol}).", DefaultValueFactory = _ => IterationOptions.DefaultAtol };
        var maxIter = new Option<int>("--max-iter") { Description = $"Iterations per image (default {IterationOptions.DefaultMaxIterations}).", DefaultValueFactory = _ => IterationOptions.DefaultMaxIterations };
        var sameTol = new Option<double>("--same-tol") { Description = $"Two end points are the same attractor within this ∞-distance (default {IterationOptions.DefaultSameTol}).", DefaultValueFactory = _ => IterationOptions.DefaultSameTol };
        var fractions = new Option<string?>("--label-fractions") { Description = "Semi-supervised: also label the attractors from only these shares of the training labels (e.g. 0.01,0.05,0.1,1), against k-NN and label spreading given the same labels." };
        var labelSeeds = new Option<int>("--label-seeds") { Description = "Random labelled subsets per fraction (default 5); accuracies are given with a 95% interval over them.", DefaultValueFactory = _ => 5 };
        var output = new VerbOutput(DefaultOut, "classify.json and confusion.png", "confusion.png");
        var cmd = new Command("classify", "Classify images by the basin of attraction they fall in (attractors labelled by the training images), against k-nearest neighbours.");
        cmd.Options.Add(model);
        data.AddTo(cmd);
        foreach (Option o in new Option[] { k, atol, maxIter, sameTol, fractions, labelSeeds }) cmd.Options.Add(o);
        output.AddTo(cmd);
        cmd.SetAction(p =>
        {
            int kk = TrainCommand.Check(p.GetValue(k), v => v >= 1, "--k", "≥ 1");
            var iteration = RestoreCommand.IterationFrom(p.GetValue(atol), p.GetValue(maxIter), p.GetValue(sameTol));
            (string path, Network net, DataSource source, SplitSpec split) = RestoreCommand.LoadModelAndData(p, model, data);
            SemiSupervisedOptions? semi = null;
            if (p.GetValue(fractions) is string fs)
            {
                var list = new List<double>();
                foreach (string part in fs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) || !(f > 0 && f <= 1))
                        throw new UsageException($"--label-fractions: '{part}' is not a share in (0, 1]");
                    list.Add(f);
                }
                if (list.Count == 0) throw new UsageException("--label-fractions names no share");
                semi = new SemiSupervisedOptions { LabelFractions = list, K = kk, Seeds = TrainCommand.Check(p.GetValue(labelSeeds), v => v >= 1 && v <= 1000, "--label-seeds", "in 1 … 1000") };
            }
            var s = new Settings(path, net, source, split, new ClassifyOptions { K = kk, Iteration = iteration }, output.Dir(p), output.Plot(p),
                VerbOutput.CommandLine(p), semi);
            return Execute(s, console, ct).ExitCode;
        });
        return cmd;
    }

    internal static Outcome Execute(Settings s, CliConsole console, CancellationToken ct)
    {
        (_, Dataset train, Dataset test) = DataOptions.Load(s.Data, s.Split);
        if (train.Labels is null) throw new UsageException($"{s.Data.Path} has no labels: classification needs them");
        if (train.Dimension != s.Network.Dimension) throw new UsageException($"the data has {train.Dimension} features but the model has dimension {s.Network.Dimension}");
        Directory.CreateDirectory(s.Out);
        TextWriter o = console.Out;
        o.WriteLine($"model: {s.ModelPath} ({NetworkOptions.Describe(s.Network)}); data: {s.Data.Describe()}, {train.Count} training / {test.Count} test examples");
        ClassifyReport r;
        try { r = BasinClassifier.Run(s.Network, train, test, s.Options, ct); }
        catch (OperationCanceledException)
        {
            console.Error.WriteLine("interrupted: nothing written");
            return new Outcome(ExitCodes.Interrupted, null!);
        }
        o.WriteLine($"attractors reached from the training images: {r.Attractors} (majority labels agree with {Format.Percent(r.AttractorPurity)} of the training images)");
        o.WriteLine($"basin classifier: accuracy {Format.Percent(r.Accuracy)} on {r.TestImages} test images; {Format.Percent(r.Coverage)} reached a labelled attractor, {Format.Percent(r.AccuracyOnCovered)} of those correctly");
        o.WriteLine($"baselines: 1-NN {Format.Percent(r.OneNnAccuracy)}, {r.K}-NN {Format.Percent(r.KnnAccuracy)} (Euclidean, same training images)");
        var head = new[] { "true \\ predicted" }.Concat(Enumerable.Range(0, r.Classes).Select(c => c.ToString(CultureInfo.InvariantCulture))).Append("none").ToArray();
        var rows = Enumerable.Range(0, r.Classes).Select(i => new[] { i.ToString(CultureInfo.InvariantCulture) }.Concat(r.Confusion[i].Select(v => v.ToString(CultureInfo.InvariantCulture))).ToArray()).ToList();
        ConsoleTable.Print(console, "basin classifier confusion matrix", head, rows);
        SemiSupervisedReport? semi = null;
        if (s.SemiSupervised is { } so)
        {
            try { semi = SemiSupervised.Run(s.Network, train, test, s.Options.Iteration, so, ct); }
            catch (OperationCanceledException)
            {
                console.Error.WriteLine("interrupted: nothing written");
                return new Outcome(ExitCodes.Interrupted, null!);
            }
            var semiRows = semi.Rows.SelectMany(row => row.Methods.Select(m => new[]
            {
                Format.Percent(row.LabelFraction), Format.Int(row.LabelledImages), m.Method,
                $"{Format.Percent(m.Mean)} [{Format.Percent(m.CI95.Lo)}, {Format.Percent(m.CI95.Hi)}]",
            })).ToList();
            ConsoleTable.Print(console, $"semi-supervised: {semi.Attractors} attractors found without labels, test accuracy with a share of the {semi.TrainImages} training labels (mean [95%] over {so.Seeds} draws)",
                ["labels", "labelled images", "classifier", "test accuracy"], semiRows);
        }
        AppJson.Write(Path.Combine(s.Out, "classify.json"), new RunHeader("fixpoint-classify/1", s.Command, s.ModelPath, s.Data, s.Split, test.Count), new
        {
            Options = new { s.Options.K, s.Options.Iteration.Solve.Atol, s.Options.Iteration.Solve.MaxIterations, s.Options.Iteration.SameTol },
            Result = r,
            SemiSupervised = semi is null ? null : new
            {
                semi.Attractors, semi.TestCoverage, s.SemiSupervised!.Alpha, s.SemiSupervised.Seeds,
                Rows = semi.Rows.Select(row => new
                {
                    row.LabelFraction, row.LabelledImages,
                    Methods = row.Methods.Select(m => new { m.Method, m.Accuracies, m.Mean, CI95 = new[] { m.CI95.Lo, m.CI95.Hi } }),
                }),
            },
        });
        if (s.Plot) ApplicationPlots.Confusion(r, Path.Combine(s.Out, "confusion.png"));
        o.WriteLine($"wrote classify.json{(s.Plot ? ", confusion.png" : "")} in {s.Out}");
        return new Outcome(ExitCodes.Ok, r);
    }
}
