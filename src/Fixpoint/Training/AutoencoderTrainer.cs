using System.Diagnostics;
using Fixpoint.Numerics;
using Fixpoint.Spectra;

namespace Fixpoint.Training;

/// <summary>How an autoencoder is trained. Every value is validated where it is set.</summary>
public sealed record TrainOptions
{
    private readonly int _epochs = 100, _batch = 32, _threads;
    private readonly double _lambda, _noise;

    public int Epochs { get => _epochs; init => _epochs = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Epochs), value, "must be ≥ 1"); }
    public int BatchSize { get => _batch; init => _batch = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "must be ≥ 1"); }
    public AdamOptions Adam { get; init; } = new();

    /// <summary>λ ≥ 0, the weight of the Jacobian penalty (1/N)‖J(x)v‖² at the training points (see <see cref="AutoencoderObjective"/>).</summary>
    public double JacobianPenalty { get => _lambda; init => _lambda = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(JacobianPenalty), value, "must be ≥ 0"); }

    /// <summary>σ ≥ 0: inputs get N(0, σ²) noise (clipped to [−1, 1]) while targets stay clean (a denoising autoencoder); 0 is a plain one.</summary>
    public double InputNoise { get => _noise; init => _noise = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(InputNoise), value, "must be ≥ 0"); }

    /// <summary>Seeds the initial weights, the batch order, the probes and the input noise.</summary>
    public ulong Seed { get; init; }

    /// <summary>Worker threads; 0 is one per core. Results do not depend on it.</summary>
    public int Threads { get => _threads; init => _threads = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Threads), value, "must be ≥ 0"); }

    /// <summary>Scale the learning rate by ½(1 + cos(π(e − 1)/E)) in epoch e of E (cosine decay to 0); false keeps it constant.</summary>
    public bool CosineDecay { get; init; }

    /// <summary>Record the Hill index and the ESD power law of every layer at every epoch.</summary>
    public bool RecordTails { get; init; } = true;
}

/// <summary>Heavy-tail measures of one weight matrix at one epoch, from <see cref="Spectra.WeightTails"/>.</summary>
/// <param name="Layer">Index into the model's layers, from 0.</param>
/// <param name="Hill">Hill tail index of |W_ij| with k = ⌊√(entries)⌋ (<see cref="Spectra.TailIndex.Hill"/>); NaN when it cannot be made.</param>
/// <param name="Esd">Clauset power-law fit to the eigenvalues of WᵀW (<see cref="Spectra.TailIndex.FitPowerLaw"/>); null when it cannot be made.</param>
/// <param name="SpectralNorm">‖W‖₂, the largest singular value.</param>
/// <param name="Warning">Why an estimate is missing or rests on few numbers; null when all is well.</param>
public sealed record LayerTails(int Layer, double Hill, PowerLawFit? Esd, double SpectralNorm, string? Warning)
{
    /// <summary>Whether <see cref="Esd"/> is a power-law tail or the bulk (made at the first and the last epoch only: it costs a second SVD).</summary>
    public TailAssessment? Assessment { get; init; }
}

/// <summary>One epoch of training (epoch 0 is the initial network, before any step).</summary>
/// <param name="Objective">Mean of the minimised objective over the epoch's batches (NaN at epoch 0).</param>
/// <param name="Reconstruction">(1/(n·N)) Σ ‖F(x) − x‖² over the whole training set after the epoch.</param>
/// <param name="JacobianPenalty">(1/(n·N)) Σ ‖J(x) v_x‖² over the whole training set after the epoch, with one fixed probe v_x ~ N(0, I) per image (the same at every epoch), whatever λ.</param>
/// <param name="TestReconstruction">The same MSE on held-out data, or NaN.</param>
public sealed record EpochRecord(int Epoch, double Objective, double Reconstruction, double JacobianPenalty, double TestReconstruction, IReadOnlyList<LayerTails> Tails, double Seconds);

public sealed record TrainingProgress(int Epoch, int Epochs, double Reconstruction);

public sealed record TrainingResult(SquareModel Model, IReadOnlyList<EpochRecord> History, double Seconds, bool Cancelled)
{
    public EpochRecord Final => History[^1];
}

