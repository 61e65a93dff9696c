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

    /// <summary>Also run the fixed-depth baselines 1 … L_max − 1 (full depth is always run), so each rule is set beside the shallowest fixed depth that is as accurate.</summary>
    public bool FixedDepths { get; init; } = true;

    /// <summary>Batch sizes at which every rule is timed again (rows that exit leave the batch). Empty: per-image timing only.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 32, 256];

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
    double Accuracy, double AccuracyChange, int ChangedPredictions, double MedianSeconds, double SpeedUp, double PassMedianSeconds, double PassSpeedUp)
{
    /// <summary>The shallowest fixed depth whose accuracy is at least this rule's (L_max counts); null when none is.</summary>
    public int? EqualAccuracyDepth { get; init; }

    /// <summary>That fixed depth's <see cref="MedianSeconds"/> / this rule's: the speed-up at equal accuracy against the best fixed depth.</summary>
    public double? EqualAccuracySpeedUp { get; init; }
}

/// <summary>
/// One rule timed at one batch size: <see cref="MedianSeconds"/> is the median over the repeats of a pass over the test
/// set in batches of <see cref="BatchSize"/> (rules interleaved batch by batch); speed-ups against full depth and against
/// the rule's <see cref="EarlyExitRow.EqualAccuracyDepth"/> at the same batch size.
/// </summary>
public sealed record EarlyExitBatchTiming(string Rule, int BatchSize, double MedianSeconds, double SpeedUp, int? EqualAccuracyDepth, double? EqualAccuracySpeedUp);

public sealed record EarlyExitReport(string Model, int MaxLoops, int TestImages, double FullDepthAccuracy, double FullDepthMedianSeconds, IReadOnlyList<EarlyExitRow> Rows)
{
    public IReadOnlyList<EarlyExitBatchTiming> BatchTimings { get; init; } = [];
}

/// <summary>Measures loops used, accuracy and wall time of early-exit inference against full depth.</summary>
public static class EarlyExit
{
    public static EarlyExitReport Evaluate(LoopedClassifier model, Dataset test, EarlyExitOptions options, CancellationToken ct = default)
    {
        if (test.Labels is null) throw new ArgumentException("early exit is judged on labelled test data", nameof(test));
        var rules = new List<ExitRule> { ExitRule.Never };
        rules.AddRange(options.Criteria.Where(c => c is not (ExitCriterion.Never or ExitCriterion.FixedDepth)).Distinct().SelectMany(c => options.Taus.Select(t => new ExitRule(c, t))));
        int L = model.Spec.Loops, n = test.Count;
        if (options.FixedDepths) rules.AddRange(Enumerable.Range(1, L - 1).Select(ExitRule.Fixed));
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
        var accuracy = new double[rules.Count];
        for (int r = 0; r < rules.Count; r++) accuracy[r] = (double)Enumerable.Range(0, n).Count(i => labels[r][i] == test.Labels[i]) / n;
        // Fixed depth d is rule index fixedIndex[d]; full depth (rule 0) is fixed depth L.
        var fixedIndex = new Dictionary<int, int> { [L] = 0 };
        for (int r = 0; r < rules.Count; r++) if (rules[r].Criterion == ExitCriterion.FixedDepth) fixedIndex[(int)rules[r].Tau] = r;
        int? EqualDepth(double acc) => fixedIndex.Keys.Order().Cast<int?>().FirstOrDefault(d => accuracy[fixedIndex[d!.Value]] >= acc - 1e-12);
        var rows = new List<EarlyExitRow>();
        for (int r = 0; r < rules.Count; r++)
        {
            var hist = new int[L];
            foreach (int l in loops[r]) hist[l - 1]++;
            int changed = Enumerable.Range(0, n).Count(i => labels[r][i] != labels[0][i]);
            int? d = EqualDepth(accuracy[r]);
            rows.Add(new EarlyExitRow(rules[r].Describe(), rules[r].Criterion.ToString(), rules[r].Tau, loops[r].Average(), hist,
                accuracy[r], accuracy[r] - fullAcc, changed, median[r], median[0] / median[r], passMedian[r], passMedian[0] / passMedian[r])
            {
                EqualAccuracyDepth = d,
                EqualAccuracySpeedUp = d is int dd ? median[fixedIndex[dd]] / median[r] : null,
            });
        }
        var batches = new List<EarlyExitBatchTiming>();
        foreach (int b in options.BatchSizes.Where(b => b >= 1).Distinct())
        {
            double[] t = TimeBatches(model, test, rules, Math.Min(b, n), options.Repeats, ct);
            for (int r = 0; r < rules.Count; r++)
            {
                int? d = rows[r].EqualAccuracyDepth;
                batches.Add(new EarlyExitBatchTiming(rules[r].Describe(), b, t[r], t[0] / t[r], d, d is int dd ? t[fixedIndex[dd]] / t[r] : null));
            }
        }
        return new EarlyExitReport(model.Spec.Describe(), L, n, fullAcc, median[0], rows) { BatchTimings = batches };
    }

    /// <summary>
    /// The median over <paramref name="repeats"/> (after one warm-up) of a pass over the test set in batches of
    /// <paramref name="batch"/>, per rule; the rules take turns batch by batch, the order rotating, so load changes hit all alike.
    /// </summary>
    private static double[] TimeBatches(LoopedClassifier model, Dataset test, IReadOnlyList<ExitRule> rules, int batch, int repeats, CancellationToken ct)
    {
        int n = test.Count, d = test.Dimension;
        var ws = new LoopedClassifier.BatchWorkspace(model, batch);
        var labels = new int[batch];
        var loops = new int[batch];
        var passes = new double[rules.Count, repeats];
        double tick = 1.0 / Stopwatch.Frequency;
        for (int rep = -1; rep < repeats; rep++)
        {
            ct.ThrowIfCancellationRequested();
            for (int start = 0, k0 = 0; start < n; start += batch, k0++)
            {
                int m = Math.Min(batch, n - start);
                ReadOnlySpan<double> xs = test.Features.AsSpan(start * d, m * d);
                for (int k = 0; k < rules.Count; k++)
                {
                    int r = (k0 + k) % rules.Count;
                    long t0 = Stopwatch.GetTimestamp();
                    model.PredictBatch(xs, m, rules[r], ws, labels, loops);
                    long dt = Stopwatch.GetTimestamp() - t0;
                    if (rep >= 0) passes[r, rep] += dt * tick;
                }
            }
        }
        var result = new double[rules.Count];
        var buffer = new double[repeats];
        for (int r = 0; r < rules.Count; r++)
        {
            for (int rep = 0; rep < repeats; rep++) buffer[rep] = passes[r, rep];
            result[r] = MemoryAnalysis.Median(buffer);
        }
        return result;
    }
}
