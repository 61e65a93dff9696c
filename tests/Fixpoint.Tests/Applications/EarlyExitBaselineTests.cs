using Fixpoint.Applications;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Training;

namespace Fixpoint.Tests.Applications;

public class EarlyExitBaselineTests
{
    private static (LoopedClassifier Model, Dataset Test) Setup(bool looped)
    {
        ClassifierSpec spec = looped ? ClassifierSpec.Looped(6, 8, 3, 10, new TanhActivation()) : ClassifierSpec.Deep(6, 8, 3, 10, new TanhActivation());
        LoopedClassifier model = LoopedClassifier.Create(spec, 3);
        var rng = new Rng(4);
        int n = 70;
        double[] x = Enumerable.Range(0, n * 6).Select(_ => rng.Uniform(-1, 1)).ToArray();
        int[] labels = Enumerable.Range(0, n).Select(i => i % 3).ToArray();
        return (model, new Dataset("test", x, 6, labels));
    }

    public static TheoryData<bool, int> Cases => new() { { true, 1 }, { true, 7 }, { true, 64 }, { false, 7 }, { false, 70 } };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BatchedEarlyExitGivesEveryRowItsOwnLabelAndLoops(bool looped, int batch)
    {
        (LoopedClassifier model, Dataset test) = Setup(looped);
        var ws = new LoopedClassifier.Workspace(model);
        var bw = new LoopedClassifier.BatchWorkspace(model, batch);
        ExitRule[] rules = [ExitRule.Never, new(ExitCriterion.MaxChange, 0.05), new(ExitCriterion.Cosine, 1e-3), ExitRule.Fixed(3)];
        foreach (ExitRule rule in rules)
        {
            var labels = new int[batch];
            var loops = new int[batch];
            for (int start = 0; start < test.Count; start += batch)
            {
                int m = Math.Min(batch, test.Count - start);
                model.PredictBatch(test.Features.AsSpan(start * 6, m * 6), m, rule, bw, labels, loops);
                for (int i = 0; i < m; i++)
                {
                    (int label, int used) = model.Predict(test.Row(start + i), rule, ws);
                    Assert.Equal(used, loops[i]);
                    Assert.Equal(label, labels[i]);
                }
            }
        }
    }

    [Fact]
    public void FixedDepthRowsUseExactlyTheirLoopsAndEveryRuleNamesTheShallowestDepthAsAccurate()
    {
        (LoopedClassifier model, Dataset test) = Setup(true);
        EarlyExitReport rep = EarlyExit.Evaluate(model, test, new EarlyExitOptions { Taus = [1e-3, 0.1], Repeats = 1, BatchSizes = [1, 16] });
        var fixedRows = rep.Rows.Where(r => r.Criterion == nameof(ExitCriterion.FixedDepth)).ToList();
        Assert.Equal(9, fixedRows.Count); // depths 1 … 9; full depth (10) is the first row
        foreach (EarlyExitRow r in fixedRows)
        {
            Assert.Equal(r.Tau, r.MeanLoops);
            Assert.Equal(test.Count, r.LoopHistogram[(int)r.Tau - 1]);
        }
        double Accuracy(int d) => d == 10 ? rep.Rows[0].Accuracy : fixedRows.First(f => f.Tau == d).Accuracy;
        foreach (EarlyExitRow r in rep.Rows)
        {
            Assert.NotNull(r.EqualAccuracyDepth);
            int d = r.EqualAccuracyDepth!.Value;
            Assert.True(Accuracy(d) >= r.Accuracy - 1e-12);
            for (int shallower = 1; shallower < d; shallower++) Assert.True(Accuracy(shallower) < r.Accuracy - 1e-12);
            if (r.Criterion == nameof(ExitCriterion.FixedDepth)) Assert.True(d <= r.Tau);
        }
        Assert.Equal(2 * rep.Rows.Count, rep.BatchTimings.Count);
        Assert.All(rep.BatchTimings, t => Assert.True(t.MedianSeconds > 0));
    }

    [Fact]
    public void SeveralSeedsTrainOneNetworkEachAndAreSummarised()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("early-exit", "--train-count", "120", "--test-count", "40", "--hidden", "6", "--loops", "3", "--epochs", "1",
            "--models", "looped", "--seeds", "2", "--seed", "5", "--taus", "0.01", "--repeats", "1", "--batch-sizes", "1,8", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("looped over 2 seeds", run.Out);
        Assert.True(File.Exists(Path.Combine(dir, "classifier-looped-seed5.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "classifier-looped-seed6.safetensors")));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "early_exit.json")));
        var seeds = doc.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("seed").GetUInt64()).ToArray();
        Assert.Equal([5UL, 6UL], seeds);
        Assert.Equal(2, CliRunner.Invoke("early-exit", "--batch-sizes", "0", "--out", dir).ExitCode);
    }
}
