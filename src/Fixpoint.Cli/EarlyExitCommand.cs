namespace Fixpoint.Cli;

/// <summary>
/// <c>fixpoint early-exit</c>: trains a looped classifier (one tied block) and a deep one (independent residual blocks)
/// at full depth, then stops inference once the hidden state stops changing, for a range of thresholds τ:
/// loops used, accuracy change and measured wall-time speed-up.
/// </summary>
internal static class EarlyExitCommand
{
    public const string DefaultOut = "fixpoint-early-exit";
    public const int DefaultTrainCount = 1200;
    public const string DefaultTaus = "1e-4,1e-3,3e-3,1e-2,3e-2,0.1,0.3";

    internal sealed record Settings(DataSource Data, SplitSpec Split, IReadOnlyList<string> Models, int Hidden, int Loops, Activation Activation,
        TrainOptions Train, EarlyExitOptions Exit, string Out, bool Plot, string Command, int Seeds = 1);

    /// <summary>One trained network: <paramref name="Name"/> is looped or deep; <paramref name="Seed"/> the training seed.</summary>
    internal sealed record ModelResult(string Name, ClassifierTrainingResult Training, EarlyExitReport Report, ulong Seed = 0);

    internal sealed record Outcome(int ExitCode, IReadOnlyList<ModelResult> Models);

    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var data = new DataOptions(DefaultTrainCount);
        var models = new Option<string>("--models") { Description = "Which networks: looped (one tied block with input injection), deep (independent residual blocks), or both, comma-separated (default looped,deep).", DefaultValueFactory = _ => "looped,deep" };
        var hidden = new Option<int>("--hidden") { Description = "Width H of the hidden state (default 64).", DefaultValueFactory = _ => 64 };
        var loops = new Option<int>("--loops") { Description = "L_max, block applications at full depth (default 16).", DefaultValueFactory = _ => 16 };
        var activation = new Option<string>("--activation") { Description = "Activation (default tanh).", DefaultValueFactory = _ => "tanh" };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs (default 40).", DefaultValueFactory = _ => 40 };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size (default 32).", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Adam step size, cosine-decayed (default 0.002).", DefaultValueFactory = _ => 2e-3 };
        var wd = new Option<double>("--weight-decay") { Description = "Decoupled weight decay (default 0).", DefaultValueFactory = _ => 0.0 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the weights and batch order (default 0).", DefaultValueFactory = _ => 0UL };
        var threads = new Option<int>("--threads") { Description = "Training threads (default: one per core). Inference timing always uses one.", DefaultValueFactory = _ => 0 };
        var taus = new Option<string>("--taus") { Description = $"Thresholds τ, comma-separated (default {DefaultTaus}).", DefaultValueFactory = _ => DefaultTaus };
        var criterion = new Option<string>("--criterion") { Description = "Exit when max-change: ‖h_t − h_{t−1}‖∞ ≤ τ; cosine: cos(h_t, h_{t−1}) ≥ 1 − τ; or both (default).", DefaultValueFactory = _ => "both" };
        var repeats = new Option<int>("--repeats") { Description = "Timed passes over the test set per rule; the median is reported (default 9).", DefaultValueFactory = _ => 9 };
        var batchSizes = new Option<string>("--batch-sizes") { Description = "Batch sizes at which every rule is timed again, comma-separated (default 1,32,256; rows that exit leave the batch).", DefaultValueFactory = _ => "1,32,256" };
        var seeds = new Option<int>("--seeds") { Description = "Train and measure K networks per model, seeds --seed … --seed + K − 1, and summarise over them (default 1).", DefaultValueFactory = _ => 1 };
        var output = new VerbOutput(DefaultOut, null, "the PNG figures");
        var cmd = new Command("early-exit", "Train looped and deep classifiers at full depth, then exit inference early when the hidden state stops changing: loops, accuracy and measured speed-up.");
        data.AddTo(cmd);
        foreach (Option o in new Option[] { models, hidden, loops, activation, epochs, batch, lr, wd, seed, threads, taus, criterion, repeats, batchSizes, seeds }) cmd.Options.Add(o);
        output.AddTo(cmd);
        cmd.SetAction(p =>
        {
            var names = p.GetValue(models)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => m.ToLowerInvariant()).Distinct().ToList();
            if (names.Count == 0) throw new UsageException("--models names no model");
            foreach (string m in names) if (m is not ("looped" or "deep")) throw new UsageException($"unknown --models entry '{m}'; known: looped, deep");
            int h = TrainCommand.Check(p.GetValue(hidden), v => v >= 1, "--hidden", "≥ 1");
            int l = TrainCommand.Check(p.GetValue(loops), v => v >= 1 && v <= 1000, "--loops", "in 1 … 1000");
            Activation act = TrainCommand.Parse(() => Activation.Parse(p.GetValue(activation)!), "--activation");
            var train = new TrainOptions
            {
                Epochs = TrainCommand.Check(p.GetValue(epochs), v => v >= 1, "--epochs", "≥ 1"),
                BatchSize = TrainCommand.Check(p.GetValue(batch), v => v >= 1, "--batch", "≥ 1"),
                Adam = new AdamOptions
                {
                    LearningRate = TrainCommand.Check(p.GetValue(lr), v => v > 0 && double.IsFinite(v), "--lr", "> 0"),
                    WeightDecay = TrainCommand.Check(p.GetValue(wd), v => v >= 0 && double.IsFinite(v), "--weight-decay", "≥ 0"),
                },
                CosineDecay = true,
                Seed = p.GetValue(seed),
                Threads = TrainCommand.Check(p.GetValue(threads), v => v >= 0, "--threads", "≥ 0"),
                RecordTails = false,
            };
            var exit = new EarlyExitOptions
            {
                Taus = ParseTaus(p.GetValue(taus)!),
                Criteria = p.GetValue(criterion)!.Trim().ToLowerInvariant() switch
                {
                    "max-change" or "maxchange" => [ExitCriterion.MaxChange],
                    "cosine" or "cos" => [ExitCriterion.Cosine],
                    "both" => [ExitCriterion.MaxChange, ExitCriterion.Cosine],
                    string c => throw new UsageException($"unknown --criterion '{c}'; known: max-change, cosine, both"),
                },
                Repeats = TrainCommand.Check(p.GetValue(repeats), v => v >= 1, "--repeats", "≥ 1"),
                BatchSizes = ParseBatchSizes(p.GetValue(batchSizes)!),
            };
            int k = TrainCommand.Check(p.GetValue(seeds), v => v >= 1 && v <= 100, "--seeds", "in 1 … 100");
            var s = new Settings(data.Source(p), data.Split(p), names, h, l, act, train, exit, output.Dir(p), output.Plot(p),
                VerbOutput.CommandLine(p), k);
            return Execute(s, console, ct).ExitCode;
        });
        return cmd;
    }

    internal static Outcome Execute(Settings s, CliConsole console, CancellationToken ct)
    {
        (Dataset all, Dataset train, Dataset test) = DataOptions.Load(s.Data, s.Split);
        if (train.Labels is null || test.Labels is null) throw new UsageException($"{s.Data.Path} has no labels: early exit is judged by accuracy");
        int classes = Math.Max(2, all.ClassCount);
        Directory.CreateDirectory(s.Out);
        TextWriter o = console.Out;
        o.WriteLine($"data: {s.Data.Describe()}; {train.Count} training and {test.Count} test examples (split seed {s.Split.Seed})");
        var results = new List<ModelResult>();
        foreach (string name in s.Models)
        foreach (ulong seed in Enumerable.Range(0, s.Seeds).Select(i => s.Train.Seed + (ulong)i))
        {
            string tag = s.Seeds > 1 ? $"{name} seed {seed}" : name;
            TrainOptions trainOptions = s.Train with { Seed = seed };
            ClassifierSpec spec = name == "looped"
                ? ClassifierSpec.Looped(train.Dimension, s.Hidden, classes, s.Loops, s.Activation)
                : ClassifierSpec.Deep(train.Dimension, s.Hidden, classes, s.Loops, s.Activation);
            var model = LoopedClassifier.Create(spec, seed);
            o.WriteLine($"{tag}: {spec.Describe()}; training {s.Train.Epochs} epochs at full depth");
            int every = Math.Max(1, s.Train.Epochs / 5);
            ClassifierTrainingResult tr = ClassifierTrainer.Train(model, train, test, trainOptions,
                new SyncProgress<TrainingProgress>(pr => { if (pr.Epoch % every == 0) console.Error.WriteLine($"{tag} epoch {pr.Epoch}/{pr.Epochs}: training loss {pr.Reconstruction:0.####e+0}"); }), ct);
            if (ct.IsCancellationRequested)
            {
                console.Error.WriteLine("interrupted: nothing written");
                return new Outcome(ExitCodes.Interrupted, results);
            }
            ClassifierEpoch last = tr.History[^1];
            o.WriteLine($"  trained in {tr.Seconds:0.0} s: training loss {last.TrainLoss:0.####e+0}, training accuracy {Format.Percent(last.TrainAccuracy)}, test accuracy {Format.Percent(last.TestAccuracy)}");
            (var tensors, var meta) = model.ToSafetensors();
            Safetensors.Write(Path.Combine(s.Out, s.Seeds > 1 ? $"classifier-{name}-seed{seed}.safetensors" : $"classifier-{name}.safetensors"), tensors, meta);
            EarlyExitReport rep = EarlyExit.Evaluate(model, test, s.Exit, ct);
            var rows = rep.Rows.Select(r => new[]
            {
                r.Rule, r.MeanLoops.ToString("0.00", CultureInfo.InvariantCulture), Format.Percent(r.Accuracy),
                (100 * r.AccuracyChange).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture), r.ChangedPredictions.ToString(CultureInfo.InvariantCulture),
                (1000 * r.MedianSeconds).ToString("0.00", CultureInfo.InvariantCulture), r.SpeedUp.ToString("0.00", CultureInfo.InvariantCulture) + "×",
                r.EqualAccuracyDepth?.ToString(CultureInfo.InvariantCulture) ?? "none",
                r.EqualAccuracySpeedUp is double e ? e.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–",
                Quartiles(r.LoopHistogram),
            }).ToList();
            ConsoleTable.Print(console, $"{tag}: early exit on {rep.TestImages} test images (L_max = {rep.MaxLoops}; time = median of {s.Exit.Repeats} passes, one image at a time, one thread)",
                ["rule", "mean loops", "accuracy", "Δacc (pp)", "changed", "ms per pass", "speed-up", "fixed depth as accurate", "speed-up vs it", "loops min/q1/median/q3/max"], rows,
                new TableFit(DropOrder: [9, 4, 3]));
            if (rep.BatchTimings.Count > 0)
            {
                int[] sizes = rep.BatchTimings.Select(b => b.BatchSize).Distinct().ToArray();
                var batchRows = rep.Rows.Select(r => new[] { r.Rule }.Concat(sizes.SelectMany(b =>
                {
                    EarlyExitBatchTiming t = rep.BatchTimings.First(x => x.BatchSize == b && x.Rule == r.Rule);
                    return new[] { t.SpeedUp.ToString("0.00", CultureInfo.InvariantCulture) + "×", t.EqualAccuracySpeedUp is double e ? e.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–" };
                })).ToArray()).ToList();
                ConsoleTable.Print(console, $"{tag}: speed-up by batch size (vs full depth / vs the fixed depth as accurate; median of {s.Exit.Repeats} passes)",
                    new[] { "rule" }.Concat(sizes.SelectMany(b => new[] { $"B={b} vs full", $"B={b} vs fixed" })).ToArray(), batchRows);
            }
            results.Add(new ModelResult(name, tr, rep, seed));
        }
        if (s.Seeds > 1) PrintOverSeeds(console, results);
        WriteCsv(results, Path.Combine(s.Out, "early_exit.csv"));
        AppJson.Write(Path.Combine(s.Out, "early_exit.json"), new RunHeader("fixpoint-early-exit/1", s.Command, null, s.Data, s.Split, test.Count), new
        {
            Options = new { s.Hidden, s.Loops, Activation = s.Activation.Name, s.Train.Epochs, s.Train.BatchSize, s.Train.Adam.LearningRate, s.Train.Adam.WeightDecay, s.Train.Seed, s.Seeds, s.Exit.Taus, s.Exit.Criteria, s.Exit.Repeats, s.Exit.BatchSizes, s.Exit.FixedDepths },
            Timing = "one test image at a time on one thread; each rule's time is the median over the repeats of a pass over the whole test set, rules interleaved in every repeat; speed-up = full-depth median / rule median",
            Models = results.Select(r => new
            {
                r.Name,
                r.Seed,
                Description = r.Report.Model,
                TrainingSeconds = r.Training.Seconds,
                History = r.Training.History,
                r.Report.FullDepthAccuracy,
                r.Report.FullDepthMedianSeconds,
                r.Report.Rows,
                r.Report.BatchTimings,
            }),
        });
        if (s.Plot)
        {
            var reps = results.Select(r => (r.Name, r.Report)).ToList();
            ApplicationPlots.EarlyExitTradeOff(reps, Path.Combine(s.Out, "early_exit.png"));
            ApplicationPlots.EarlyExitSpeedUp(reps, Path.Combine(s.Out, "early_exit_speedup.png"));
        }
        o.WriteLine($"wrote early_exit.json, early_exit.csv{(s.Plot ? ", early_exit.png, early_exit_speedup.png" : "")}, classifier-*.safetensors in {s.Out}");
        return new Outcome(ExitCodes.Ok, results);
    }

    /// <summary>Per model and rule: accuracy and the speed-ups at equal accuracy, as mean [min, max] over the seeds.</summary>
    private static void PrintOverSeeds(CliConsole console, IReadOnlyList<ModelResult> results)
    {
        foreach (var model in results.GroupBy(r => r.Name))
        {
            var list = model.ToList();
            int[] sizes = list[0].Report.BatchTimings.Select(b => b.BatchSize).Distinct().ToArray();
            var rows = list[0].Report.Rows.Select(first =>
            {
                var rs = list.Select(m => m.Report.Rows.First(r => r.Rule == first.Rule)).ToList();
                var cells = new List<string> { first.Rule, Spread(rs.Select(r => 100 * r.Accuracy), "0.0"), Spread(rs.Select(r => r.MeanLoops), "0.00") };
                foreach (int b in sizes)
                {
                    var es = list.Select(m => m.Report.BatchTimings.First(t => t.BatchSize == b && t.Rule == first.Rule).EqualAccuracySpeedUp).ToList();
                    cells.Add(es.All(e => e.HasValue) ? Spread(es.Select(e => e!.Value), "0.00") : $"{es.Count(e => e.HasValue)}/{es.Count} seeds");
                }
                return cells.ToArray();
            }).ToList();
            ConsoleTable.Print(console, $"{model.Key} over {list.Count} seeds: mean [min, max]",
                new[] { "rule", "accuracy %", "mean loops" }.Concat(sizes.Select(b => $"B={b} speed-up vs fixed depth as accurate")).ToArray(), rows);
        }
    }

    private static string Spread(IEnumerable<double> values, string format)
    {
        var v = values.ToArray();
        return $"{v.Average().ToString(format, CultureInfo.InvariantCulture)} [{v.Min().ToString(format, CultureInfo.InvariantCulture)}, {v.Max().ToString(format, CultureInfo.InvariantCulture)}]";
    }

    private static IReadOnlyList<int> ParseBatchSizes(string s)
    {
        var list = new List<int>();
        foreach (string part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int b) || b < 1 || b > 1 << 16)
                throw new UsageException($"--batch-sizes: '{part}' is not a batch size in 1 … 65536");
            list.Add(b);
        }
        return list;
    }

    internal static string Quartiles(int[] hist)
    {
        var loops = hist.SelectMany((c, i) => Enumerable.Repeat(i + 1, c)).ToArray();
        if (loops.Length == 0) return "n/a";
        int Q(double q) => loops[(int)Math.Min(loops.Length - 1, Math.Floor(q * (loops.Length - 1) + 0.5))];
        return $"{loops[0]}/{Q(0.25)}/{Q(0.5)}/{Q(0.75)}/{loops[^1]}";
    }

    private static void WriteCsv(IReadOnlyList<ModelResult> results, string path)
    {
        var sb = new StringBuilder("model,seed,criterion,tau,mean_loops,accuracy,accuracy_change,changed_predictions,median_seconds,speed_up,equal_accuracy_depth,equal_accuracy_speed_up,loop_histogram\n");
        foreach (ModelResult m in results)
            foreach (EarlyExitRow r in m.Report.Rows)
                sb.AppendLine(string.Join(",", m.Name, m.Seed.ToString(CultureInfo.InvariantCulture), r.Criterion, Format.Csv(r.Tau), Format.Csv(r.MeanLoops), Format.Csv(r.Accuracy), Format.Csv(r.AccuracyChange),
                    r.ChangedPredictions.ToString(CultureInfo.InvariantCulture), Format.Csv(r.MedianSeconds), Format.Csv(r.SpeedUp),
                    r.EqualAccuracyDepth?.ToString(CultureInfo.InvariantCulture) ?? "", r.EqualAccuracySpeedUp is double e ? Format.Csv(e) : "", string.Join(";", r.LoopHistogram)));
        AtomicFile.WriteText(path, sb.ToString());
    }

    private static IReadOnlyList<double> ParseTaus(string s)
    {
        var list = new List<double>();
        foreach (string part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double t) || !(t >= 0) || !double.IsFinite(t))
                throw new UsageException($"--taus: '{part}' is not a number ≥ 0");
            list.Add(t);
        }
        if (list.Count == 0) throw new UsageException("--taus names no threshold");
        return list;
    }
}
