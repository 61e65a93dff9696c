using System.Numerics.Tensors;
using Fixpoint.Maps;

namespace Fixpoint.Training;

/// <summary>
/// Row-major dense kernels for training: every one is a loop of vectorised row updates
/// (y ← y + a·x) in a fixed order, so results never depend on the thread count.
/// </summary>
internal static class TrainMath
{
    /// <summary>z[r, :] = b + Σ_k a[r, k]·wt[k, :] for r &lt; rows (z = a·Wᵀ + b with wt = Wᵀ, inputs × outputs).</summary>
    public static void Affine(ReadOnlySpan<double> a, int rows, int inputs, ReadOnlySpan<double> wt, ReadOnlySpan<double> b, int outputs, Span<double> z)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<double> zr = z.Slice(r * outputs, outputs);
            b.Slice(0, outputs).CopyTo(zr);
            ReadOnlySpan<double> ar = a.Slice(r * inputs, inputs);
            for (int k = 0; k < inputs; k++)
            {
                double s = ar[k];
                if (s != 0.0) TensorPrimitives.MultiplyAdd(wt.Slice(k * outputs, outputs), s, zr, zr);
            }
        }
    }

    /// <summary>z[r, :] = Σ_k a[r, k]·wt[k, :] (no bias).</summary>
    public static void Linear(ReadOnlySpan<double> a, int rows, int inputs, ReadOnlySpan<double> wt, int outputs, Span<double> z)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<double> zr = z.Slice(r * outputs, outputs);
            zr.Clear();
            ReadOnlySpan<double> ar = a.Slice(r * inputs, inputs);
            for (int k = 0; k < inputs; k++)
            {
                double s = ar[k];
                if (s != 0.0) TensorPrimitives.MultiplyAdd(wt.Slice(k * outputs, outputs), s, zr, zr);
            }
        }
    }

    /// <summary>dW[o, :] += Σ_r g[r, o]·a[r, :] (dW += gᵀ a; dW is outputs × inputs).</summary>
    public static void AccumulateOuter(ReadOnlySpan<double> g, ReadOnlySpan<double> a, int rows, int outputs, int inputs, Span<double> dW)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> ar = a.Slice(r * inputs, inputs);
            ReadOnlySpan<double> gr = g.Slice(r * outputs, outputs);
            for (int o = 0; o < outputs; o++)
            {
                double s = gr[o];
                if (s != 0.0)
                {
                    Span<double> row = dW.Slice(o * inputs, inputs);
                    TensorPrimitives.MultiplyAdd(ar, s, row, row);
                }
            }
        }
    }

    /// <summary>db += Σ_r g[r, :].</summary>
    public static void AccumulateRows(ReadOnlySpan<double> g, int rows, int outputs, Span<double> db)
    {
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(db.Slice(0, outputs), g.Slice(r * outputs, outputs), db.Slice(0, outputs));
    }

    /// <summary>x̄[r, :] = Σ_o g[r, o]·W[o, :] (x̄ = g·W; W is outputs × inputs). With <paramref name="add"/>, adds to x̄.</summary>
    public static void BackInput(ReadOnlySpan<double> g, int rows, int outputs, ReadOnlySpan<double> w, int inputs, Span<double> xbar, bool add = false)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<double> xr = xbar.Slice(r * inputs, inputs);
            if (!add) xr.Clear();
            ReadOnlySpan<double> gr = g.Slice(r * outputs, outputs);
            for (int o = 0; o < outputs; o++)
            {
                double s = gr[o];
                if (s != 0.0) TensorPrimitives.MultiplyAdd(w.Slice(o * inputs, inputs), s, xr, xr);
            }
        }
    }

    /// <summary>
    /// g″(z) for the activations training supports exactly (tanh, logistic, identity, relu, leaky-relu,
    /// softplus, sin); others by a central difference of the exact g′.
    /// </summary>
    public static double SecondDerivative(Activation g, double z) => g switch
    {
        TanhActivation => TanhSecond(z),
        LogisticActivation => LogisticSecond(z),
        IdentityActivation or ReluActivation or LeakyReluActivation => 0.0,
        SoftplusActivation => LogisticFirst(z),
        SinActivation => -Math.Sin(z),
        _ => (g.Derivative(z + 1e-5) - g.Derivative(z - 1e-5)) / 2e-5,
    };

    private static double TanhSecond(double z)
    {
        double t = Math.Tanh(z);
        return -2.0 * t * (1.0 - t * t);
    }

    private static double LogisticFirst(double z)
    {
        double s = 1.0 / (1.0 + Math.Exp(-z));
        return s * (1.0 - s);
    }

    private static double LogisticSecond(double z)
    {
        double s = 1.0 / (1.0 + Math.Exp(-z));
        return s * (1.0 - s) * (1.0 - 2.0 * s);
    }

    /// <summary>Runs <paramref name="body"/> for chunks 0 … count−1 on at most <paramref name="threads"/> threads (0: one per core).</summary>
    public static void ForChunks(int count, int threads, Action<int> body)
    {
        int t = threads == 0 ? Environment.ProcessorCount : threads;
        if (t <= 1 || count <= 1)
        {
            for (int c = 0; c < count; c++) body(c);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = t }, body);
    }
}