/// <summary>Trains a square autoencoder F ≈ identity on data with Adam, mini-batches, weight decay and an optional Jacobian penalty.</summary>
public static class AutoencoderTrainer
{
    /// <param name="afterEpoch">Called with the epoch number after epoch 0 (the initial network) and after every epoch, while
    /// <paramref name="model"/> holds that epoch's weights: where a caller measures the map as it trains.</param>
    public static TrainingResult Train(SquareModel model, Dataset train, Dataset? test, TrainOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default, Action<int>? afterEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        int n = model.Dimension;
        if (train.Dimension != n) throw new ArgumentException($"the data has {train.Dimension} features but the network has dimension {n}", nameof(train));
        if (test is not null && test.Dimension != n) throw new ArgumentException($"the test data has {test.Dimension} features but the network has dimension {n}", nameof(test));
        var clock = Stopwatch.StartNew();
        var objective = new AutoencoderObjective(model, options.Threads);
        var evaluator = new AutoencoderObjective(model, options.Threads);
        var adam = new Adam(options.Adam, model.Parameters.Select(p => p.Length).ToArray(), model.IsWeight);
        IReadOnlyList<double[]> parameters = model.Parameters;
        double lambda = options.JacobianPenalty;
        int batch = Math.Min(options.BatchSize, train.Count);
        var history = new List<EpochRecord>();

        double[] fixedProbes = Probes(train, options.Seed);
        AutoencoderLoss init = evaluator.Compute(train.Features, train.Features, train.Count, fixedProbes, 1.0, withGradient: false);
        history.Add(new EpochRecord(0, double.NaN, init.Reconstruction, init.JacobianPenalty, test is null ? double.NaN : Mse(evaluator, test),
            options.RecordTails ? Tails(model, assess: true) : [], clock.Elapsed.TotalSeconds));
        afterEpoch?.Invoke(0);
        var xb = new double[batch * n];
        var yb = new double[batch * n];
        var vb = new double[batch * n];
        bool cancelled = false;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            if (cancellationToken.IsCancellationRequested) { cancelled = true; break; }
            int[] order = Dataset.Permutation(train.Count, Rng.Derive(options.Seed, Rng.HashKey("epoch"), (ulong)epoch));
            var probeRng = Rng.Derive(options.Seed, Rng.HashKey("probe"), (ulong)epoch);
            var noiseRng = Rng.Derive(options.Seed, Rng.HashKey("noise"), (ulong)epoch);
            double lrScale = options.CosineDecay ? 0.5 * (1.0 + Math.Cos(Math.PI * (epoch - 1) / options.Epochs)) : 1.0;
            double sumObjective = 0;
            int batches = 0;
            for (int start = 0; start < train.Count; start += batch)
            {
                int rows = Math.Min(batch, train.Count - start);
                for (int r = 0; r < rows; r++)
                {
                    train.Row(order[start + r]).CopyTo(yb.AsSpan(r * n, n));
                    train.Row(order[start + r]).CopyTo(xb.AsSpan(r * n, n));
                }
                if (options.InputNoise > 0)
                    for (int i = 0; i < rows * n; i++) xb[i] = Math.Clamp(xb[i] + options.InputNoise * noiseRng.Normal(), -1.0, 1.0);
                if (lambda > 0) for (int i = 0; i < rows * n; i++) vb[i] = probeRng.Normal();
                AutoencoderLoss loss = objective.Compute(xb, yb, rows, lambda > 0 ? vb : null, lambda);
                if (!double.IsFinite(loss.Total(lambda)))
                    throw new ArithmeticException($"training diverged at epoch {epoch} (the loss is {loss.Total(lambda)}); lower the learning rate");
                adam.Step(parameters, objective.Gradient, lrScale);
                sumObjective += loss.Total(lambda);
                batches++;
            }
            AutoencoderLoss now = evaluator.Compute(train.Features, train.Features, train.Count, fixedProbes, 1.0, withGradient: false);
            double mse = now.Reconstruction;
            history.Add(new EpochRecord(epoch, sumObjective / batches, mse, now.JacobianPenalty,
                test is null ? double.NaN : Mse(evaluator, test), options.RecordTails ? Tails(model, assess: epoch == options.Epochs) : [], clock.Elapsed.TotalSeconds));
            progress?.Report(new TrainingProgress(epoch, options.Epochs, mse));
            afterEpoch?.Invoke(epoch);
        }
        return new TrainingResult(model, history, clock.Elapsed.TotalSeconds, cancelled);
    }

    /// <summary>(1/(n·N)) Σ ‖F(x) − x‖² over a data set.</summary>
    private static double Mse(AutoencoderObjective evaluator, Dataset data) =>
        evaluator.Compute(data.Features, data.Features, data.Count, null, 0, withGradient: false).Reconstruction;

    /// <summary>One fixed probe per training image, from the stream (seed, "probe", 0); batches draw theirs from (seed, "probe", epoch ≥ 1).</summary>
    private static double[] Probes(Dataset data, ulong seed)
    {
        var rng = Rng.Derive(seed, Rng.HashKey("probe"), 0);
        var v = new double[data.Features.Length];
        for (int i = 0; i < v.Length; i++) v[i] = rng.Normal();
        return v;
    }

    /// <summary>Hill index, ESD power law and spectral norm of every layer's weight matrix.</summary>
    public static IReadOnlyList<LayerTails> Tails(SquareModel model, bool assess = false) =>
        model.Layers.Select((l, i) =>
        {
            var warnings = new List<string>();
            double[] esd = WeightTails.WeightEsd(l.ToDense());
            HillResult? hill = WeightTails.TryHill(l.Weight, warnings);
            PowerLawFit? fit = WeightTails.TryFit(esd, warnings);
            return new LayerTails(i, hill?.Index ?? double.NaN, fit, Math.Sqrt(Math.Max(esd[^1], 0)), warnings.Count > 0 ? string.Join("; ", warnings) : null)
            {
                Assessment = assess ? TailAssessments.Assess(l.ToDense(), (ulong)i + 1) : null,
            };
        }).ToArray();
}
