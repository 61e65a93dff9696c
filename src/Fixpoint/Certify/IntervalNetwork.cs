using Fixpoint.Maps;
using static Fixpoint.Certify.Rounding;

namespace Fixpoint.Certify;

/// <summary>
/// A <see cref="Network"/> evaluated in interval arithmetic over a box X: an enclosure of
/// F(X) = {F(x) : x ∈ X} and of the Jacobian set {J(x) : x ∈ X}, layer by layer as in
/// <see cref="Network.AppliedLayers"/> (tied or untied, residual or not). The pre-activation
/// W x + b of each layer is exact up to rounding (each x_i appears once per row); the Jacobian is
/// the product of the interval matrices D_l W_l (+ I when residual), D_l = diag g′(Z_l).
/// Immutable and safe to share between threads.
/// </summary>
public sealed class IntervalNetwork
{
    private readonly DenseLayer[] _layers;

    public IntervalNetwork(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Network = network;
        Activation = IntervalActivation.For(network.Activation);
        _layers = [.. network.AppliedLayers];
        Dimension = network.Dimension;
        MaxWidth = network.MaxWidth;
    }

    public Network Network { get; }
    public IntervalActivation Activation { get; }
    public int Dimension { get; }
    public int MaxWidth { get; }

    /// <summary>An enclosure of F(X).</summary>
    public Interval[] Evaluate(ReadOnlySpan<Interval> x)
    {
        var y = new Interval[Dimension];
        Evaluate(x, y);
        return y;
    }

    /// <summary>Writes an enclosure of F(X) into <paramref name="y"/> (length N).</summary>
    public void Evaluate(ReadOnlySpan<Interval> x, Span<Interval> y)
    {
        CheckBox(x, y.Length);
        var cur = new Interval[MaxWidth];
        var next = new Interval[MaxWidth];
        x.CopyTo(cur);
        foreach (DenseLayer layer in _layers)
        {
            int o = layer.Outputs;
            Affine(layer, cur.AsSpan(0, layer.Inputs), next.AsSpan(0, o));
            for (int j = 0; j < o; j++)
            {
                next[j] = Activation.Value(next[j]);
                if (Network.Residual) next[j] += cur[j];
            }
            (cur, next) = (next, cur);
        }
        cur.AsSpan(0, Dimension).CopyTo(y);
    }

    /// <summary>A rigorous enclosure of F at a single point (rounding errors included).</summary>
    public Interval[] EvaluatePoint(ReadOnlySpan<double> x) => Evaluate(IntervalVector.FromPoint(x));

    /// <summary>An enclosure of the Jacobian set over X, N×N row-major: entry (i, j) contains ∂F_i/∂x_j(x) for every x ∈ X.</summary>
    public Interval[] Jacobian(ReadOnlySpan<Interval> x)
    {
        var y = new Interval[Dimension];
        var j = new Interval[Dimension * Dimension];
        EvaluateWithJacobian(x, y, j);
        return j;
    }

    /// <summary>Enclosures of F(X) (into <paramref name="y"/>, length N) and of the Jacobian set (into <paramref name="jacobian"/>, N×N row-major) in one pass.</summary>
    public void EvaluateWithJacobian(ReadOnlySpan<Interval> x, Span<Interval> y, Span<Interval> jacobian)
    {
        int n = Dimension;
        CheckBox(x, y.Length);
        if (jacobian.Length < n * n) throw new ArgumentException($"the Jacobian span holds {jacobian.Length} entries, fewer than {n}×{n}", nameof(jacobian));
        int w = MaxWidth;
        var cur = new Interval[w];
        var next = new Interval[w];
        var deriv = new Interval[w];
        var jPrev = new Interval[w * n];
        var jNext = new Interval[w * n];
        x.CopyTo(cur);
        bool first = true;
        foreach (DenseLayer layer in _layers)
        {
            int inp = layer.Inputs, outp = layer.Outputs;
            Affine(layer, cur.AsSpan(0, inp), next.AsSpan(0, outp));
            for (int o = 0; o < outp; o++)
            {
                deriv[o] = Activation.Derivative(next[o]);
                next[o] = Activation.Value(next[o]);
                if (Network.Residual) next[o] += cur[o];
            }
            for (int o = 0; o < outp; o++)
            {
                Span<Interval> row = jNext.AsSpan(o * n, n);
                ReadOnlySpan<double> wRow = layer.Weight.AsSpan(o * inp, inp);
                if (first)
                {
                    // J_prev = I: row o of W J_prev is the weight row itself, exactly.
                    for (int c = 0; c < n; c++) row[c] = Interval.Point(wRow[c]);
                }
                else
                {
                    row.Clear();
                    for (int i = 0; i < inp; i++)
                    {
                        double wi = wRow[i];
                        if (wi == 0) continue;
                        ReadOnlySpan<Interval> src = jPrev.AsSpan(i * n, n);
                        for (int c = 0; c < n; c++) row[c] += wi * src[c];
                    }
                }
                Interval d = deriv[o];
                for (int c = 0; c < n; c++) row[c] = d * row[c];
                if (Network.Residual)
                {
                    if (first) row[o] += Interval.Point(1.0);
                    else
                    {
                        ReadOnlySpan<Interval> src = jPrev.AsSpan(o * n, n);
                        for (int c = 0; c < n; c++) row[c] += src[c];
                    }
                }
            }
            (jPrev, jNext) = (jNext, jPrev);
            (cur, next) = (next, cur);
            first = false;
        }
        cur.AsSpan(0, n).CopyTo(y);
        jPrev.AsSpan(0, n * n).CopyTo(jacobian);
    }

    /// <summary>z = W x + b over the box x, rounded outward: each x_i appears once per row, so this is the exact range up to rounding.</summary>
    public static void Affine(DenseLayer layer, ReadOnlySpan<Interval> x, Span<Interval> z)
    {
        ArgumentNullException.ThrowIfNull(layer);
        int inp = layer.Inputs;
        if (x.Length != inp || z.Length != layer.Outputs) throw new ArgumentException($"layer {layer.Outputs}×{inp} does not match spans of {x.Length} and {z.Length}");
        for (int o = 0; o < z.Length; o++)
        {
            ReadOnlySpan<double> w = layer.Weight.AsSpan(o * inp, inp);
            double lo = layer.Bias[o], hi = lo;
            for (int i = 0; i < inp; i++)
            {
                double wi = w[i];
                if (wi == 0) continue;
                Interval xi = x[i];
                if (xi.IsEmpty) { lo = double.PositiveInfinity; hi = double.NegativeInfinity; break; }
                if (wi > 0)
                {
                    lo = AddDown(lo, MulDown(wi, xi.Lo));
                    hi = AddUp(hi, MulUp(wi, xi.Hi));
                }
                else
                {
                    lo = AddDown(lo, MulDown(wi, xi.Hi));
                    hi = AddUp(hi, MulUp(wi, xi.Lo));
                }
            }
            z[o] = lo <= hi ? Interval.UnsafeCreate(lo, hi) : Interval.Empty;
        }
    }

    private void CheckBox(ReadOnlySpan<Interval> x, int outLength)
    {
        if (x.Length != Dimension) throw new ArgumentException($"the box has {x.Length} coordinates, the network {Dimension}");
        if (outLength < Dimension) throw new ArgumentException($"the output span holds {outLength} entries, fewer than {Dimension}");
    }
}
