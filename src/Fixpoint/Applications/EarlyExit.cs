using System.Diagnostics;
using Fixpoint.Training;

namespace Fixpoint.Applications;

/// <summary>Settings of <see cref="EarlyExit.Evaluate"/>.</summary>
public sealed record EarlyExitOptions
{
    private readonly int _repeats = 9;

    /// <summary>The thresholds τ tried with each of <see cref="Criteria"/>.</summary>
    public IReadOnlyList<double> Taus { get; init; } = [1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1];

    /// <summary>Every τ is tried with each of these criteria.</summary>
    public IReadOnlyList<ExitCriterion> Criteria { get; init; } = [ExitCriterion.MaxChange, ExitCriterion.Cosine];

    /// <summary>Timed passes over the test set per rule (each input timed under every rule in turn); the median pass is reported.</summary>
    public int Repeats { get => _repeats; init => _repeats = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Repeats), value, "must be ≥ 1"); }
}

/// <summary>
/// One exit rule on the test set. <see cref="LoopHistogram"/>[t − 1] counts test inputs that used t loops.
/// Times are measured on the same machine in the same run, one input at a time on one thread, the exit test's own
/// cost included. <see cref="MedianSeconds"/> is a pass over the test set: the sum over inputs of each call's median
/// time over the repeats; <see cref="SpeedUp"/> = full depth's <see cref="MedianSeconds"/> / this rule's.
/// <see cref="PassMedianSeconds"/> and <see cref="PassSpeedUp"/> are the same from the median of the repeats' plain
/// totals, which pre-emption by other processes disturbs more.
/// </summary>
public sealed record EarlyExitRow(
    string Rule, string Criterion, double Tau, double MeanLoops, int[] LoopHistogram,
    double Accuracy, double AccuracyChange, int ChangedPredictions, double MedianSeconds, double SpeedUp, double PassMedianSeconds, double PassSpeedUp);

public sealed record EarlyExitReport(string Model, int MaxLoops, int TestImages, double FullDepthAccuracy, double FullDepthMedianSeconds, IReadOnlyList<EarlyExitRow> Rows);

/// <summary>Measures loops used, accuracy and wall time of early-exit inference against full depth.</summary>
public static class EarlyExit
{
    public static EarlyExitReport Evaluate(LoopedClassifier model, Dataset test, EarlyExitOptions options, CancellationToken ct = default)
    {
        if (test.Labels is null) throw new ArgumentException("early exit is judged on labelled test data", nameof(test));
        var rules = new List<ExitRule> { ExitRule.Never };
        rules.AddRange(options.Criteria.Where(c => c != ExitCriterion.Never).Distinct().SelectMany(c => options.Taus.Select(t => new ExitRule(c, t))));
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
        // Timing: each image is classified under every rule in turn (the order rotating from image to image), each call
        // timed on its own, so that changes in machine load hit all rules alike. A rule's time is the sum over the test set
        // of each call's median over the repeats (a pre-empted call is an outlier the median drops); the median of the
        // repeats' plain totals is kept as well. One warm-up repeat is discarded.
        var calls = new long[rules.Count, n, options.Repeats];
        int sink = 0;
        for (int rep = -1; rep < options.Repeats; rep++)
        {
            ct.ThrowIfCancellationRequested();
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<double> x = test.Row(i);
                for (int k = 0; k < rules.Count; k++)
                {
                    int r = (i + k) % rules.Count;
                    long t0 = Stopwatch.GetTimestamp();
                    sink += model.Predict(x, rules[r], ws).Label;
                    long dt = Stopwatch.GetTimestamp() - t0;
                    if (rep >= 0) calls[r, i, rep] = dt;
                }
            }
        }
        if (sink < 0) throw new InvalidOperationException("unreachable");
        double tick = 1.0 / Stopwatch.Frequency;
        var median = new double[rules.Count];
        var passMedian = new double[rules.Count];
        var buffer = new double[options.Repeats];
        for (int r = 0; r < rules.Count; r++)
        {
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                for (int rep = 0; rep < options.Repeats; rep++) buffer[rep] = calls[r, i, rep] * tick;
                total += MemoryAnalysis.Median(buffer);
            }
            median[r] = total;
            var passes = new double[options.Repeats];
            for (int rep = 0; rep < options.Repeats; rep++)
            {
                double t = 0;
                for (int i = 0; i < n; i++) t += calls[r, i, rep] * tick;
                passes[rep] = t;
            }
            passMedian[r] = MemoryAnalysis.Median(passes);
        }
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
                acc, acc - fullAcc, changed, median[r], median[0] / median[r], passMedian[r], passMedian[0] / passMedian[r]));
        }
        return new EarlyExitReport(model.Spec.Describe(), L, n, fullAcc, median[0], rows);
    }
}
