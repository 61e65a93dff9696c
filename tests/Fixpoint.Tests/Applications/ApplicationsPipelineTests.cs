using Fixpoint.Applications;
using Fixpoint.Experiments;
using Fixpoint.IO;
using Fixpoint.Maps;

namespace Fixpoint.Tests;

public class ApplicationsPipelineTests
{
    /// <summary>Records the stages it is asked to run and stops at the one named.</summary>
    private sealed class Recorder(string modelPath, string stopAt) : IApplicationsStages
    {
        public List<string> Begun { get; } = [];
        public List<ApplicationsStage> Ran { get; } = [];

        public void Begin(int number, ApplicationsStage stage) => Begun.Add($"{number} {stage.Folder}");

        public AutoencoderRun? Train(AutoencoderStage stage, CancellationToken ct) => Run(stage, new AutoencoderRun(null!, null!, modelPath));
        public RestoreReport? Restore(RestoreStage stage, string path, Network network, AutoencoderRun trained, CancellationToken ct) => Run(stage, new RestoreReport([], []));
        public ClassifyReport? Classify(ClassifyStage stage, string path, Network network, CancellationToken ct) => Run(stage, (ClassifyReport)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(ClassifyReport)));
        public IReadOnlyList<EarlyExitModel>? EarlyExit(EarlyExitStage stage, CancellationToken ct) => Run<IReadOnlyList<EarlyExitModel>>(stage, []);

        private T? Run<T>(ApplicationsStage stage, T value) where T : class
        {
            Ran.Add(stage);
            return stage.Folder == stopAt ? null : value;
        }
    }

    private static string Model()
    {
        string path = Path.Combine(CliRunner.TempDir(), "m.safetensors");
        ModelFile.Save(TestNetworks.Scalar(0.5, 0), path);
        return path;
    }

    [Fact]
    public void StagesRunInOrderAndTheFirstThatStopsEndsTheRun()
    {
        var stages = new Recorder(Model(), "restore");
        ApplicationsOutcome outcome = ApplicationsPipeline.Run(ApplicationsPlan.Quick, stages);
        Assert.False(outcome.Completed);
        Assert.IsType<RestoreStage>(outcome.StoppedAt);
        Assert.Equal(["1 train", "2 train-plain", "3 restore"], stages.Begun);
    }

    [Fact]
    public void TheDocumentedPlanSetsEachStage()
    {
        ApplicationsPlan plan = ApplicationsPlan.Full;
        AutoencoderStage trained = ApplicationsPipeline.Trained(plan), plain = ApplicationsPipeline.Plain(plan);
        Assert.Equal(0.1, trained.Train.JacobianPenalty);
        Assert.Equal(0, plain.Train.JacobianPenalty);
        Assert.Equal([256, 256], trained.Network.Hidden);
        Assert.Equal(plan.Epochs, trained.Train.Epochs);
        Assert.Equal(plan.CensusStarts, trained.Memory.RandomStarts);
        Assert.Equal(plan.Certify, trained.Memory.Certify);
        Assert.Equal(new Training.SplitSpec(300, null, 0), trained.Split);
        EarlyExitStage exit = ApplicationsPipeline.EarlyExit(plan);
        Assert.Equal(["looped", "deep"], exit.Models);
        Assert.Equal(new Training.SplitSpec(1200, null, 0), exit.Split);
        Assert.Equal(plan.ExitRepeats, exit.Exit.Repeats);
        Assert.False(exit.Train.RecordTails);
    }

    [Fact]
    public void ACompleteRunTimesEveryStage()
    {
        var stages = new Recorder(Model(), "");
        ApplicationsOutcome outcome = ApplicationsPipeline.Run(ApplicationsPlan.Quick, stages);
        Assert.True(outcome.Completed);
        Assert.Equal(["train (λ = 0.1) and census", "train (λ = 0) and census", "restore", "classify", "early exit"], outcome.Result!.Stages.Select(s => s.Stage));
    }
}
