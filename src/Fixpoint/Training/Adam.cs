namespace Fixpoint.Training;

/// <summary>
/// Settings of Adam with decoupled weight decay (AdamW, Loshchilov and Hutter 2019):
/// m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², θ ← θ − η (m̂ / (√v̂ + ε) + λ_wd θ), with the bias
/// corrections m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ). Weight decay applies to weight matrices only, never to biases.
/// </summary>
public sealed record AdamOptions
{
    private readonly double _lr = 1e-3, _b1 = 0.9, _b2 = 0.999, _eps = 1e-8, _wd;

    /// <summary>η, the step size; &gt; 0.</summary>
    public double LearningRate { get => _lr; init => _lr = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "must be > 0"); }

    /// <summary>β1 in [0, 1).</summary>
    public double Beta1 { get => _b1; init => _b1 = value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Beta1), value, "must be in [0, 1)"); }

    /// <summary>β2 in [0, 1).</summary>
    public double Beta2 { get => _b2; init => _b2 = value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Beta2), value, "must be in [0, 1)"); }

    /// <summary>ε &gt; 0.</summary>
    public double Epsilon { get => _eps; init => _eps = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Epsilon), value, "must be > 0"); }

    /// <summary>λ_wd ≥ 0, decoupled weight decay of the weight matrices.</summary>
    public double WeightDecay { get => _wd; init => _wd = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, "must be ≥ 0"); }
}

/// <summary>The state of Adam over a fixed list of parameter arrays (see <see cref="AdamOptions"/>).</summary>
public sealed class Adam
{
    private readonly AdamOptions _o;
    private readonly double[][] _m, _v;
    private readonly bool[] _decay;
    private int _t;

    /// <param name="sizes">Length of each parameter array.</param>
    /// <param name="decay">Whether weight decay applies to each array (true for weight matrices).</param>
    public Adam(AdamOptions options, IReadOnlyList<int> sizes, IReadOnlyList<bool> decay)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (sizes.Count != decay.Count) throw new ArgumentException("one decay flag per parameter array", nameof(decay));
        _o = options;
        _m = sizes.Select(s => new double[s]).ToArray();
        _v = sizes.Select(s => new double[s]).ToArray();
        _decay = [.. decay];
    }

    public int Steps => _t;

    public void Step(IReadOnlyList<double[]> parameters, IReadOnlyList<double[]> gradients, double learningRateScale = 1.0)
    {
        if (parameters.Count != _m.Length || gradients.Count != _m.Length) throw new ArgumentException("parameter and gradient lists must match the optimiser's");
        _t++;
        double c1 = 1.0 - Math.Pow(_o.Beta1, _t), c2 = 1.0 - Math.Pow(_o.Beta2, _t);
        double lr = _o.LearningRate * learningRateScale;
        for (int p = 0; p < _m.Length; p++)
        {
            double[] th = parameters[p], g = gradients[p], m = _m[p], v = _v[p];
            double wd = _decay[p] ? _o.WeightDecay : 0.0;
            for (int i = 0; i < th.Length; i++)
            {
                double gi = g[i];
                m[i] = _o.Beta1 * m[i] + (1 - _o.Beta1) * gi;
                v[i] = _o.Beta2 * v[i] + (1 - _o.Beta2) * gi * gi;
                double mh = m[i] / c1, vh = v[i] / c2;
                th[i] -= lr * (mh / (Math.Sqrt(vh) + _o.Epsilon) + wd * th[i]);
            }
        }
    }
}
