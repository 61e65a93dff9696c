using System.Diagnostics;
using Fixpoint.Applications;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Training;

namespace Fixpoint.Experiments;

/// <summary>The sizes of the applications run (docs/results/applications.md): the documented one, and a seconds-long smoke test.</summary>
public sealed record ApplicationsPlan(int TrainCount, int? TestCount, string Hidden, int Epochs, int CensusStarts, int RestoreImages,
    int ExitTrainCount, int ExitHidden, int ExitLoops, int ExitEpochs, int ExitRepeats, int Certify)
{
    public static ApplicationsPlan Full { get; } = new(300, null, "256,256", 300, 1000, 100, 1200, 64, 16, 40, 9, 5);
    public static ApplicationsPlan Quick { get; } = new(40, 60, "32", 4, 50, 5, 200, 8, 4, 2, 1, 1);

    /// <summary>The hidden widths of the autoencoders, from <see cref="Hidden"/> ("256,256").</summary>
    public int[] HiddenWidths() => Hidden.Split(',', StringSplitOptions.TrimEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}

/// <summary>A stage of the pipeline: <see cref="Title"/> says what it does, <see cref="TimeLabel"/> names its row in the time table, <see cref="Folder"/> is its output folder, <see cref="Tag"/> marks its command line.</summary>
public abstract record ApplicationsStage(string Title, string TimeLabel, string Folder, string Tag);

/// <summary>Train a square autoencoder on the digits and take the census of the trained map.</summary>
public sealed record AutoencoderStage(string Title, string TimeLabel, string Folder, string Tag, DataSource Data, SplitSpec Split,
    SquareNetworkSpec Network, TrainOptions Train, MemoryOptions Memory) : ApplicationsStage(Title, TimeLabel, Folder, Tag);

/// <summary>Restore damaged images with the λ = 0.1 network.</summary>
public sealed record RestoreStage(string Title, string TimeLabel, string Folder, string Tag, DataSource Data, SplitSpec Split,
    RestoreOptions Options, int RandomStarts) : ApplicationsStage(Title, TimeLabel, Folder, Tag);

/// <summary>Classify test images by the basin they fall in.</summary>
public sealed record ClassifyStage(string Title, string TimeLabel, string Folder, string Tag, DataSource Data, SplitSpec Split,
    ClassifyOptions Options) : ApplicationsStage(Title, TimeLabel, Folder, Tag);

/// <summary>Train looped and deep classifiers and measure early exit.</summary>
public sealed record EarlyExitStage(string Title, string TimeLabel, string Folder, string Tag, DataSource Data, SplitSpec Split,
    IReadOnlyList<string> Models, int Hidden, int Loops, Activation Activation, TrainOptions Train, EarlyExitOptions Exit) : ApplicationsStage(Title, TimeLabel, Folder, Tag);

/// <summary>A trained autoencoder: its training, the census of its map, and the model file it was saved to.</summary>
public sealed record AutoencoderRun(TrainingResult Training, MemoryReport Memory, string ModelPath);

/// <summary>One early-exit classifier: its training and its early-exit report.</summary>
public sealed record EarlyExitModel(string Name, ClassifierTrainingResult Training, EarlyExitReport Report);

/// <summary>Wall-clock seconds of one stage.</summary>
public sealed record StageTime(string Stage, double Seconds);

/// <summary>Every number of the applications run, stage by stage.</summary>
public sealed record ApplicationsResult(ApplicationsPlan Plan, AutoencoderRun Trained, AutoencoderRun Plain, RestoreReport Restore,
    ClassifyReport Classify, IReadOnlyList<EarlyExitModel> EarlyExit, IReadOnlyList<StageTime> Stages, double TotalSeconds);

/// <summary>How the run ended: <see cref="Result"/> when every stage finished, else the stage that stopped it (failed or cancelled).</summary>
public sealed record ApplicationsOutcome(ApplicationsResult? Result, ApplicationsStage? StoppedAt)
{
    public bool Completed => Result is not null;
}

/// <summary>
/// Runs each stage and says so. A stage returns null when it stopped (bad input, or cancellation), which ends the run.
/// The runner does the stage's work through the library (training, census, restoration, …) and keeps its outputs
/// (files, lines, figures); the pipeline decides the stages, their settings and their order.
/// </summary>
public interface IApplicationsStages
{
    /// <summary>Stage <paramref name="number"/> (1-based) begins.</summary>
    void Begin(int number, ApplicationsStage stage);

    AutoencoderRun? Train(AutoencoderStage stage, CancellationToken cancellationToken);

    /// <param name="trained">The λ = 0.1 run, whose census counts the spurious attractors.</param>
    RestoreReport? Restore(RestoreStage stage, string modelPath, Network network, AutoencoderRun trained, CancellationToken cancellationToken);

    ClassifyReport? Classify(ClassifyStage stage, string modelPath, Network network, CancellationToken cancellationToken);

    IReadOnlyList<EarlyExitModel>? EarlyExit(EarlyExitStage stage, CancellationToken cancellationToken);
}

/// <summary>
/// The applications run of docs/results/applications.md, with fixed seeds: train an autoencoder with the Jacobian
/// penalty (λ = 0.1) and a plain one (λ = 0) on the shipped digits and take their censuses; restore damaged images
/// and classify by basin with the λ = 0.1 network; train looped and deep classifiers and measure early exit.
/// </summary>
public static class ApplicationsPipeline
{
    /// <summary>The autoencoders' mini-batch, Adam step and Jacobian penalty (those of <c>fixpoint train</c>).</summary>
    public const int Batch = 20;
    public const double LearningRate = 3e-3, Penalty = 0.1;

    /// <summary>The early-exit classifiers' mini-batch and Adam step.</summary>
    public const int ExitBatch = 32;
    public const double ExitLearningRate = 2e-3;

    public static AutoencoderStage Trained(ApplicationsPlan plan) => Autoencoder(plan, Penalty,
        "train with the Jacobian penalty (λ = 0.1)", "train (λ = 0.1) and census", "train", "train λ=0.1");

    public static AutoencoderStage Plain(ApplicationsPlan plan) => Autoencoder(plan, 0,
        "train a plain autoencoder (λ = 0), the same otherwise", "train (λ = 0) and census", "train-plain", "train λ=0");

    public static RestoreStage Restore(ApplicationsPlan plan) => new("restore damaged images", "restore", "restore", "restore",
        DataSource.ShippedDigits, Split(plan), new RestoreOptions { Images = plan.RestoreImages, Seed = 0 }, plan.CensusStarts);

    public static ClassifyStage Classify(ApplicationsPlan plan) => new("classify by basin", "classify", "classify", "classify",
        DataSource.ShippedDigits, Split(plan), new ClassifyOptions());

    public static EarlyExitStage EarlyExit(ApplicationsPlan plan) => new("early exit", "early exit", "early-exit", "early-exit",
        DataSource.ShippedDigits, new SplitSpec(plan.ExitTrainCount, plan.TestCount, 0), ["looped", "deep"], plan.ExitHidden, plan.ExitLoops, new TanhActivation(),
        new TrainOptions { Epochs = plan.ExitEpochs, BatchSize = ExitBatch, CosineDecay = true, Seed = 0, RecordTails = false, Adam = new AdamOptions { LearningRate = ExitLearningRate } },
        new EarlyExitOptions { Repeats = plan.ExitRepeats });

    /// <summary>Runs the five stages in order; the first that stops ends the run.</summary>
    public static ApplicationsOutcome Run(ApplicationsPlan plan, IApplicationsStages stages, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var times = new List<StageTime>();
        T? Timed<T>(int number, ApplicationsStage stage, Func<T?> run) where T : class
        {
            double t0 = clock.Elapsed.TotalSeconds;
            stages.Begin(number, stage);
            T? r = run();
            if (r is not null) times.Add(new StageTime(stage.TimeLabel, clock.Elapsed.TotalSeconds - t0));
            return r;
        }

        AutoencoderStage s1 = Trained(plan), s2 = Plain(plan);
        RestoreStage s3 = Restore(plan);
        ClassifyStage s4 = Classify(plan);
        EarlyExitStage s5 = EarlyExit(plan);
        AutoencoderRun? trained = Timed(1, s1, () => stages.Train(s1, cancellationToken));
        if (trained is null) return new(null, s1);
        AutoencoderRun? plain = Timed(2, s2, () => stages.Train(s2, cancellationToken));
        if (plain is null) return new(null, s2);
        // The later stages read the λ = 0.1 network back from its file, as a user of `fixpoint restore --model` would.
        Network net = ModelFile.Load(trained.ModelPath);
        RestoreReport? restore = Timed(3, s3, () => stages.Restore(s3, trained.ModelPath, net, trained, cancellationToken));
        if (restore is null) return new(null, s3);
        ClassifyReport? classify = Timed(4, s4, () => stages.Classify(s4, trained.ModelPath, net, cancellationToken));
        if (classify is null) return new(null, s4);
        IReadOnlyList<EarlyExitModel>? exit = Timed(5, s5, () => stages.EarlyExit(s5, cancellationToken));
        if (exit is null) return new(null, s5);
        return new(new ApplicationsResult(plan, trained, plain, restore, classify, exit, times, clock.Elapsed.TotalSeconds), null);
    }

    private static SplitSpec Split(ApplicationsPlan plan) => new(plan.TrainCount, plan.TestCount, 0);

    private static AutoencoderStage Autoencoder(ApplicationsPlan plan, double lambda, string title, string timeLabel, string folder, string tag) => new(
        title, timeLabel, folder, tag, DataSource.ShippedDigits, Split(plan), new SquareNetworkSpec(DigitsReader.Pixels, plan.HiddenWidths(), new TanhActivation()),
        new TrainOptions
        {
            Epochs = plan.Epochs, BatchSize = Batch, CosineDecay = true, Seed = 0, JacobianPenalty = lambda,
            Adam = new AdamOptions { LearningRate = LearningRate },
        },
        new MemoryOptions { RandomStarts = plan.CensusStarts, Seed = 0, Certify = plan.Certify });
}
