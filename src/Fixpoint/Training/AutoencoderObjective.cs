using System.Numerics.Tensors;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Training;

/// <summary>The two parts of the autoencoder objective over a batch, both means per example and per coordinate.</summary>
/// <param name="Reconstruction">(1/(B·N)) Σ_r ‖F(x_r) − y_r‖².</param>
/// <param name="JacobianPenalty">(1/(B·N)) Σ_r ‖J(x_r) v_r‖², an unbiased estimate of (1/(B·N)) Σ_r ‖J(x_r)‖²_F when v_r ~ N(0, I) (Hutchinson); 0 without probes.</param>
public readonly record struct AutoencoderLoss(double Reconstruction, double JacobianPenalty)
{
    /// <summary>Reconstruction + λ·JacobianPenalty, the quantity training minimises.</summary>
    public double Total(double lambda) => Reconstruction + lambda * JacobianPenalty;
}

/// <summary>
/// The objective of a square autoencoder F and its exact gradient by backpropagation (through every
/// loop when the layer is tied):
/// <c>L = (1/(B·N)) Σ_r ‖F(x_r) − y_r‖² + λ (1/(B·N)) Σ_r ‖J(x_r) v_r‖²</c>.
/// The penalty term is differentiated by carrying the tangent t = J v forward beside the state
/// (t_l = g′(z_l) ⊙ W_l t_{l−1}) and backpropagating through both, which needs g″.
/// Rows are processed in chunks of <see cref="ChunkRows"/> whose gradients are summed in chunk order,
/// so the result does not depend on the thread count.
/// </summary>
public sealed class AutoencoderObjective
{
    public const int ChunkRows = 16;

    private readonly SquareModel _model;
    private readonly int _threads;
    private readonly List<double[][]> _chunkGrad = [];
    private readonly double[][] _wt;

    public AutoencoderObjective(SquareModel model, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _model = model;
        _threads = threads;
        Gradient = model.Parameters.Select(p => new double[p.Length]).ToArray();
        _wt = model.Layers.Select(l => new double[l.Weight.Length]).ToArray();
    }

    /// <summary>∂L/∂θ after <see cref="Compute"/>, in the order of <see cref="SquareModel.Parameters"/>.</summary>
    public double[][] Gradient { get; }

    /// <summary>
    /// Evaluates the objective on <paramref name="rows"/> examples (inputs and targets row-major,
    /// rows × N) and, when <paramref name="withGradient"/>, writes its gradient into <see cref="Gradient"/>.
    /// <paramref name="probes"/> (rows × N) are the vectors v_r; null (or λ = 0) drops the penalty.
    /// </summary>
    public AutoencoderLoss Compute(double[] inputs, double[] targets, int rows, double[]? probes, double lambda, bool withGradient = true)
    {
        int n = _model.Dimension;
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "must be ≥ 1");
        if (inputs.Length < rows * n || targets.Length < rows * n) throw new ArgumentException("inputs and targets need rows × N numbers");
        if (!(lambda >= 0) || !double.IsFinite(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "must be ≥ 0");
        bool pen = probes is not null && lambda > 0;
        if (pen && probes!.Length < rows * n) throw new ArgumentException("probes need rows × N numbers", nameof(probes));
        for (int l = 0; l < _model.Layers.Length; l++)
        {
            LayerParameters p = _model.Layers[l];
            DenseLinearAlgebra.Transpose(p.Weight, p.Outputs, p.Inputs, _wt[l]);
        }
        int chunks = (rows + ChunkRows - 1) / ChunkRows;
        while (_chunkGrad.Count < chunks) _chunkGrad.Add(_model.Parameters.Select(p => new double[p.Length]).ToArray());
        var recon = new double[chunks];
        var penalty = new double[chunks];
        double scale = 1.0 / ((double)rows * n);
        TrainMath.ForChunks(chunks, _threads, c =>
        {
            int r0 = c * ChunkRows, m = Math.Min(ChunkRows, rows - r0);
            (recon[c], penalty[c]) = Chunk(inputs, targets, probes, r0, m, pen, lambda, scale, withGradient ? _chunkGrad[c] : null);
        });
        if (withGradient)
        {
            for (int k = 0; k < Gradient.Length; k++)
            {
                Span<double> g = Gradient[k];
                g.Clear();
                for (int c = 0; c < chunks; c++) TensorPrimitives.Add(g, _chunkGrad[c][k], g);
            }
        }
        return new AutoencoderLoss(recon.Sum() * scale, pen ? penalty.Sum() * scale : 0.0);
    }

