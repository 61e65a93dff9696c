using System.Diagnostics;
using Fixpoint.Training;

namespace Fixpoint.Applications;

/// <summary>Settings of <see cref="EarlyExit.Evaluate"/>.</summary>
public sealed record EarlyExitOptions
{
    private readonly int _repeats = 7;

    /// <summary>The thresholds τ tried with <see cref="Criterion"/>.</summary>
    public IReadOnlyList<double> Taus { get; init; } = [1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1];

    public ExitCriterion Criterion { get; init; } = ExitCriterion.MaxChange;

    /// <summary>Timed passes over the test set per rule; the median is reported.</summary>
    public int Repeats { get => _repeats; init => _repeats = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Repeats), value, "must be ≥ 1"); }
}

/// <summary>
/// One exit rule on the test set. <see cref="LoopHistogram"/>[t − 1] counts test inputs that used t loops.
/// <see cref="SpeedUp"/> = median full-depth time / median time with this rule, both measured on the same
/// machine in the same run, one input at a time on one thread (the check's own cost included).
/// </summary>
public sealed record EarlyExitRow(
    string Rule, string Criterion, double Tau, double MeanLoops, int[] LoopHistogram,
    double Accuracy, double AccuracyChange, int ChangedPredictions, double MedianSeconds, double SpeedUp, double[] TimesSeconds);

public sealed record EarlyExitReport(string Model, int MaxLoops, int TestImages, double FullDepthAccuracy, double FullDepthMedianSeconds, IReadOnlyList<EarlyExitRow> Rows);

/// <summary>Measures loops used, accuracy and wall time of early-exit inference against full depth.</summary>
public static class EarlyExit
{
    public static EarlyExitReport Evaluate(LoopedClassifier model, Dataset test, EarlyExitOptions options, CancellationToken ct = default)
    {
        if (test.Labels is null) throw new ArgumentException("early exit is judged on labelled test data", nameof(test));
        var rules = new List<ExitRule> { ExitRule.Never };
        rules.AddRange(options.Taus.Select(t => new ExitRule(options.Criterion, t)));
        int L = model.Spec.Loops, n = test.Count;
        var ws = new LoopedClassifier.Workspace(model);
        var labels = new int[rules.Count][];
        var loops = new int[rules.Count][];
        for (int r = 0; r < rules.Count; r++)
        {
            labels[r] = new int[n];
            loops[r] = new int[n];
            for (int i = 0; i < n; i++) (labels[r][i], loops[r][i]) = model.Predict(test.Row(i), rules[r], ws);
        }
        // Timing: warm up once, then interleave the rules in every repetition so that drifts in machine load hit all alike.
        var times = rules.Select(_ => new List<double>()).ToArray();
        for (int rep = -1; rep < options.Repeats; rep++)
        {
            for (int r = 0; r < rules.Count; r++)
            {
                ct.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                int sink = 0;
                for (int i = 0; i < n; i++) sink += model.Predict(test.Row(i), rules[r], ws).Label;
                clock.Stop();
                if (sink < 0) throw new InvalidOperationException("unreachable");
                if (rep >= 0) times[r].Add(clock.Elapsed.TotalSeconds);
            }
        }
        double[] median = times.Select(t => MemoryAnalysis.Median(t)).ToArray();
        int fullCorrect = Enumerable.Range(0, n).Count(i => labels[0][i] == test.Labels[i]);
        double fullAcc = (double)fullCorrect / n;
        var rows = new List<EarlyExitRow>();
        for (int r = 0; r < rules.Count; r++)
        {
            var hist = new int[L];
            foreach (int l in loops[r]) hist[l - 1]++;
            double acc = (double)Enumerable.Range(0, n).Count(i => labels[r][i] == test.Labels[i]) / n;
            int changed = Enumerable.Range(0, n).Count(i => labels[r][i] != labels[0][i]);
            rows.Add(new EarlyExitRow(rules[r].Describe(), rules[r].Criterion.ToString(), rules[r].Tau, loops[r].Average(), hist,
                acc, acc - fullAcc, changed, median[r], median[0] / median[r], [.. times[r]]));
        }
        return new EarlyExitReport(model.Spec.Describe(), L, n, fullAcc, median[0], rows);
    }
}
