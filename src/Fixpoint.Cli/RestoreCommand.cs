namespace Fixpoint.Cli;

/// <summary>
/// <c>fixpoint restore</c>: damages training ("stored") and test ("unseen") images, iterates a trained autoencoder
/// from each damaged image to its attractor, and compares PSNR and MSE with one pass and with the nearest training image.
/// </summary>
internal static class RestoreCommand
{
    public const string DefaultOut = "fixpoint-restore";
    public const int DefaultImages = 100;
    public const int DefaultRandomStarts = 500;

    internal sealed record Settings(string ModelPath, Network Network, DataSource Data, SplitSpec Split, RestoreOptions Options,
        int RandomStarts, string Out, bool Plot, string Command);

    internal sealed record Outcome(int ExitCode, RestoreReport Report, MemoryReport? Memory);

    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var data = new DataOptions(TrainCommand.DefaultTrainCount);
        var model = new Option<string>("--model") { Description = "A trained square autoencoder (safetensors, e.g. from fixpoint train). Its data and split are used unless --data or the split options are given.", Required = true };
        var damage = new Option<string[]>("--damage") { Description = $"Damage kinds and levels, each {Damage.Syntax} (repeatable; default: noise 0.25 0.5 1, saltpepper 0.1 0.2 0.4, block 2 3 4, rows 1 2 3).", AllowMultipleArgumentsPerToken = true };
        var images = new Option<int>("--images") { Description = $"Images per set (the first ones of the training set and of the test set; default {DefaultImages}).", DefaultValueFactory = _ => DefaultImages };
        var randomStarts = new Option<int>("--random-starts") { Description = $"Uniform starts in [-1, 1]^N that look for spurious attractors (default {DefaultRandomStarts}; 0 skips).", DefaultValueFactory = _ => DefaultRandomStarts };
        var width = new Option<int>("--image-width") { Description = "Image width in pixels (default: 8 for the digits, else √N when N is a square).", DefaultValueFactory = _ => 0 };
        var atol = new Option<double>("--atol") { Description = $"Iteration stops when ‖F(x) − x‖∞ ≤ atol (default {IterationOptions.DefaultAtol}).", DefaultValueFactory = _ => IterationOptions.DefaultAtol };
        var maxIter = new Option<int>("--max-iter") { Description = $"Iterations per image (default {IterationOptions.DefaultMaxIterations}).", DefaultValueFactory = _ => IterationOptions.DefaultMaxIterations };
        var sameTol = new Option<double>("--same-tol") { Description = $"Two end points are the same attractor within this ∞-distance (default {IterationOptions.DefaultSameTol}).", DefaultValueFactory = _ => IterationOptions.DefaultSameTol };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the damage and of the random starts (default 0).", DefaultValueFactory = _ => 0UL };
        var output = new VerbOutput(DefaultOut, "restore.json, restore.csv and montage.png", "montage.png");
        var cmd = new Command("restore", "Restore damaged images by iterating a trained autoencoder to its attractor; compare with one pass and with the nearest training image.");
        cmd.Options.Add(model);
        data.AddTo(cmd);
        foreach (Option o in new Option[] { damage, images, randomStarts, width, atol, maxIter, sameTol, seed }) cmd.Options.Add(o);
        output.AddTo(cmd);
        cmd.SetAction(p =>
        {
            var damages = ParseDamages(p.GetValue(damage));
            int m = TrainCommand.Check(p.GetValue(images), v => v >= 1, "--images", "≥ 1");
            int rs = TrainCommand.Check(p.GetValue(randomStarts), v => v >= 0, "--random-starts", "≥ 0");
            var iteration = IterationFrom(p.GetValue(atol), p.GetValue(maxIter), p.GetValue(sameTol));
            int w = TrainCommand.Check(p.GetValue(width), v => v >= 0, "--image-width", "≥ 1");
            (string path, Network net, DataSource source, SplitSpec split) = LoadModelAndData(p, model, data);
            (int iw, int ih) = Shape(net.Dimension, w);
            var options = new RestoreOptions { Damages = damages, Images = m, Iteration = iteration, Seed = p.GetValue(seed), Width = iw, Height = ih };
            var s = new Settings(path, net, source, split, options, rs, output.Dir(p), output.Plot(p), VerbOutput.CommandLine(p));
            return Execute(s, console, ct).ExitCode;
        });
        return cmd;
    }

    /// <param name="memory">A census of the same map and training images already run (by fixpoint train), reused for the spurious-attractor count.</param>
    internal static Outcome Execute(Settings s, CliConsole console, CancellationToken ct, MemoryReport? memory = null)
    {
        (_, Dataset train, Dataset test) = DataOptions.Load(s.Data, s.Split);
        if (train.Dimension != s.Network.Dimension) throw new UsageException($"the data has {train.Dimension} features but the model has dimension {s.Network.Dimension}");
        foreach (Damage d in s.Options.Damages)
            if ((d.Kind == DamageKind.Block && d.Level > Math.Min(s.Options.Width, s.Options.Height)) || (d.Kind == DamageKind.Rows && d.Level > s.Options.Height))
                throw new UsageException($"--damage {d.Key} does not fit {s.Options.Width}×{s.Options.Height} images");
        Directory.CreateDirectory(s.Out);
        TextWriter o = console.Out;
        o.WriteLine($"model: {s.ModelPath} ({NetworkOptions.Describe(s.Network)}); data: {s.Data.Describe()}, {train.Count} training / {test.Count} test examples");
        RestoreReport report;
        try
        {
            report = Restoration.Run(s.Network, train, [("stored", train), ("unseen", test)], s.Options,
                new SyncProgress<string>(m => console.Error.WriteLine($"restoring: {m}")), ct);
        }
        catch (OperationCanceledException)
        {
            console.Error.WriteLine("interrupted: nothing written");
            return new Outcome(ExitCodes.Interrupted, new RestoreReport([], []), null);
        }
        if (memory is null && s.RandomStarts > 0)
            memory = ProgressReporter.Run(console, "census for spurious attractors", pr => MemoryAnalysis.Run(s.Network, train,
                new MemoryOptions { RandomStarts = s.RandomStarts, Seed = s.Options.Seed }, pr, ct));
        foreach (string set in report.Rows.Select(r => r.Set).Distinct())
        {
            var rows = report.Rows.Where(r => r.Set == set).Select(r => new[]
            {
                r.Damage, Format.Fixed(r.Damaged.Psnr, "0.00"), Format.Fixed(r.OnePass.Psnr, "0.00"), Format.Fixed(r.Attractor.Psnr, "0.00"), Format.Fixed(r.Nearest.Psnr, "0.00"),
                Format.Fixed(r.Damaged.Mse, "0.0000"), Format.Fixed(r.OnePass.Mse, "0.0000"), Format.Fixed(r.Attractor.Mse, "0.0000"), Format.Fixed(r.Nearest.Mse, "0.0000"),
                Format.Percent(r.RecallRate), Format.Percent(r.ConvergedFraction), r.MeanIterations.ToString("0.#", CultureInfo.InvariantCulture),
            }).ToList();
            ConsoleTable.Print(console, $"{set} images ({report.Rows.First(r => r.Set == set).Images}): mean PSNR (dB) and MSE against the clean image",
                ["damage", "PSNR damaged", "one pass", "attractor", "nearest", "MSE damaged", "one pass", "attractor", "nearest", "recall", "converged", "iterations"], rows);
        }
        if (memory is not null)
            o.WriteLine($"spurious attractors from {memory.RandomStarts} uniform starts: {memory.SpuriousAttractors} (stable fixed points reached from no training image); training images stored: {memory.Stored} of {memory.TrainingImages}");
        WriteCsv(report, Path.Combine(s.Out, "restore.csv"));
        AppJson.Write(Path.Combine(s.Out, "restore.json"), new RunHeader("fixpoint-restore/1", s.Command, s.ModelPath, s.Data, s.Split, test.Count), new
        {
            Options = new
            {
                Damages = s.Options.Damages.Select(d => d.Key), s.Options.Images, s.Options.Width, s.Options.Height, s.Options.Seed,
                s.Options.Iteration.Solve.Atol, s.Options.Iteration.Solve.MaxIterations, s.Options.Iteration.SameTol,
                PixelRange = ImageMetrics.PixelRange, ImageMetrics.PsnrCap,
            },
            Rows = report.Rows,
            SpuriousAttractors = memory?.SpuriousAttractors,
            RandomStarts = memory?.RandomStarts,
            Memory = memory is null ? null : TrainCommand.MemoryJson(memory),
        });
        if (s.Plot)
        {
            var examples = report.Examples.Where(e => e.Set == "stored").ToList();
            ApplicationPlots.Montage(examples, s.Options.Width, s.Options.Height, Path.Combine(s.Out, "montage.png"));
            var unseen = report.Examples.Where(e => e.Set == "unseen").ToList();
            if (unseen.Count > 0) ApplicationPlots.Montage(unseen, s.Options.Width, s.Options.Height, Path.Combine(s.Out, "montage_unseen.png"));
        }
        o.WriteLine($"wrote restore.json, restore.csv{(s.Plot ? ", montage.png, montage_unseen.png" : "")} in {s.Out}");
        return new Outcome(ExitCodes.Ok, report, memory);
    }

    private static void WriteCsv(RestoreReport r, string path)
    {
        var sb = new StringBuilder("set,damage,kind,level,images,mse_damaged,mse_one_pass,mse_attractor,mse_nearest,psnr_damaged,psnr_one_pass,psnr_attractor,psnr_nearest,recall_rate,converged_fraction,mean_iterations,attractor_better_than_one_pass\n");
        foreach (RestoreRow x in r.Rows)
            sb.AppendLine(string.Join(",", x.Set, x.Damage, x.Kind, Format.Csv(x.Level), x.Images.ToString(CultureInfo.InvariantCulture),
                Format.Csv(x.Damaged.Mse), Format.Csv(x.OnePass.Mse), Format.Csv(x.Attractor.Mse), Format.Csv(x.Nearest.Mse),
                Format.Csv(x.Damaged.Psnr), Format.Csv(x.OnePass.Psnr), Format.Csv(x.Attractor.Psnr), Format.Csv(x.Nearest.Psnr),
                Format.Csv(x.RecallRate), Format.Csv(x.ConvergedFraction), Format.Csv(x.MeanIterations), Format.Csv(x.AttractorBetterThanOnePass)));
        AtomicFile.WriteText(path, sb.ToString());
    }

    internal static IReadOnlyList<Damage> ParseDamages(string[]? specs)
    {
        if (specs is null || specs.Length == 0) return Damage.Defaults;
        var list = new List<Damage>();
        foreach (string spec in specs.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            try { list.Add(Damage.Parse(spec)); }
            catch (FormatException e) { throw new UsageException($"--damage: {e.Message}"); }
        }
        return list;
    }

    /// <summary>The --same-tol of the application verbs, for <see cref="OptionErrors"/>.</summary>
    private static readonly OptionName[] SameTolName = [new(nameof(IterationOptions.SameTol), "--same-tol", "sameTol", "> 0")];

    internal static IterationOptions IterationFrom(double atol, int maxIter, double sameTol)
    {
        // These verbs have no --rtol, so atol = 0 could never converge: refused here, the rest by the records.
        TrainCommand.Check(atol, v => v > 0 && double.IsFinite(v), "--atol", "> 0");
        return OptionErrors.Build(() => new IterationOptions { Solve = new SolveOptions { Atol = atol, MaxIterations = maxIter }, SameTol = sameTol },
            CensusOptionNames.All, SameTolName);
    }

    /// <summary>Loads --model and picks the data and split: the options when given, else the model's metadata, else the defaults.</summary>
    internal static (string Path, Network Network, DataSource Data, SplitSpec Split) LoadModelAndData(ParseResult p, Option<string> model, DataOptions data)
    {
        string path = p.GetValue(model)!;
        if (!File.Exists(path)) throw new UsageException($"--model {path}: no such file");
        Network net = ModelFile.Load(path);
        IReadOnlyDictionary<string, string> meta = Safetensors.Read(path).Metadata;
        DataSource source = data.AnyDataGiven(p) ? data.Source(p) : DataSource.FromMetadata(meta) ?? data.Source(p);
        SplitSpec split = data.AnySplitGiven(p) ? data.Split(p) : SplitSpec.FromMetadata(meta) ?? data.Split(p);
        return (path, net, source, split);
    }

    internal static (int Width, int Height) Shape(int dimension, int width)
    {
        if (width > 0)
        {
            if (dimension % width != 0) throw new UsageException($"--image-width {width} does not divide the dimension {dimension}");
            return (width, dimension / width);
        }
        return DataOptions.ImageShape(dimension) ?? throw new UsageException($"the dimension {dimension} is not a square; give --image-width");
    }

}