    private (double Recon, double Penalty) Chunk(double[] inputs, double[] targets, double[]? probes, int r0, int m, bool pen, double lambda, double scale, double[][]? grad)
    {
        SquareModel model = _model;
        Activation g = model.Activation;
        bool tanh = g is TanhActivation;
        int steps = model.Applied.Length, n = model.Dimension;
        var a = new double[steps + 1][];
        var z = new double[steps + 1][];
        var u = new double[steps + 1][];
        var t = new double[steps + 1][];
        a[0] = inputs.AsSpan(r0 * n, m * n).ToArray();
        if (pen) t[0] = probes!.AsSpan(r0 * n, m * n).ToArray();
        for (int s = 1; s <= steps; s++)
        {
            LayerParameters L = model.Layers[model.Applied[s - 1]];
            double[] wt = _wt[model.Applied[s - 1]];
            int o = L.Outputs;
            z[s] = new double[m * o];
            a[s] = new double[m * o];
            TrainMath.Affine(a[s - 1], m, L.Inputs, wt, L.Bias, o, z[s]);
            g.Apply(z[s], a[s]);
            if (pen)
            {
                u[s] = new double[m * o];
                t[s] = new double[m * o];
                TrainMath.Linear(t[s - 1], m, L.Inputs, wt, o, u[s]);
                for (int i = 0; i < u[s].Length; i++)
                    t[s][i] = (tanh ? 1.0 - a[s][i] * a[s][i] : g.Derivative(z[s][i])) * u[s][i];
            }
        }
        double[] y = a[steps];
        ReadOnlySpan<double> target = targets.AsSpan(r0 * n, m * n);
        var abar = new double[m * n];
        double recon = 0;
        for (int i = 0; i < abar.Length; i++)
        {
            double d = y[i] - target[i];
            recon += d * d;
            abar[i] = 2.0 * scale * d;
        }
        double penalty = 0;
        double[]? tbar = null;
        if (pen)
        {
            tbar = new double[m * n];
            for (int i = 0; i < tbar.Length; i++)
            {
                double v = t[steps][i];
                penalty += v * v;
                tbar[i] = 2.0 * scale * lambda * v;
            }
        }
        if (grad is null) return (recon, penalty);
        foreach (double[] arr in grad) Array.Clear(arr);

        for (int s = steps; s >= 1; s--)
        {
            int p = model.Applied[s - 1];
            LayerParameters L = model.Layers[p];
            int o = L.Outputs, inp = L.Inputs;
            var zbar = new double[m * o];
            double[]? ubar = pen ? new double[m * o] : null;
            for (int i = 0; i < zbar.Length; i++)
            {
                double gp, gpp = 0;
                if (tanh)
                {
                    double ai = a[s][i];
                    gp = 1.0 - ai * ai;
                    if (pen) gpp = -2.0 * ai * gp;
                }
                else
                {
                    gp = g.Derivative(z[s][i]);
                    if (pen) gpp = TrainMath.SecondDerivative(g, z[s][i]);
                }
                zbar[i] = gp * abar[i];
                if (pen)
                {
                    ubar![i] = gp * tbar![i];
                    zbar[i] += gpp * u[s][i] * tbar[i];
                }
            }
            double[] dW = grad[2 * p], db = grad[2 * p + 1];
            TrainMath.AccumulateOuter(zbar, a[s - 1], m, o, inp, dW);
            TrainMath.AccumulateRows(zbar, m, o, db);
            if (pen) TrainMath.AccumulateOuter(ubar!, t[s - 1], m, o, inp, dW);
            if (s > 1)
            {
                abar = new double[m * inp];
                TrainMath.BackInput(zbar, m, o, L.Weight, inp, abar);
                if (pen)
                {
                    tbar = new double[m * inp];
                    TrainMath.BackInput(ubar!, m, o, L.Weight, inp, tbar);
                }
            }
        }
        return (recon, penalty);
    }

    /// <summary>
    /// The same objective computed without this class's backpropagation: F by <see cref="Network.EvaluateBatch(ReadOnlySpan{double}, Span{double}, int)"/>
    /// and J v by <see cref="Network.JacobianVector(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>. Tests compare gradients against finite differences of it.
    /// </summary>
    public static AutoencoderLoss Reference(Network network, double[] inputs, double[] targets, int rows, double[]? probes)
    {
        int n = network.Dimension;
        var y = new double[rows * n];
        network.EvaluateBatch(inputs, y, rows);
        double recon = 0, penalty = 0;
        for (int i = 0; i < rows * n; i++) recon += (y[i] - targets[i]) * (y[i] - targets[i]);
        if (probes is not null)
        {
            var jv = new double[n];
            for (int r = 0; r < rows; r++)
            {
                network.JacobianVector(inputs.AsSpan(r * n, n), probes.AsSpan(r * n, n), jv);
                foreach (double v in jv) penalty += v * v;
            }
        }
        return new AutoencoderLoss(recon / (rows * n), penalty / (rows * n));
    }
}
