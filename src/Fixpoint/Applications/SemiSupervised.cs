using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Training;

namespace Fixpoint.Applications;

/// <summary>Settings of <see cref="SemiSupervised.Run"/>.</summary>
public sealed record SemiSupervisedOptions
{
    /// <summary>Shares of the training labels that are revealed (the rest of the training images stay unlabelled).</summary>
    public IReadOnlyList<double> LabelFractions { get; init; } = [0.01, 0.05, 0.1, 1.0];

    /// <summary>Independent draws of the labelled subset per fraction.</summary>
    public int Seeds { get; init; } = 5;

    /// <summary>Neighbours of the k-NN baseline and of the label-propagation graph.</summary>
    public int K { get; init; } = 5;

    /// <summary>Label spreading's α (Zhou et al. 2004): how much of each step comes from the neighbours rather than the given labels.</summary>
    public double Alpha { get; init; } = 0.99;
}

/// <summary>The accuracy of each method at one label fraction: one value per seed, their mean and a 95% t-interval.</summary>
public sealed record SemiSupervisedMethod(string Method, double[] Accuracies)
{
    public double Mean => Accuracies.Average();

    public (double Lo, double Hi) CI95
    {
        get
        {
            int n = Accuracies.Length;
            if (n < 2) return (Mean, Mean);
            double m = Mean, sd = Math.Sqrt(Accuracies.Sum(a => (a - m) * (a - m)) / (n - 1));
            double half = StudentT975(n - 1) * sd / Math.Sqrt(n);
            return (m - half, m + half);
        }
    }

    /// <summary>The 97.5% point of Student's t with <paramref name="df"/> degrees of freedom (table to 30, then the normal's 1.96).</summary>
    private static double StudentT975(int df) => df switch
    {
        1 => 12.706, 2 => 4.303, 3 => 3.182, 4 => 2.776, 5 => 2.571, 6 => 2.447, 7 => 2.365, 8 => 2.306, 9 => 2.262,
        10 => 2.228, <= 15 => 2.131, <= 20 => 2.086, <= 30 => 2.042, _ => 1.96,
    };
}

public sealed record SemiSupervisedRow(double LabelFraction, int LabelledImages, IReadOnlyList<SemiSupervisedMethod> Methods);

/// <summary>What the attractors of an autoencoder trained without labels are worth as a classifier when few labels are given.</summary>
public sealed record SemiSupervisedReport(int TrainImages, int TestImages, int Attractors, double TestCoverage, IReadOnlyList<SemiSupervisedRow> Rows);

/// <summary>
/// Paper B's semi-supervised use of fixed points. The map's attractors and which training and test images reach
/// which are found once, with no labels. Then, for each label fraction and seed, a random subset of the training
/// images keeps its labels and four classifiers use only those: the basin classifier (an attractor takes the
/// majority label of the labelled images reaching it; a test image takes its attractor's label, none is an
/// error), the same with every unlabelled attractor given the label of the nearest labelled one, k-NN on the
/// labelled images, and label spreading over a k-NN graph of all training images (Zhou et al. 2004) followed by
/// k-NN on the spread labels.
/// </summary>
public static class SemiSupervised
{
    public static SemiSupervisedReport Run(IMap map, Dataset train, Dataset test, IterationOptions iteration, SemiSupervisedOptions options, CancellationToken ct = default)
    {
        if (train.Labels is null || test.Labels is null) throw new ArgumentException("the accuracy is judged on labelled data");
        int classes = Math.Max(train.ClassCount, test.ClassCount);
        var catalog = new AttractorCatalog(iteration.SameTol);
        (int[] trainAttr, _) = Attractors.Assign(map, train.Features, train.Count, iteration, catalog, addNew: true, ct);
        int attractors = catalog.Count;
        (int[] testAttr, _) = Attractors.Assign(map, test.Features, test.Count, iteration, catalog, addNew: false, ct);
        double coverage = (double)testAttr.Count(a => a >= 0 && a < attractors) / test.Count;
        // Nearest attractor to each attractor, for the "nearest labelled attractor" rule (distances in state space).
        double[,] between = new double[attractors, attractors];
        for (int a = 0; a < attractors; a++)
            for (int b = 0; b < attractors; b++)
                between[a, b] = SquaredDistance(catalog.Points[a], catalog.Points[b]);
        // Label spreading's fixed point F = (1 − α)(I − αS)⁻¹ Y, with one LU of I − αS for every draw of the labels.
        var spreading = SpreadingSolver(SpreadingOperator(train, options.K), options.Alpha);
        var rows = new List<SemiSupervisedRow>();
        foreach (double fraction in options.LabelFractions)
        {
            int m = Math.Clamp((int)Math.Round(fraction * train.Count), 1, train.Count);
            var acc = new double[4][];
            for (int k = 0; k < 4; k++) acc[k] = new double[options.Seeds];
            for (int seed = 0; seed < options.Seeds; seed++)
            {
                ct.ThrowIfCancellationRequested();
                int[] labelled = Subset(train.Count, m, Rng.Derive(17, Rng.HashKey("semi-supervised"), (ulong)(seed * 1000 + (int)Math.Round(fraction * 1000))));
                int[] attractorLabel = AttractorLabels(trainAttr, train.Labels, labelled, attractors, classes);
                int[] nearestLabel = NearestLabelled(attractorLabel, between);
                var sub = train.Select(labelled);
                int[] spread = Spread(spreading, train.Labels, labelled, classes);
                var spreadSet = new Dataset(train.Source, train.Features, train.Dimension, spread);
                int c0 = 0, c1 = 0, c2 = 0, c3 = 0;
                for (int i = 0; i < test.Count; i++)
                {
                    int a = testAttr[i], y = test.Labels[i];
                    if (a >= 0 && a < attractors && attractorLabel[a] == y) c0++;
                    if (a >= 0 && a < attractors && nearestLabel[a] == y) c1++;
                    if (BasinClassifier.Knn(sub, test.Row(i), options.K, classes).Knn == y) c2++;
                    if (BasinClassifier.Knn(spreadSet, test.Row(i), options.K, classes).Knn == y) c3++;
                }
                acc[0][seed] = (double)c0 / test.Count;
                acc[1][seed] = (double)c1 / test.Count;
                acc[2][seed] = (double)c2 / test.Count;
                acc[3][seed] = (double)c3 / test.Count;
            }
            rows.Add(new SemiSupervisedRow(fraction, m,
            [
                new("basin (labelled attractors)", acc[0]),
                new("basin + nearest labelled attractor", acc[1]),
                new($"{options.K}-NN on the labelled images", acc[2]),
                new($"label spreading ({options.K}-NN graph, α = {options.Alpha:0.##}) + {options.K}-NN", acc[3]),
            ]));
        }
        return new SemiSupervisedReport(train.Count, test.Count, attractors, coverage, rows);
    }

