using Fixpoint.Certify;

namespace Fixpoint.Cli;

/// <summary>
/// <c>fixpoint train</c>: trains a square autoencoder (N → hidden … → N, or one tied N×N layer looped) on images,
/// records its loss and the heavy tails of its weights at every epoch, saves it as safetensors, then runs the
/// census of the trained map and counts the training images that are attracting fixed points.
/// </summary>
internal static class TrainCommand
{
    public const string DefaultOut = "fixpoint-train";
    public const int DefaultTrainCount = 300;
    public const string DefaultHidden = "256,256";
    public const int DefaultEpochs = 300;
    public const int DefaultBatch = 20;
    public const double DefaultLearningRate = 3e-3;
    public const double DefaultPenalty = 0.1;
    public const int DefaultCensusStarts = 1000;
    public const int DefaultCertify = 3;

    internal sealed record Settings(DataSource Data, SplitSpec Split, SquareNetworkSpec Network, TrainOptions Train,
        MemoryOptions Memory, bool Census, string Out, bool Plot, string Command, int TrackEvery = 0);

    /// <summary>The trained map's fixed points at one epoch (<c>--track-every</c>): what memory_epochs.csv holds.</summary>
    internal sealed record EpochMemory(int Epoch, double MedianSpectralRadiusAtImage, int StoredAt005, int StoredAt01, int StoredAt025,
        int AttractorsOfTrainingImages, int StableFixedPoints, int SpuriousAttractors, int Cycles, double MedianDistance);

    internal sealed record Outcome(int ExitCode, TrainingResult Training, MemoryReport? Memory, string ModelPath, Dataset Train, Dataset Test);

    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var data = new DataOptions(DefaultTrainCount);
        var hidden = new Option<string>("--hidden") { Description = $"Hidden widths, comma-separated (default {DefaultHidden}); none for a single N×N layer.", DefaultValueFactory = _ => DefaultHidden };
        var tied = new Option<bool>("--tied") { Description = "Train one N×N layer applied --depth times (a looped network; no hidden widths)." };
        var depth = new Option<int>("--depth") { Description = "Loops of the tied layer (default 2); with --tied only.", DefaultValueFactory = _ => 2 };
        var activation = new Option<string>("--activation") { Description = "Activation of every layer (default tanh).", DefaultValueFactory = _ => "tanh" };
        var initGain = new Option<double>("--init-gain") { Description = "Initial weights N(0, gain²/fan-in), biases 0 (default 1).", DefaultValueFactory = _ => 1.0 };
        var epochs = new Option<int>("--epochs") { Description = $"Passes over the training set (default {DefaultEpochs}).", DefaultValueFactory = _ => DefaultEpochs };
        var batch = new Option<int>("--batch") { Description = $"Mini-batch size (default {DefaultBatch}).", DefaultValueFactory = _ => DefaultBatch };
        var lr = new Option<double>("--lr") { Description = $"Adam step size (default {DefaultLearningRate}), cosine-decayed to 0 over the epochs unless --constant-lr.", DefaultValueFactory = _ => DefaultLearningRate };
        var constantLr = new Option<bool>("--constant-lr") { Description = "Keep the learning rate constant." };
        var wd = new Option<double>("--weight-decay") { Description = "Decoupled weight decay of the weight matrices (AdamW; default 0).", DefaultValueFactory = _ => 0.0 };
        var penalty = new Option<double>("--jacobian-penalty") { Description = $"λ, weight of the penalty (1/N)‖J(x)v‖², v ~ N(0, I), at the training points (default {DefaultPenalty}; 0 trains a plain autoencoder).", DefaultValueFactory = _ => DefaultPenalty };
        var noise = new Option<double>("--input-noise") { Description = "σ of Gaussian noise on the inputs, targets clean (a denoising autoencoder; default 0).", DefaultValueFactory = _ => 0.0 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the initial weights, batch order, probes and census starts (default 0).", DefaultValueFactory = _ => 0UL };
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: one per core). Results do not depend on it.", DefaultValueFactory = _ => 0 };
        var censusStarts = new Option<int>("--census-starts") { Description = $"Uniform starts in [-1, 1]^N added to the training images in the census of the trained map (default {DefaultCensusStarts}).", DefaultValueFactory = _ => DefaultCensusStarts };
        var noCensus = new Option<bool>("--no-census") { Description = "Skip the census of the trained map." };
        var storeTol = new Option<double>("--store-tol") { Description = $"A training image x is stored when iteration from x reaches a fixed point x* with ρ(J(x*)) < 1 and ‖x* − x‖∞ ≤ this (default {MemoryOptions.DefaultStoreTol}).", DefaultValueFactory = _ => MemoryOptions.DefaultStoreTol };
        var trackEvery = new Option<int>("--track-every") { Description = "Every E epochs (and at epoch 0), a census of the map as it trains: ρ at the training images, images stored within 0.05, 0.1 and 0.25, spurious attractors (memory_epochs.csv; default 0: off).", DefaultValueFactory = _ => 0 };
        var certify = new Option<int>("--certify") { Description = $"Krawczyk interval certificates for the attractors of this many stored training images (default {DefaultCertify}; seconds each for 64 pixels).", DefaultValueFactory = _ => DefaultCertify };
        var output = new VerbOutput(DefaultOut, null, "the PNG figures");

