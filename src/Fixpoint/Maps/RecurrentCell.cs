namespace Fixpoint.Maps;

/// <summary>The recurrent cells of PyTorch whose weights a state dict holds.</summary>
public enum RecurrentKind
{
    /// <summary>nn.RNN / nn.RNNCell: h' = φ(W_ih u + b_ih + W_hh h + b_hh), φ = tanh or relu.</summary>
    Rnn,

    /// <summary>nn.GRU / nn.GRUCell, gates (r, z, n) stacked in that order.</summary>
    Gru,

    /// <summary>nn.LSTM / nn.LSTMCell, gates (i, f, g, o) stacked in that order; the state is (h, c).</summary>
    Lstm,
}

/// <summary>
/// One step of a PyTorch recurrent cell, x ↦ cell(u, x), with PyTorch's gate equations exactly
/// (torch/nn/modules/rnn.py and aten's RNN cells), u the input held by <see cref="Bind(double[])"/>:
/// <list type="bullet">
/// <item>RNN: h' = φ(W_ih u + b_ih + W_hh h + b_hh).</item>
/// <item>GRU: r = σ(W_ir u + b_ir + W_hr h + b_hr), z = σ(W_iz u + b_iz + W_hz h + b_hz),
///   n = tanh(W_in u + b_in + r ⊙ (W_hn h + b_hn)), h' = n + z ⊙ (h − n) (= (1 − z) ⊙ n + z ⊙ h).</item>
/// <item>LSTM: i, f, o = σ(·), g = tanh(·) of W_i* u + b_i* + W_h* h + b_h*; c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c');
///   the state is (h, c) concatenated, N = 2H.</item>
/// </list>
/// Weights are row-major as PyTorch stores them: W_ih is (G·H) × I, W_hh is (G·H) × H with G = 1, 3, 4 gates.
/// The Jacobian, J·v and ∂F/∂u are exact (forward mode through the same equations).
/// </summary>
public sealed class RecurrentCell : IConditionedModel
{
    private readonly double[] _wih, _whh, _bih, _bhh;