    /// <summary>m distinct indices of 0 … n − 1 in increasing order (a partial Fisher–Yates shuffle).</summary>
    private static int[] Subset(int n, int m, Rng rng)
    {
        int[] all = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < m; i++)
        {
            int j = i + (int)(rng.NextUInt64() % (ulong)(n - i));
            (all[i], all[j]) = (all[j], all[i]);
        }
        return all[..m].Order().ToArray();
    }

    /// <summary>Majority label of the labelled images reaching each attractor (ties: the smallest label); −1 when none does.</summary>
    private static int[] AttractorLabels(int[] trainAttr, int[] labels, int[] labelled, int attractors, int classes)
    {
        var votes = new int[attractors, classes];
        foreach (int i in labelled) if (trainAttr[i] >= 0) votes[trainAttr[i], labels[i]]++;
        var result = new int[attractors];
        for (int a = 0; a < attractors; a++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (votes[a, c] > votes[a, best]) best = c;
            result[a] = votes[a, best] > 0 ? best : -1;
        }
        return result;
    }

    private static int[] NearestLabelled(int[] attractorLabel, double[,] between)
    {
        int n = attractorLabel.Length;
        var result = new int[n];
        for (int a = 0; a < n; a++)
        {
            if (attractorLabel[a] >= 0) { result[a] = attractorLabel[a]; continue; }
            int best = -1;
            for (int b = 0; b < n; b++)
                if (attractorLabel[b] >= 0 && (best < 0 || between[a, b] < between[a, best])) best = b;
            result[a] = best < 0 ? -1 : attractorLabel[best];
        }
        return result;
    }

    /// <summary>S = D^−½ W D^−½ for the symmetrised k-NN graph of the training images, W_ij = exp(−‖x_i − x_j‖² / σ²), σ² the mean k-th neighbour distance.</summary>
    private static double[,] SpreadingOperator(Dataset train, int k)
    {
        int n = train.Count;
        var d2 = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                d2[i, j] = d2[j, i] = SquaredDistance(train.Row(i), train.Row(j));
        int kk = Math.Min(k, n - 1);
        var neighbours = new int[n][];
        double scale = 0;
        for (int i = 0; i < n; i++)
        {
            neighbours[i] = Enumerable.Range(0, n).Where(j => j != i).OrderBy(j => d2[i, j]).ThenBy(j => j).Take(kk).ToArray();
            if (kk > 0) scale += d2[i, neighbours[i][^1]];
        }
        scale = Math.Max(scale / n, 1e-300);
        var w = new double[n, n];
        for (int i = 0; i < n; i++)
            foreach (int j in neighbours[i])
                w[i, j] = w[j, i] = Math.Exp(-d2[i, j] / scale);
        var deg = new double[n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) deg[i] += w[i, j];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                w[i, j] = deg[i] > 0 && deg[j] > 0 ? w[i, j] / Math.Sqrt(deg[i] * deg[j]) : 0;
        return w;
    }

    private static MathNet.Numerics.LinearAlgebra.Factorization.LU<double> SpreadingSolver(double[,] s, double alpha)
    {
        int n = s.GetLength(0);
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, n, (i, j) => (i == j ? 1.0 : 0.0) - alpha * s[i, j]);
        return m.LU();
    }

    /// <summary>
    /// The limit of F ← α S F + (1 − α) Y (Zhou et al. 2004), solved directly: each training image takes argmax F (its own
    /// label when labelled; the factor 1 − α does not change the argmax).
    /// </summary>
    private static int[] Spread(MathNet.Numerics.LinearAlgebra.Factorization.LU<double> solver, int[] labels, int[] labelled, int classes)
    {
        int n = labels.Length;
        var y = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, classes);
        foreach (int i in labelled) y[i, labels[i]] = 1;
        var f = solver.Solve(y);
        var result = new int[n];
        var isLabelled = new bool[n];
        foreach (int i in labelled) isLabelled[i] = true;
        for (int i = 0; i < n; i++)
        {
            if (isLabelled[i]) { result[i] = labels[i]; continue; }
            int best = 0;
            for (int c = 1; c < classes; c++) if (f[i, c] > f[i, best]) best = c;
            result[i] = best;
        }
        return result;
    }

    private static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double d = 0;
        for (int i = 0; i < a.Length; i++) d += (a[i] - b[i]) * (a[i] - b[i]);
        return d;
    }
}
