using System.Numerics.Tensors;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Training;

/// <summary>
/// The shape of a deep classifier built around a square block: an input embedding e = E x + c,
/// h₀ = g(e), then <see cref="Loops"/> applications of a square block, then a linear read-out
/// logits = R h_L + r. The block is either one layer looped (<see cref="Tied"/>) or independent layers;
/// each application computes h_t = [h_{t−1} +] g(W_t h_{t−1} + b_t [+ e]) (residual, input injection).
/// </summary>
public sealed record ClassifierSpec
{
    public ClassifierSpec(int inputs, int hidden, int classes, int loops, bool tied, bool residual, bool inputInjection, Activation activation, double blockGain = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(loops, 1);
        ArgumentNullException.ThrowIfNull(activation);
        if (!(blockGain > 0) || !double.IsFinite(blockGain)) throw new ArgumentOutOfRangeException(nameof(blockGain), blockGain, "must be > 0");
        (Inputs, Hidden, Classes, Loops, Tied, Residual, InputInjection, Activation, BlockGain) = (inputs, hidden, classes, loops, tied, residual, inputInjection, activation, blockGain);
    }

    public int Inputs { get; }
    public int Hidden { get; }
    public int Classes { get; }

    /// <summary>L_max, the block applications at full depth.</summary>
    public int Loops { get; }
    public bool Tied { get; }
    public bool Residual { get; }
    public bool InputInjection { get; }
    public Activation Activation { get; }

    /// <summary>Block weights start as N(0, gain²/H).</summary>
    public double BlockGain { get; }

    /// <summary>A looped network: one tied block with input injection, h_t = g(W h_{t−1} + b + e) (the DEQ form).</summary>
    public static ClassifierSpec Looped(int inputs, int hidden, int classes, int loops, Activation activation) =>
        new(inputs, hidden, classes, loops, tied: true, residual: false, inputInjection: true, activation);

    /// <summary>A deep network of independent residual layers, h_t = h_{t−1} + g(W_t h_{t−1} + b_t).</summary>
    public static ClassifierSpec Deep(int inputs, int hidden, int classes, int loops, Activation activation) =>
        new(inputs, hidden, classes, loops, tied: false, residual: true, inputInjection: false, activation, blockGain: 0.25);