        var cmd = new Command("train", "Train a square autoencoder on images (Adam, Jacobian penalty), save it as safetensors, record heavy tails, and count the training images that became attracting fixed points.");
        data.AddTo(cmd);
        foreach (Option o in new Option[] { hidden, tied, depth, activation, initGain, epochs, batch, lr, constantLr, wd, penalty, noise, seed, threads, censusStarts, noCensus, storeTol, certify, trackEvery })
            cmd.Options.Add(o);
        output.AddTo(cmd);
        cmd.SetAction(p =>
        {
            DataSource source = data.Source(p);
            SplitSpec split = data.Split(p);
            Activation act = Parse(() => Activation.Parse(p.GetValue(activation)!), "--activation");
            bool isTied = p.GetValue(tied);
            if (!isTied && NetworkOptions.Given(p, depth)) throw new UsageException("--depth applies to --tied networks only");
            if (isTied && NetworkOptions.Given(p, hidden)) throw new UsageException("--hidden does not apply to --tied networks (one N×N layer)");
            int[] widths = isTied ? [] : ParseHidden(p.GetValue(hidden)!);
            int d = p.GetValue(depth);
            if (d < 1) throw new UsageException($"--depth must be ≥ 1 (got {d})");
            double gain = p.GetValue(initGain);
            if (!(gain > 0) || !double.IsFinite(gain)) throw new UsageException($"--init-gain must be > 0 (got {Format.Value(gain)})");
            var options = new TrainOptions
            {
                Epochs = Check(p.GetValue(epochs), v => v >= 1, "--epochs", "≥ 1"),
                BatchSize = Check(p.GetValue(batch), v => v >= 1, "--batch", "≥ 1"),
                Adam = new AdamOptions
                {
                    LearningRate = Check(p.GetValue(lr), v => v > 0 && double.IsFinite(v), "--lr", "> 0"),
                    WeightDecay = Check(p.GetValue(wd), v => v >= 0 && double.IsFinite(v), "--weight-decay", "≥ 0"),
                },
                JacobianPenalty = Check(p.GetValue(penalty), v => v >= 0 && double.IsFinite(v), "--jacobian-penalty", "≥ 0"),
                InputNoise = Check(p.GetValue(noise), v => v >= 0 && double.IsFinite(v), "--input-noise", "≥ 0"),
                CosineDecay = !p.GetValue(constantLr),
                Seed = p.GetValue(seed),
                Threads = Check(p.GetValue(threads), v => v >= 0, "--threads", "≥ 0"),
            };
            var memory = new MemoryOptions
            {
                RandomStarts = Check(p.GetValue(censusStarts), v => v >= 0, "--census-starts", "≥ 0"),
                StoreTol = Check(p.GetValue(storeTol), v => v > 0 && double.IsFinite(v), "--store-tol", "> 0"),
                Certify = Check(p.GetValue(certify), v => v >= 0, "--certify", "≥ 0"),
                Seed = p.GetValue(seed),
                Census = new CensusOptions { Solve = new Solvers.SolveOptions { Threads = p.GetValue(threads) } },
            };
            (Dataset all, _, _) = DataOptions.Load(source, split);
            var spec = new SquareNetworkSpec(all.Dimension, widths, act, isTied, d, gain);
            var settings = new Settings(source, split, spec, options, memory, !p.GetValue(noCensus), output.Dir(p), output.Plot(p),
                VerbOutput.CommandLine(p), Check(p.GetValue(trackEvery), v => v >= 0, "--track-every", "≥ 0"));
            return Execute(settings, console, ct).ExitCode;
        });
        return cmd;
    }

    internal static Outcome Execute(Settings s, CliConsole console, CancellationToken ct)
    {
        (_, Dataset train, Dataset test) = DataOptions.Load(s.Data, s.Split);
        Directory.CreateDirectory(s.Out);
        TextWriter o = console.Out;
        o.WriteLine($"data: {s.Data.Describe()}; {train.Count} training and {test.Count} test examples (split seed {s.Split.Seed})");
        SquareModel model = SquareModel.Create(s.Network, s.Train.Seed);
        o.WriteLine($"network: {s.Network.Describe()}, {model.ParameterCount} parameters; Adam lr {Format.Value(s.Train.Adam.LearningRate)}{(s.Train.CosineDecay ? " (cosine decay)" : "")}, batch {s.Train.BatchSize}, {s.Train.Epochs} epochs, weight decay {Format.Value(s.Train.Adam.WeightDecay)}, Jacobian penalty λ = {Format.Value(s.Train.JacobianPenalty)}{(s.Train.InputNoise > 0 ? $", input noise σ = {Format.Value(s.Train.InputNoise)}" : "")}, seed {s.Train.Seed}");
        int every = Math.Max(1, s.Train.Epochs / 10);
        var progress = new SyncProgress<TrainingProgress>(pr =>
        {
            if (pr.Epoch % every == 0 || pr.Epoch == pr.Epochs)
                console.Error.WriteLine($"epoch {pr.Epoch}/{pr.Epochs}: training reconstruction MSE {pr.Reconstruction:0.#####e+0}");
        });
        var tracked = new List<EpochMemory>();
        // The census of the map as it trains: the same starts at every tracked epoch, no certificates.
        MemoryOptions trackOptions = s.Memory with { Certify = 0 };
        void Track(int epoch)
        {
            if (s.TrackEvery <= 0 || (epoch % s.TrackEvery != 0 && epoch != s.Train.Epochs)) return;
            MemoryReport m = MemoryAnalysis.Run(model.ToNetwork(), train, trackOptions, null, ct);
            // MemoryAnalysis's own counts on its tolerance ladder (0.05, 0.1, 0.25, 0.5).
            int At(double tol) => m.StoredAt[tol.ToString("0.##", CultureInfo.InvariantCulture)];
            tracked.Add(new EpochMemory(epoch, m.MedianSpectralRadiusAtImage, At(0.05), At(0.1), At(0.25), m.AttractorsOfTrainingImages, m.StableFixedPoints,
                m.SpuriousAttractors, m.Cycles, m.MedianDistance));
            console.Error.WriteLine($"epoch {epoch}: median ρ at the images {m.MedianSpectralRadiusAtImage:0.###}, stored within 0.05/0.1/0.25: {At(0.05)}/{At(0.1)}/{At(0.25)}, spurious attractors {m.SpuriousAttractors}");
        }
        TrainingResult result = AutoencoderTrainer.Train(model, train, test, s.Train, progress, ct, Track);
        EpochRecord first = result.History[0], last = result.Final;
        o.WriteLine($"trained {last.Epoch} epochs in {result.Seconds:0.0} s{(result.Cancelled ? " (interrupted)" : "")}: training MSE {Format.Sci(last.Reconstruction, 4)}, test MSE {Format.Sci(last.TestReconstruction, 4)}, Jacobian penalty {Format.Sci(last.JacobianPenalty, 4)}");
        for (int l = 0; l < last.Tails.Count; l++)
            o.WriteLine($"  layer {l}: Hill index {first.Tails[l].Hill:0.00} → {last.Tails[l].Hill:0.00}, ESD α {Format.Alpha(first.Tails[l].Esd)} → {Format.Alpha(last.Tails[l].Esd)}, ‖W‖₂ {first.Tails[l].SpectralNorm:0.00} → {last.Tails[l].SpectralNorm:0.00}{(last.Tails[l].Assessment is { } ta ? $"; {ta.Verdict}" : "")}");

        Network network = model.ToNetwork();
        string modelPath = Path.Combine(s.Out, "model.safetensors");
        var meta = new Dictionary<string, string>(s.Data.ToMetadata().Concat(s.Split.ToMetadata()))
        {
            ["trained_by"] = "fixpoint train",
            ["pixels"] = "[-1, 1]",
            ["train_epochs"] = last.Epoch.ToString(CultureInfo.InvariantCulture),
            ["train_jacobian_penalty"] = s.Train.JacobianPenalty.ToString("R", CultureInfo.InvariantCulture),
            ["train_seed"] = s.Train.Seed.ToString(CultureInfo.InvariantCulture),
            ["train_reconstruction_mse"] = last.Reconstruction.ToString("R", CultureInfo.InvariantCulture),
        };
        ModelFile.Save(network, modelPath, extraMetadata: meta);
        WriteLossCsv(result.History, Path.Combine(s.Out, "loss.csv"));
        WriteTailsCsv(result.History, Path.Combine(s.Out, "tails.csv"));
        if (tracked.Count > 0)
        {
            var sb = new StringBuilder("epoch,median_spectral_radius_at_image,stored_within_0.05,stored_within_0.1,stored_within_0.25,attractors_of_training_images,stable_fixed_points,spurious_attractors,cycles,median_distance\n");
            foreach (EpochMemory e in tracked)
                sb.AppendLine(string.Join(",", e.Epoch.ToString(CultureInfo.InvariantCulture), Format.Csv(e.MedianSpectralRadiusAtImage), e.StoredAt005, e.StoredAt01, e.StoredAt025,
                    e.AttractorsOfTrainingImages, e.StableFixedPoints, e.SpuriousAttractors, e.Cycles, Format.Csv(e.MedianDistance)));
            AtomicFile.WriteText(Path.Combine(s.Out, "memory_epochs.csv"), sb.ToString());
        }
        if (s.Plot)
        {
            ApplicationPlots.Loss(result.History, $"Training {s.Network.Describe()}, λ = {Format.Value(s.Train.JacobianPenalty)}", Path.Combine(s.Out, "loss.png"));
            ApplicationPlots.Tails(result.History, Path.Combine(s.Out, "tails.png"));
        }

        MemoryReport? memory = null;
        if (s.Census && !result.Cancelled)
        {
            memory = ProgressReporter.Run(console, "census of the trained map", pr => MemoryAnalysis.Run(network, train, s.Memory, pr, ct));
            PrintMemory(o, memory);
            var context = new Dictionary<string, string>
            {
                ["fixpointVersion"] = FixpointCli.Version,
                ["command"] = s.Command,
                ["network"] = $"trained {s.Network.Describe()} ({modelPath})",
            };
            CensusFile.Write(Path.Combine(s.Out, "census.json"), memory.Census, context);
            CensusFile.WriteCsv(memory.Census, Path.Combine(s.Out, "fixed_points.csv"));
            WriteMemoryCsv(memory, Path.Combine(s.Out, "memory.csv"));
        }
        AppJson.Write(Path.Combine(s.Out, "train.json"), new RunHeader("fixpoint-train/1", s.Command, null, s.Data, s.Split, test.Count), new
        {
            Partial = result.Cancelled,
            Network = new { Description = s.Network.Describe(), s.Network.Dimension, s.Network.Hidden, s.Network.Tied, s.Network.Depth, Activation = s.Network.Activation.Name, s.Network.InitGain, Parameters = model.ParameterCount },
            Options = new
            {
                s.Train.Epochs, s.Train.BatchSize, s.Train.Adam.LearningRate, s.Train.CosineDecay, s.Train.Adam.WeightDecay,
                s.Train.Adam.Beta1, s.Train.Adam.Beta2, s.Train.Adam.Epsilon, s.Train.JacobianPenalty, s.Train.InputNoise, s.Train.Seed,
            },
            Model = modelPath,
            Seconds = result.Seconds,
            Initial = EpochJson(first),
            Final = EpochJson(last),
            Memory = memory is null ? null : MemoryJson(memory),
            Certificates = memory?.Certificates,
        });
        o.WriteLine($"wrote {modelPath}, train.json, loss.csv, tails.csv{(s.Plot ? ", loss.png, tails.png" : "")}{(memory is null ? "" : ", census.json, fixed_points.csv, memory.csv")} in {s.Out}");
        return new Outcome(result.Cancelled ? ExitCodes.Interrupted : ExitCodes.Ok, result, memory, modelPath, train, test);
    }

    internal static void PrintMemory(TextWriter o, MemoryReport m)
    {
        o.WriteLine($"census of the trained map from {m.TrainingImages} training images and {m.RandomStarts} uniform starts: {m.FixedPoints} fixed points ({m.StableFixedPoints} stable), {m.Cycles} cycles");
        o.WriteLine($"training images that are attracting fixed points: {m.Stored} of {m.TrainingImages} (iteration from x reaches x* with ρ(J(x*)) < 1 and ‖x* − x‖∞ ≤ {Format.Value(m.StoreTol)}); at ‖x* − x‖∞ ≤ {string.Join(", ", m.StoredAt.Select(kv => $"{kv.Key}: {kv.Value}"))}");
        o.WriteLine($"  median ‖F(x) − x‖∞ = {Format.Sci(m.MedianResidual, 4)}, median ρ(J(x)) = {Format.Sci(m.MedianSpectralRadiusAtImage, 4)}, median ‖x* − x‖∞ = {Format.Sci(m.MedianDistance, 4)}; {m.AttractorsOfTrainingImages} distinct attractors reached from training images");
        o.WriteLine($"spurious attractors (reached from random starts, from no training image): {m.SpuriousAttractors}; random starts that reach a training image's attractor: {m.RandomStartsToTrainingAttractors:0.###}");
        foreach (AttractorCertificate c in m.Certificates)
            o.WriteLine(c.Status == CertificateStatus.Unique
                ? $"certificate: training image {c.TrainingImage}'s attractor (fixed point {c.FixedPoint}, ρ = {c.SpectralRadius:0.###}) is the only fixed point in its box of radius {c.LargestRadius:0.##e+0} (Krawczyk, {c.Tests} tests, {c.Seconds:0.0} s)"
                : $"certificate: training image {c.TrainingImage}'s attractor (fixed point {c.FixedPoint}): {c.Status.Key()} ({c.Reason})");
    }

    internal static object EpochJson(EpochRecord e) => new
    {
        e.Epoch, e.Objective, e.Reconstruction, e.JacobianPenalty, e.TestReconstruction, e.Seconds,
        Tails = e.Tails.Select(t => new { t.Layer, t.Hill, EsdAlpha = t.Esd?.Alpha ?? double.NaN, EsdXmin = t.Esd?.Xmin ?? double.NaN, EsdKs = t.Esd?.KsDistance ?? double.NaN, EsdTail = t.Esd?.NTail ?? 0, t.SpectralNorm, t.Warning,
            Assessment = t.Assessment is not { } a ? null : new
            {
                a.IsPowerLaw, a.Verdict, a.TailShare, a.LogLikelihoodRatio, a.LikelihoodRatioP, a.RandDistance,
                ShuffledAlpha = a.ShuffledFit?.Alpha ?? double.NaN, ShuffledKs = a.ShuffledFit?.KsDistance ?? double.NaN, ShuffledTail = a.ShuffledFit?.NTail ?? 0,
            },
        }),
    };

    internal static object MemoryJson(MemoryReport m) => new
    {
        m.TrainingImages, m.Stored, m.StoreTol, m.StoredAt, m.ImagesConverged, m.AttractorsOfTrainingImages,
        m.FixedPoints, m.StableFixedPoints, m.Cycles, m.RandomStarts, m.SpuriousAttractors, m.RandomStartsToTrainingAttractors,
        m.MedianResidual, m.MedianSpectralRadiusAtImage, m.MedianDistance,
        CensusSeconds = m.Census.ElapsedSeconds,
    };

    private static void WriteLossCsv(IReadOnlyList<EpochRecord> h, string path)
    {
        var sb = new StringBuilder("epoch,objective,reconstruction,jacobian_penalty,test_reconstruction,seconds\n");
        foreach (EpochRecord e in h) sb.AppendLine(string.Join(",", e.Epoch.ToString(CultureInfo.InvariantCulture), Format.Csv(e.Objective), Format.Csv(e.Reconstruction), Format.Csv(e.JacobianPenalty), Format.Csv(e.TestReconstruction), Format.Csv(e.Seconds)));
        AtomicFile.WriteText(path, sb.ToString());
    }

    private static void WriteTailsCsv(IReadOnlyList<EpochRecord> h, string path)
    {
        var sb = new StringBuilder("epoch,layer,hill,esd_alpha,esd_xmin,esd_ks,esd_tail_count,spectral_norm\n");
        foreach (EpochRecord e in h)
            foreach (LayerTails t in e.Tails)
                sb.AppendLine(string.Join(",", e.Epoch.ToString(CultureInfo.InvariantCulture), t.Layer.ToString(CultureInfo.InvariantCulture), Format.Csv(t.Hill),
                    Format.Csv(t.Esd?.Alpha ?? double.NaN), Format.Csv(t.Esd?.Xmin ?? double.NaN), Format.Csv(t.Esd?.KsDistance ?? double.NaN), (t.Esd?.NTail ?? 0).ToString(CultureInfo.InvariantCulture), Format.Csv(t.SpectralNorm)));
        AtomicFile.WriteText(path, sb.ToString());
    }

    private static void WriteMemoryCsv(MemoryReport m, string path)
    {
        var sb = new StringBuilder("index,label,residual,spectral_radius_at_image,outcome,fixed_point,distance_inf,spectral_radius,stored\n");
        foreach (StoredImage s in m.Images)
            sb.AppendLine(string.Join(",", s.Index.ToString(CultureInfo.InvariantCulture), s.Label.ToString(CultureInfo.InvariantCulture), Format.Csv(s.Residual), Format.Csv(s.SpectralRadiusAtImage),
                s.Outcome?.Key() ?? "cancelled", (s.FixedPoint ?? -1).ToString(CultureInfo.InvariantCulture), Format.Csv(s.DistanceInf), Format.Csv(s.SpectralRadius), s.Stored ? "true" : "false"));
        AtomicFile.WriteText(path, sb.ToString());
    }

    internal static int[] ParseHidden(string s)
    {
        string t = s.Trim().ToLowerInvariant();
        if (t is "" or "none") return [];
        var parts = t.Split(',');
        var w = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out w[i]) || w[i] < 1)
                throw new UsageException($"--hidden '{s}': '{parts[i].Trim()}' is not a width ≥ 1");
        return w;
    }

    internal static T Parse<T>(Func<T> parse, string option)
    {
        try { return parse(); }
        catch (FormatException e) { throw new UsageException($"{option}: {e.Message}"); }
    }

    internal static T Check<T>(T value, Func<T, bool> ok, string option, string rule) =>
        ok(value) ? value : throw new UsageException($"{option} must be {rule} (got {Convert.ToString(value, CultureInfo.InvariantCulture)})");

}
