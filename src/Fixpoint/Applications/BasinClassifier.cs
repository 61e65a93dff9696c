using Fixpoint.Maps;
using Fixpoint.Solvers;
using Fixpoint.Training;

namespace Fixpoint.Applications;

/// <summary>Settings of <see cref="BasinClassifier.Run"/>.</summary>
public sealed record ClassifyOptions
{
    private readonly int _k = 5;

    public IterationOptions Iteration { get; init; } = new();

    /// <summary>k of the k-nearest-neighbour baseline (majority vote, ties to the nearest neighbour's label); 1-NN is always reported too.</summary>
    public int K { get => _k; init => _k = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(K), value, "must be ≥ 1"); }
}

/// <summary>
/// Classification by basin. <see cref="Confusion"/> is Classes × (Classes + 1): row = true label, column =
/// predicted label, the last column counting test images that reached no labelled attractor (counted as errors).
/// </summary>
/// <param name="Attractors">Distinct attractors reached from the training images.</param>
/// <param name="AttractorLabels">The majority label of the training images reaching each attractor (ties: the smallest label).</param>
/// <param name="AttractorPurity">Fraction of training images whose label equals their attractor's label.</param>
/// <param name="Coverage">Fraction of test images that reached a labelled attractor.</param>
/// <param name="AccuracyOnCovered">Accuracy among those.</param>
public sealed record ClassifyReport(
    int Classes, int TrainImages, int TestImages,
    int Attractors, int[] AttractorLabels, double AttractorPurity,
    double Accuracy, double Coverage, double AccuracyOnCovered, int[][] Confusion,
    double OneNnAccuracy, int K, double KnnAccuracy, int[][] KnnConfusion,
    double MeanIterations);

/// <summary>Labels each attractor by the training images that reach it and classifies test images by the attractor they reach.</summary>
public static class BasinClassifier
{
    public static ClassifyReport Run(Network map, Dataset train, Dataset test, ClassifyOptions options, CancellationToken ct = default)
    {
        if (train.Labels is null || test.Labels is null) throw new ArgumentException("classification needs labelled training and test data");
        int n = map.Dimension;
        if (train.Dimension != n || test.Dimension != n) throw new ArgumentException($"the data has {train.Dimension} features, the map {n}");
        int classes = Math.Max(train.ClassCount, test.ClassCount);
        var catalog = new AttractorCatalog(options.Iteration.SameTol);
        (int[] trainAttr, _) = Attractors.Assign(map, train.Features, train.Count, options.Iteration, catalog, addNew: true, ct);
        int attractors = catalog.Count;
        var votes = new int[attractors, classes];
        for (int i = 0; i < train.Count; i++)
            if (trainAttr[i] >= 0) votes[trainAttr[i], train.Labels[i]]++;
        var labels = new int[attractors];
        int pure = 0;
        for (int a = 0; a < attractors; a++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (votes[a, c] > votes[a, best]) best = c;
            labels[a] = best;
            pure += votes[a, best];
        }
        (int[] testAttr, SolveResult[] res) = Attractors.Assign(map, test.Features, test.Count, options.Iteration, catalog, addNew: false, ct);
        var confusion = NewMatrix(classes, classes + 1);
        int correct = 0, covered = 0;
        for (int i = 0; i < test.Count; i++)
        {
            int a = testAttr[i];
            int predicted = a >= 0 && a < attractors ? labels[a] : -1;
            confusion[test.Labels[i]][predicted < 0 ? classes : predicted]++;
            if (predicted >= 0) covered++;
            if (predicted == test.Labels[i]) correct++;
        }
        var knnConfusion = NewMatrix(classes, classes + 1);
        int knnCorrect = 0, oneCorrect = 0;
        for (int i = 0; i < test.Count; i++)
        {
            (int knn, int one) = Knn(train, test.Row(i), options.K, classes);
            knnConfusion[test.Labels[i]][knn]++;
            if (knn == test.Labels[i]) knnCorrect++;
            if (one == test.Labels[i]) oneCorrect++;
        }
        return new ClassifyReport(classes, train.Count, test.Count, attractors, labels,
            train.Count == 0 ? double.NaN : (double)pure / train.Count,
            (double)correct / test.Count, (double)covered / test.Count, covered == 0 ? double.NaN : (double)correct / covered, confusion,
            (double)oneCorrect / test.Count, options.K, (double)knnCorrect / test.Count, knnConfusion,
            res.Average(r => (double)r.Iterations));
    }

    /// <summary>The k-NN majority label (ties: the label of the nearest among the tied) and the 1-NN label.</summary>
    public static (int Knn, int OneNn) Knn(Dataset train, ReadOnlySpan<double> x, int k, int classes)
    {
        int n = train.Dimension;
        k = Math.Min(k, train.Count);
        var bestD = new double[k];
        var bestI = new int[k];
        Array.Fill(bestD, double.PositiveInfinity);
        for (int i = 0; i < train.Count; i++)
        {
            ReadOnlySpan<double> r = train.Features.AsSpan(i * n, n);
            double d = 0;
            for (int j = 0; j < n; j++) d += (r[j] - x[j]) * (r[j] - x[j]);
            if (d >= bestD[k - 1]) continue;
            int pos = k - 1;
            while (pos > 0 && bestD[pos - 1] > d) { bestD[pos] = bestD[pos - 1]; bestI[pos] = bestI[pos - 1]; pos--; }
            bestD[pos] = d;
            bestI[pos] = i;
        }
        var count = new int[classes];
        foreach (int i in bestI) count[train.Labels![i]]++;
        int max = count.Max();
        int label = bestI.Select(i => train.Labels![i]).First(l => count[l] == max);
        return (label, train.Labels![bestI[0]]);
    }

    private static int[][] NewMatrix(int rows, int cols) => Enumerable.Range(0, rows).Select(_ => new int[cols]).ToArray();
}