    public string Describe() =>
        $"{(Tied ? "looped (one tied block" : "deep (independent blocks")}{(Residual ? ", residual" : "")}{(InputInjection ? ", input injection" : "")}): " +
        $"{Inputs} → {Hidden} × {Loops} → {Classes}, {Activation.Name}";
}

/// <summary>When inference stops looping. <see cref="Never"/> runs the full depth with no test at all.</summary>
public enum ExitCriterion
{
    /// <summary>Never exit early.</summary>
    Never,
    /// <summary>Exit at the first t ≥ 1 with ‖h_t − h_{t−1}‖∞ ≤ τ.</summary>
    MaxChange,
    /// <summary>Exit at the first t ≥ 1 with cos(h_t, h_{t−1}) ≥ 1 − τ.</summary>
    Cosine,
    /// <summary>Always exit after t = τ loops: the fixed-depth baseline (a shallower network, the same weights).</summary>
    FixedDepth,
}

public sealed record ExitRule
{
    public ExitRule(ExitCriterion criterion, double tau)
    {
        if (!(tau >= 0) || !double.IsFinite(tau)) throw new ArgumentOutOfRangeException(nameof(tau), tau, "must be ≥ 0");
        Criterion = criterion;
        Tau = tau;
    }

    public ExitCriterion Criterion { get; }
    public double Tau { get; }

    public static ExitRule Never { get; } = new(ExitCriterion.Never, 0);

    public string Describe() => Criterion switch
    {
        ExitCriterion.Never => "full depth",
        ExitCriterion.MaxChange => $"‖Δh‖∞ ≤ {Tau:g3}",
        ExitCriterion.FixedDepth => $"fixed depth {Tau:0}",
        _ => $"cos ≥ 1 − {Tau:g3}",
    };

    /// <summary>The fixed-depth baseline: exactly <paramref name="loops"/> block applications for every input.</summary>
    public static ExitRule Fixed(int loops) => loops >= 1 ? new(ExitCriterion.FixedDepth, loops) : throw new ArgumentOutOfRangeException(nameof(loops), loops, "must be ≥ 1");

    /// <summary>Whether the loop stops at step <paramref name="t"/>, from h_{t−1} = <paramref name="previous"/> to h_t = <paramref name="current"/>.</summary>
    public bool Stops(int t, ReadOnlySpan<double> current, ReadOnlySpan<double> previous) => Criterion switch
    {
        ExitCriterion.MaxChange => DenseLinearAlgebra.MaxAbsDiff(current, previous) <= Tau,
        ExitCriterion.Cosine => TensorPrimitives.CosineSimilarity(current, previous) >= 1.0 - Tau,
        ExitCriterion.FixedDepth => t >= Tau,
        _ => false,
    };
}

/// <summary>A <see cref="ClassifierSpec"/> network with its weights, exact backpropagation and early-exit inference.</summary>
public sealed class LoopedClassifier
{
    public const int ChunkRows = 16;

    private LoopedClassifier(ClassifierSpec spec, LayerParameters embed, LayerParameters[] blocks, LayerParameters readout)
    {
        Spec = spec;
        Embed = embed;
        Blocks = blocks;
        Readout = readout;
    }

    public ClassifierSpec Spec { get; }
    public LayerParameters Embed { get; }

    /// <summary>One block when tied, else <see cref="ClassifierSpec.Loops"/>.</summary>
    public LayerParameters[] Blocks { get; }
    public LayerParameters Readout { get; }

    public LayerParameters Block(int t) => Spec.Tied ? Blocks[0] : Blocks[t - 1];

    public static LoopedClassifier Create(ClassifierSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ulong key = Rng.HashKey("classifier-init");
        var embed = LayerParameters.Gaussian(spec.Inputs, spec.Hidden, 1.0, Rng.Derive(seed, key, 0));
        int nb = spec.Tied ? 1 : spec.Loops;
        var blocks = Enumerable.Range(0, nb).Select(b => LayerParameters.Gaussian(spec.Hidden, spec.Hidden, spec.BlockGain, Rng.Derive(seed, key, (ulong)(b + 1)))).ToArray();
        var readout = LayerParameters.Gaussian(spec.Hidden, spec.Classes, 1.0, Rng.Derive(seed, key, (ulong)(nb + 1)));
        return new LoopedClassifier(spec, embed, blocks, readout);
    }

    public IReadOnlyList<double[]> Parameters =>
        new[] { Embed.Weight, Embed.Bias }.Concat(Blocks.SelectMany(b => new[] { b.Weight, b.Bias })).Concat([Readout.Weight, Readout.Bias]).ToArray();

    public IReadOnlyList<bool> IsWeight =>
        new[] { true, false }.Concat(Blocks.SelectMany(_ => new[] { true, false })).Concat([true, false]).ToArray();

    /// <summary>The block as an analysis map h ↦ g(W h + b) (tied networks only; input injection not included).</summary>
    public Network BlockNetwork() => Spec.Tied
        ? new Network([Blocks[0].ToDense()], Spec.Activation, tied: true, depth: 1, residual: Spec.Residual)
        : throw new InvalidOperationException("only a tied block is one map");

    /// <summary>
    /// The weights as the tensors and metadata of a safetensors file (written by <c>IO.Safetensors.Write</c>): <c>embed.weight</c>/<c>embed.bias</c>, <c>blocks.{i}.weight</c>/<c>.bias</c>
    /// (one block when tied), <c>readout.weight</c>/<c>.bias</c>; metadata <c>format</c> = <c>fixpoint-looped-classifier/1</c>,
    /// <c>activation</c>, <c>tied</c>, <c>residual</c>, <c>input_injection</c>, <c>loops</c>.
    /// </summary>
    public (IReadOnlyList<(string Name, int[] Shape, double[] Data)> Tensors, IReadOnlyDictionary<string, string> Metadata) ToSafetensors()
    {
        var tensors = new List<(string, int[], double[])>
        {
            ("embed.weight", [Embed.Outputs, Embed.Inputs], Embed.Weight),
            ("embed.bias", [Embed.Outputs], Embed.Bias),
        };
        for (int i = 0; i < Blocks.Length; i++)
        {
            tensors.Add(($"blocks.{i}.weight", [Blocks[i].Outputs, Blocks[i].Inputs], Blocks[i].Weight));
            tensors.Add(($"blocks.{i}.bias", [Blocks[i].Outputs], Blocks[i].Bias));
        }
        tensors.Add(("readout.weight", [Readout.Outputs, Readout.Inputs], Readout.Weight));
        tensors.Add(("readout.bias", [Readout.Outputs], Readout.Bias));
        var meta = new Dictionary<string, string>
        {
            ["format"] = "fixpoint-looped-classifier/1",
            ["activation"] = Spec.Activation.Name,
            ["tied"] = Spec.Tied ? "true" : "false",
            ["residual"] = Spec.Residual ? "true" : "false",
            ["input_injection"] = Spec.InputInjection ? "true" : "false",
            ["loops"] = Spec.Loops.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return (tensors, meta);
    }

    /// <summary>
    /// Scratch space for <see cref="Predict"/>, so that timed loops allocate nothing. It holds the transposed weights
    /// as they are when it is made: make a new one after the weights change (after training).
    /// </summary>
    public sealed class Workspace(LoopedClassifier model)
    {
        internal readonly double[][] Transposed = model.TransposedWeights();
        internal readonly double[] E = new double[model.Spec.Hidden];
        internal readonly double[] H = new double[model.Spec.Hidden];
        internal readonly double[] Next = new double[model.Spec.Hidden];
        internal readonly double[] Logits = new double[model.Spec.Classes];
    }

    /// <summary>
    /// Classifies one input, stopping the loop by <paramref name="rule"/>; returns the predicted class and the
    /// block applications used (1 … L_max).
    /// </summary>
    public (int Label, int Loops) Predict(ReadOnlySpan<double> x, ExitRule rule, Workspace w)
    {
        ClassifierSpec s = Spec;
        Embedding(x, 1, w.Transposed, w.E, w.H);
        double[] h = w.H, next = w.Next;
        int used = s.Loops;
        for (int t = 1; t <= s.Loops; t++)
        {
            Step(t, h, w.E, 1, w.Transposed, next, next, next);
            bool stop = rule.Stops(t, next, h);
            (h, next) = (next, h);
            if (stop) { used = t; break; }
        }
        TrainMath.Affine(h, 1, s.Hidden, w.Transposed[^1], Readout.Bias, s.Classes, w.Logits);
        return (TensorPrimitives.IndexOfMax(w.Logits), used);
    }

    /// <summary>
    /// Classifies <paramref name="m"/> inputs at once (row-major in <paramref name="xs"/>), each stopping by
    /// <paramref name="rule"/> on its own: a row that exits leaves the batch (the last active row takes its place), so
    /// later block applications run on the rows still moving only. Labels and loops are those of <see cref="Predict"/>.
    /// </summary>
    public void PredictBatch(ReadOnlySpan<double> xs, int m, ExitRule rule, BatchWorkspace w, Span<int> labels, Span<int> loops)
    {
        ClassifierSpec s = Spec;
        int hd = s.Hidden;
        if (m > w.Capacity) throw new ArgumentException($"the workspace holds {w.Capacity} rows, not {m}");
        Span<double> e = w.E.AsSpan(0, m * hd), h = w.H.AsSpan(0, m * hd), next = w.Next.AsSpan(0, m * hd);
        Embedding(xs[..(m * s.Inputs)], m, w.Transposed, e, h);
        Span<int> row = w.Row.AsSpan(0, m);
        for (int i = 0; i < m; i++) row[i] = i;
        int active = m;
        for (int t = 1; t <= s.Loops && active > 0; t++)
        {
            Step(t, h[..(active * hd)], e[..(active * hd)], active, w.Transposed, next[..(active * hd)], next[..(active * hd)], next[..(active * hd)]);
            for (int i = active - 1; i >= 0; i--)
            {
                Span<double> hi = next.Slice(i * hd, hd);
                if (t < s.Loops && !rule.Stops(t, hi, h.Slice(i * hd, hd))) continue;
                hi.CopyTo(w.Exit.AsSpan(row[i] * hd, hd));
                loops[row[i]] = t;
                active--;
                if (i != active)
                {
                    next.Slice(active * hd, hd).CopyTo(hi);
                    e.Slice(active * hd, hd).CopyTo(e.Slice(i * hd, hd));
                    row[i] = row[active];
                }
            }
            Span<double> swap = h;
            h = next;
            next = swap;
        }
        Span<double> logits = w.Logits.AsSpan(0, m * s.Classes);
        TrainMath.Affine(w.Exit.AsSpan(0, m * hd), m, hd, w.Transposed[^1], Readout.Bias, s.Classes, logits);
        for (int i = 0; i < m; i++) labels[i] = TensorPrimitives.IndexOfMax(logits.Slice(i * s.Classes, s.Classes));
    }

    /// <summary>Scratch space for <see cref="PredictBatch"/> of up to <see cref="Capacity"/> rows (made after training, as <see cref="Workspace"/>).</summary>
    public sealed class BatchWorkspace(LoopedClassifier model, int capacity)
    {
        public int Capacity { get; } = capacity;
        internal readonly double[][] Transposed = model.TransposedWeights();
        internal readonly double[] E = new double[capacity * model.Spec.Hidden];
        internal readonly double[] H = new double[capacity * model.Spec.Hidden];
        internal readonly double[] Next = new double[capacity * model.Spec.Hidden];
        internal readonly double[] Exit = new double[capacity * model.Spec.Hidden];
        internal readonly int[] Row = new int[capacity];
        internal readonly double[] Logits = new double[capacity * model.Spec.Classes];
    }

    /// <summary>The hidden states h₀ … h_L of one input (for plots and tests).</summary>
    public double[][] States(ReadOnlySpan<double> x)
    {
        double[][] wt = TransposedWeights();
        var e = new double[Spec.Hidden];
        var states = new double[Spec.Loops + 1][];
        states[0] = new double[Spec.Hidden];
        Embedding(x, 1, wt, e, states[0]);
        for (int t = 1; t <= Spec.Loops; t++)
        {
            states[t] = new double[Spec.Hidden];
            Step(t, states[t - 1], e, 1, wt, states[t], states[t], states[t]);
        }
        return states;
    }

    /// <summary>Wᵀ of every layer, in the order embedding, blocks, read-out (the layout <see cref="TrainMath.Affine"/> reads).</summary>
    private double[][] TransposedWeights() => new[] { Embed }.Concat(Blocks).Append(Readout).Select(l =>
    {
        var t = new double[l.Weight.Length];
        DenseLinearAlgebra.Transpose(l.Weight, l.Outputs, l.Inputs, t);
        return t;
    }).ToArray();

    // The forward pass, written once for training (m rows at a time, every intermediate kept), inference and States
    // (one row): e = E x + c and h₀ = g(e), then Step for t = 1 … L, then the read-out R h_L + r.
    private void Embedding(ReadOnlySpan<double> x, int m, double[][] wt, Span<double> e, Span<double> h0)
    {
        TrainMath.Affine(x, m, Spec.Inputs, wt[0], Embed.Bias, Spec.Hidden, e);
        Spec.Activation.Apply(e, h0);
    }

    /// <summary>
    /// One block application to m rows: z = W_t h_{t−1} + b_t [+ e], a = g(z), h_t = a [+ h_{t−1}]. z, a and h may be
    /// the same buffer (inference) or three (training keeps z and a for the backward pass); h is only written when residual.
    /// </summary>
    private void Step(int t, ReadOnlySpan<double> hPrev, ReadOnlySpan<double> e, int m, double[][] wt, Span<double> z, Span<double> a, Span<double> h)
    {
        ClassifierSpec s = Spec;
        TrainMath.Affine(hPrev, m, s.Hidden, wt[s.Tied ? 1 : t], Block(t).Bias, s.Hidden, z);
        if (s.InputInjection) TensorPrimitives.Add(z, e, z);
        s.Activation.Apply(z, a);
        if (s.Residual) TensorPrimitives.Add(a, hPrev, h);
    }

    /// <summary>
    /// Mean softmax cross-entropy over <paramref name="rows"/> examples at full depth and (with <paramref name="gradient"/>)
    /// its exact gradient by backpropagation through every loop, in the order of <see cref="Parameters"/>.
    /// Chunks of <see cref="ChunkRows"/> rows are summed in order, so the result does not depend on <paramref name="threads"/>.
    /// Also returns the number of correct predictions.
    /// </summary>
    public (double Loss, int Correct) Loss(double[] inputs, int[] labels, int rows, double[][]? gradient, int threads = 0)
    {
        ClassifierSpec s = Spec;
        if (inputs.Length < rows * s.Inputs || labels.Length < rows) throw new ArgumentException("inputs need rows × Inputs numbers and rows labels");
        int chunks = (rows + ChunkRows - 1) / ChunkRows;
        var losses = new double[chunks];
        var correct = new int[chunks];
        double[][][]? grads = gradient is null ? null : Enumerable.Range(0, chunks).Select(_ => Parameters.Select(p => new double[p.Length]).ToArray()).ToArray();
        double[][] wt = TransposedWeights();
        TrainMath.ForChunks(chunks, threads, c =>
        {
            int r0 = c * ChunkRows, m = Math.Min(ChunkRows, rows - r0);
            (losses[c], correct[c]) = Chunk(inputs, labels, r0, m, 1.0 / rows, wt, grads?[c]);
        });
        if (gradient is not null)
        {
            for (int k = 0; k < gradient.Length; k++)
            {
                Array.Clear(gradient[k]);
                for (int c = 0; c < chunks; c++) TensorPrimitives.Add(gradient[k], grads![c][k], gradient[k]);
            }
        }
        return (losses.Sum() / rows, correct.Sum());
    }

    private (double Loss, int Correct) Chunk(double[] inputs, int[] labels, int r0, int m, double scale, double[][] wt, double[][]? grad)
    {
        ClassifierSpec s = Spec;
        Activation g = s.Activation;
        bool tanh = g is TanhActivation;
        int d = s.Inputs, hd = s.Hidden, cl = s.Classes, L = s.Loops;
        double[] x = inputs.AsSpan(r0 * d, m * d).ToArray();
        var e = new double[m * hd];
        var h = new double[L + 1][];
        var act = new double[L + 1][]; // g(z_t), needed for g′
        h[0] = new double[m * hd];
        Embedding(x, m, wt, e, h[0]);
        act[0] = h[0];
        var z = new double[L + 1][];
        for (int t = 1; t <= L; t++)
        {
            z[t] = new double[m * hd];
            act[t] = new double[m * hd];
            h[t] = s.Residual ? new double[m * hd] : act[t];
            Step(t, h[t - 1], e, m, wt, z[t], act[t], h[t]);
        }
        var logits = new double[m * cl];
        TrainMath.Affine(h[L], m, hd, wt[^1], Readout.Bias, cl, logits);
        double loss = 0;
        int correct = 0;
        var obar = new double[m * cl];
        for (int r = 0; r < m; r++)
        {
            Span<double> lr = logits.AsSpan(r * cl, cl);
            int y = labels[r0 + r];
            if (y < 0 || y >= cl) throw new ArgumentOutOfRangeException(nameof(labels), y, $"labels must be in 0 … {cl - 1}");
            double max = TensorPrimitives.Max(lr);
            double sum = 0;
            for (int k = 0; k < cl; k++) sum += Math.Exp(lr[k] - max);
            double logZ = max + Math.Log(sum);
            loss += logZ - lr[y];
            if (TensorPrimitives.IndexOfMax(lr) == y) correct++;
            for (int k = 0; k < cl; k++) obar[r * cl + k] = scale * (Math.Exp(lr[k] - logZ) - (k == y ? 1.0 : 0.0));
        }
        if (grad is null) return (loss, correct);

        int nb = Blocks.Length;
        double[] dR = grad[2 + 2 * nb], dr = grad[3 + 2 * nb];
        TrainMath.AccumulateOuter(obar, h[L], m, cl, hd, dR);
        TrainMath.AccumulateRows(obar, m, cl, dr);
        var hbar = new double[m * hd];
        TrainMath.BackInput(obar, m, cl, Readout.Weight, hd, hbar);
        var ebar = new double[m * hd];
        var zbar = new double[m * hd];
        for (int t = L; t >= 1; t--)
        {
            int bi = s.Tied ? 0 : t - 1;
            LayerParameters b = Blocks[bi];
            for (int i = 0; i < zbar.Length; i++)
            {
                double gp = tanh ? 1.0 - act[t][i] * act[t][i] : g.Derivative(z[t][i]);
                zbar[i] = gp * hbar[i];
            }
            TrainMath.AccumulateOuter(zbar, h[t - 1], m, hd, hd, grad[2 + 2 * bi]);
            TrainMath.AccumulateRows(zbar, m, hd, grad[3 + 2 * bi]);
            if (s.InputInjection) TensorPrimitives.Add(ebar, zbar, ebar);
            // h̄_{t−1} = W_tᵀ z̄ (+ h̄_t when residual)
            TrainMath.BackInput(zbar, m, hd, b.Weight, hd, hbar, add: s.Residual);
        }
        for (int i = 0; i < ebar.Length; i++)
        {
            double gp = tanh ? 1.0 - act[0][i] * act[0][i] : g.Derivative(e[i]);
            ebar[i] += gp * hbar[i];
        }
        TrainMath.AccumulateOuter(ebar, x, m, hd, d, grad[0]);
        TrainMath.AccumulateRows(ebar, m, hd, grad[1]);
        return (loss, correct);
    }
}

/// <summary>One epoch of classifier training.</summary>
public sealed record ClassifierEpoch(int Epoch, double TrainLoss, double TrainAccuracy, double TestAccuracy, double Seconds);

public sealed record ClassifierTrainingResult(LoopedClassifier Model, IReadOnlyList<ClassifierEpoch> History, double Seconds);

/// <summary>Trains a <see cref="LoopedClassifier"/> at full depth with Adam (cross-entropy, mini-batches, weight decay, a seed).</summary>
public static class ClassifierTrainer
{
    public static ClassifierTrainingResult Train(LoopedClassifier model, Dataset train, Dataset? test, TrainOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        if (train.Labels is null) throw new ArgumentException("training a classifier needs labels", nameof(train));
        if (train.Dimension != model.Spec.Inputs) throw new ArgumentException($"the data has {train.Dimension} features, the model reads {model.Spec.Inputs}", nameof(train));
        if (train.ClassCount > model.Spec.Classes) throw new ArgumentException($"labels go up to {train.ClassCount - 1} but the model has {model.Spec.Classes} classes", nameof(train));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<double[]> parameters = model.Parameters;
        var grad = parameters.Select(p => new double[p.Length]).ToArray();
        var adam = new Adam(options.Adam, parameters.Select(p => p.Length).ToArray(), model.IsWeight);
        int d = train.Dimension, batch = Math.Min(options.BatchSize, train.Count);
        var xb = new double[batch * d];
        var yb = new int[batch];
        var history = new List<ClassifierEpoch>();
        for (int epoch = 1; epoch <= options.Epochs && !ct.IsCancellationRequested; epoch++)
        {
            int[] order = Dataset.Permutation(train.Count, Rng.Derive(options.Seed, Rng.HashKey("classifier-epoch"), (ulong)epoch));
            double lrScale = options.CosineDecay ? 0.5 * (1.0 + Math.Cos(Math.PI * (epoch - 1) / options.Epochs)) : 1.0;
            for (int start = 0; start < train.Count; start += batch)
            {
                int rows = Math.Min(batch, train.Count - start);
                for (int r = 0; r < rows; r++)
                {
                    train.Row(order[start + r]).CopyTo(xb.AsSpan(r * d, d));
                    yb[r] = train.Labels[order[start + r]];
                }
                (double loss, _) = model.Loss(xb, yb, rows, grad, options.Threads);
                if (!double.IsFinite(loss)) throw new ArithmeticException($"training diverged at epoch {epoch}; lower the learning rate");
                adam.Step(parameters, grad, lrScale);
            }
            (double trainLoss, int trainCorrect) = model.Loss(train.Features, train.Labels, train.Count, null, options.Threads);
            double testAcc = double.NaN;
            if (test?.Labels is not null)
            {
                (_, int tc) = model.Loss(test.Features, test.Labels, test.Count, null, options.Threads);
                testAcc = (double)tc / test.Count;
            }
            history.Add(new ClassifierEpoch(epoch, trainLoss, (double)trainCorrect / train.Count, testAcc, clock.Elapsed.TotalSeconds));
            progress?.Report(new TrainingProgress(epoch, options.Epochs, trainLoss));
        }
        return new ClassifierTrainingResult(model, history, clock.Elapsed.TotalSeconds);
    }
}