    public RecurrentCell(RecurrentKind kind, int inputs, int hidden, double[] weightIh, double[] weightHh, double[]? biasIh = null, double[]? biasHh = null,
        Activation? nonlinearity = null, string inputName = "input")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputs);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        Kind = kind;
        Gates = kind switch { RecurrentKind.Rnn => 1, RecurrentKind.Gru => 3, _ => 4 };
        Inputs = inputs;
        Hidden = hidden;
        int rows = Gates * hidden;
        Check(weightIh, rows * inputs, nameof(weightIh));
        Check(weightHh, rows * hidden, nameof(weightHh));
        _wih = weightIh;
        _whh = weightHh;
        _bih = biasIh ?? new double[rows];
        _bhh = biasHh ?? new double[rows];
        Check(_bih, rows, nameof(biasIh));
        Check(_bhh, rows, nameof(biasHh));
        if (kind != RecurrentKind.Rnn && nonlinearity is not null)
            throw new ArgumentException("only an RNN cell takes a nonlinearity; GRU and LSTM fix theirs", nameof(nonlinearity));
        Nonlinearity = kind == RecurrentKind.Rnn ? nonlinearity ?? new TanhActivation() : null;
        if (Nonlinearity is not (null or TanhActivation or ReluActivation))
            throw new ArgumentException($"PyTorch's RNN nonlinearity is tanh or relu, not {Nonlinearity.Name}", nameof(nonlinearity));
        HeldInputs = [new HeldInput(inputName, inputs)];
    }

    private static void Check(double[] a, int length, string name)
    {
        ArgumentNullException.ThrowIfNull(a, name);
        if (a.Length != length) throw new ArgumentException($"{name} has {a.Length} numbers, expected {length}", name);
    }

    public RecurrentKind Kind { get; }

    /// <summary>1 (RNN), 3 (GRU) or 4 (LSTM).</summary>
    public int Gates { get; }

    /// <summary>I, the length of the held input u.</summary>
    public int Inputs { get; }

    /// <summary>H, the hidden size.</summary>
    public int Hidden { get; }

    /// <summary>The RNN's φ (tanh or relu); null for GRU and LSTM.</summary>
    public Activation? Nonlinearity { get; }

    public int StateDimension => Kind == RecurrentKind.Lstm ? 2 * Hidden : Hidden;

    public IReadOnlyList<HeldInput> HeldInputs { get; }

    public bool HasExactInputJacobian => true;

    /// <summary>The names of the state's parts, in order: h, or h and c for an LSTM.</summary>
    public IReadOnlyList<string> StateNames => Kind == RecurrentKind.Lstm ? ["h", "c"] : ["h"];

    public IMap Bind(IReadOnlyList<double[]> values) => new Bound(this, InputPart(Values(values)));

    /// <summary>The map x ↦ cell(u, x) for one input vector.</summary>
    public IMap Bind(double[] u) => Bind([u]);

    public void InputJacobian(ReadOnlySpan<double> x, IReadOnlyList<double[]> values, Span<double> dFdu)
    {
        double[] u = Values(values);
        int n = StateDimension, rows = Gates * Hidden;
        if (x.Length != n) throw new ArgumentException($"x has {x.Length} numbers, expected {n}", nameof(x));
        if (dFdu.Length != n * Inputs) throw new ArgumentException($"dFdu has {dFdu.Length} numbers, expected {n * Inputs}", nameof(dFdu));
        double[] a = InputPart(u);
        var y = new double[n];
        var dy = new double[n];
        var da = new double[rows];
        var dx = new double[n];
        var scratch = new double[ScratchLength];
        for (int j = 0; j < Inputs; j++)
        {
            for (int r = 0; r < rows; r++) da[r] = _wih[r * Inputs + j];
            Step(a, x, y, dx, da, dy, scratch);
            for (int i = 0; i < n; i++) dFdu[i * Inputs + j] = dy[i];
        }
    }

    private double[] Values(IReadOnlyList<double[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != 1) throw new ArgumentException($"a recurrent cell holds one input, got {values.Count}", nameof(values));
        double[] u = values[0];
        if (u.Length != Inputs) throw new ArgumentException($"the held input has {u.Length} numbers, expected {Inputs}", nameof(values));
        return u;
    }

    /// <summary>W_ih u + b_ih, the part of every gate's pre-activation that the held input fixes.</summary>
    private double[] InputPart(double[] u)
    {
        int rows = Gates * Hidden;
        var a = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int k = 0; k < Inputs; k++) s += _wih[r * Inputs + k] * u[k];
            a[r] = s + _bih[r];
        }
        return a;
    }

    private int ScratchLength => 4 * Gates * Hidden;

    private static double Sigmoid(double v) => 1.0 / (1.0 + Math.Exp(-v));

    /// <summary>
    /// y = cell(u, x) given a = W_ih u + b_ih, and, when <paramref name="dx"/> is not empty, its tangent
    /// dy = ∂y/∂x·dx + ∂y/∂a·da (<paramref name="da"/> empty: 0).
    /// </summary>
    private void Step(ReadOnlySpan<double> a, ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> dx, ReadOnlySpan<double> da, Span<double> dy, Span<double> scratch)
    {
        int h = Hidden, rows = Gates * h;
        bool tangent = !dx.IsEmpty;
        Span<double> g = scratch[..rows];          // W_hh h + b_hh
        Span<double> dg = scratch.Slice(rows, rows); // its tangent
        ReadOnlySpan<double> hPrev = x[..h];
        for (int r = 0; r < rows; r++)
        {
            double s = 0, ds = 0;
            int o = r * h;
            for (int k = 0; k < h; k++) s += _whh[o + k] * hPrev[k];
            g[r] = s + _bhh[r];
            if (tangent)
            {
                for (int k = 0; k < h; k++) ds += _whh[o + k] * dx[k];
                dg[r] = ds;
            }
        }
        Span<double> zeros = scratch.Slice(2 * rows, rows);
        if (da.IsEmpty && tangent) zeros.Clear();
        ReadOnlySpan<double> dA = da.IsEmpty ? zeros : da;
        switch (Kind)
        {
            case RecurrentKind.Rnn:
                for (int i = 0; i < h; i++)
                {
                    double z = a[i] + g[i];
                    y[i] = Nonlinearity!.Value(z);
                    if (tangent) dy[i] = Nonlinearity.Derivative(z) * (dA[i] + dg[i]);
                }
                break;
            case RecurrentKind.Gru:
                for (int i = 0; i < h; i++)
                {
                    double r = Sigmoid(a[i] + g[i]);
                    double z = Sigmoid(a[h + i] + g[h + i]);
                    double n = Math.Tanh(a[2 * h + i] + r * g[2 * h + i]);
                    y[i] = n + z * (x[i] - n);
                    if (!tangent) continue;
                    double dr = r * (1 - r) * (dA[i] + dg[i]);
                    double dz = z * (1 - z) * (dA[h + i] + dg[h + i]);
                    double dn = (1 - n * n) * (dA[2 * h + i] + dr * g[2 * h + i] + r * dg[2 * h + i]);
                    dy[i] = (1 - z) * dn + z * dx[i] + (x[i] - n) * dz;
                }
                break;
            default:
                for (int j = 0; j < h; j++)
                {
                    double ig = Sigmoid(a[j] + g[j]);
                    double fg = Sigmoid(a[h + j] + g[h + j]);
                    double gg = Math.Tanh(a[2 * h + j] + g[2 * h + j]);
                    double og = Sigmoid(a[3 * h + j] + g[3 * h + j]);
                    double c = x[h + j];
                    double cNext = fg * c + ig * gg;
                    double tc = Math.Tanh(cNext);
                    y[j] = og * tc;
                    y[h + j] = cNext;
                    if (!tangent) continue;
                    double di = ig * (1 - ig) * (dA[j] + dg[j]);
                    double df = fg * (1 - fg) * (dA[h + j] + dg[h + j]);
                    double dgg = (1 - gg * gg) * (dA[2 * h + j] + dg[2 * h + j]);
                    double dog = og * (1 - og) * (dA[3 * h + j] + dg[3 * h + j]);
                    double dc = df * c + fg * dx[h + j] + di * gg + ig * dgg;
                    dy[j] = dog * tc + og * (1 - tc * tc) * dc;
                    dy[h + j] = dc;
                }
                break;
        }
    }

    /// <summary>x ↦ cell(u, x) with u fixed: W_ih u + b_ih computed once.</summary>
    private sealed class Bound(RecurrentCell cell, double[] a) : IMap
    {
        public int Dimension => cell.StateDimension;

        public bool HasExactJacobian => true;

        public void Evaluate(ReadOnlySpan<double> x, Span<double> y)
        {
            CheckLengths(x, y);
            Span<double> scratch = cell.ScratchLength <= 1024 ? stackalloc double[cell.ScratchLength] : new double[cell.ScratchLength];
            cell.Step(a, x, y, default, default, default, scratch);
        }

        public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count)
        {
            int n = Dimension;
            if (xs.Length < count * n || ys.Length < count * n) throw new ArgumentException("batch spans are shorter than count × N");
            Span<double> scratch = cell.ScratchLength <= 1024 ? stackalloc double[cell.ScratchLength] : new double[cell.ScratchLength];
            for (int p = 0; p < count; p++) cell.Step(a, xs.Slice(p * n, n), ys.Slice(p * n, n), default, default, default, scratch);
        }

        public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian)
        {
            int n = Dimension;
            if (jacobian.Length != n * n) throw new ArgumentException($"the Jacobian span has {jacobian.Length} numbers, expected {n * n}", nameof(jacobian));
            var y = new double[n];
            var e = new double[n];
            var col = new double[n];
            var scratch = new double[cell.ScratchLength];
            for (int j = 0; j < n; j++)
            {
                e[j] = 1;
                cell.Step(a, x, y, e, default, col, scratch);
                e[j] = 0;
                for (int i = 0; i < n; i++) jacobian[i * n + j] = col[i];
            }
        }

        public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv)
        {
            int n = Dimension;
            if (v.Length != n || jv.Length != n) throw new ArgumentException("v and jv must have length N");
            CheckLengths(x, jv);
            var y = new double[n];
            var scratch = new double[cell.ScratchLength];
            cell.Step(a, x, y, v, default, jv, scratch);
        }

        private void CheckLengths(ReadOnlySpan<double> x, Span<double> y)
        {
            if (x.Length != Dimension || y.Length != Dimension) throw new ArgumentException($"x and y must have length {Dimension}");
        }
    }
}
