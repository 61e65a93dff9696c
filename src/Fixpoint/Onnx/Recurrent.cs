using static Fixpoint.Onnx.OnnxOperators;

namespace Fixpoint.Onnx;

/// <summary>
/// The ONNX recurrent operators GRU, LSTM and RNN (forward direction, layout 0, default activations), as PyTorch
/// exports nn.GRU/nn.LSTM/nn.RNN: X [seq, batch, input], W [1, G·H, input], R [1, G·H, H], B [1, 2·G·H],
/// initial states [1, batch, H]; outputs Y [seq, 1, batch, H], Y_h (and LSTM's Y_c) [1, batch, H]. Gate orders
/// are ONNX's: GRU z, r, h; LSTM i, o, f, c. Each step's tangent is propagated right after the step, from
/// the step's gate values.
/// </summary>
internal static class Recurrent
{
    private enum Kind { Gru, Lstm, Rnn }

    public static void Gru(OnnxNode node, Val?[] ins, Val?[] tins, OnnxContext c, Val?[] outs, Val?[] touts) => Run(Kind.Gru, node, ins, tins, c, outs, touts);

    public static void Lstm(OnnxNode node, Val?[] ins, Val?[] tins, OnnxContext c, Val?[] outs, Val?[] touts) => Run(Kind.Lstm, node, ins, tins, c, outs, touts);

    public static void Rnn(OnnxNode node, Val?[] ins, Val?[] tins, OnnxContext c, Val?[] outs, Val?[] touts) => Run(Kind.Rnn, node, ins, tins, c, outs, touts);

    private static void Run(Kind kind, OnnxNode node, Val?[] ins, Val?[] tins, OnnxContext c, Val?[] outs, Val?[] touts)
    {
        string op = node.OpType;
        int gates = kind switch { Kind.Gru => 3, Kind.Lstm => 4, _ => 1 };
        string direction = Str(node, "direction", "forward");
        if (direction != "forward") throw new UnsupportedOnnxException($"{op} in direction {direction}");
        if (Int(node, "layout", 0) != 0) throw new UnsupportedOnnxException($"{op} with layout 1");
        if (node.Attributes.ContainsKey("clip")) throw new UnsupportedOnnxException($"{op} with clip");
        if (kind == Kind.Lstm && Int(node, "input_forget", 0) != 0) throw new UnsupportedOnnxException("LSTM with input_forget");
        if (kind == Kind.Lstm && Opt(ins, 7) is not null) throw new UnsupportedOnnxException("LSTM with peepholes");
        bool relu = false;
        var acts = Strs(node, "activations").Select(a => a.ToLowerInvariant()).ToArray();
        string[] expected = kind switch { Kind.Gru => ["sigmoid", "tanh"], Kind.Lstm => ["sigmoid", "tanh", "tanh"], _ => ["tanh"] };
        if (kind == Kind.Rnn && acts is ["relu"]) relu = true;
        else if (acts.Length > 0 && !acts.SequenceEqual(expected)) throw new UnsupportedOnnxException($"{op} with activations {string.Join(", ", acts)}");
        bool lbr = Int(node, "linear_before_reset", 0) != 0;

        Val x = In(ins, 0, op), w = In(ins, 1, op), r = In(ins, 2, op);
        Val? b = Opt(ins, 3), h0 = Opt(ins, 5), c0 = kind == Kind.Lstm ? Opt(ins, 6) : null;
        if (w.Varies || r.Varies || b is { Varies: true }) throw new UnsupportedOnnxException($"{op} whose weights depend on the input");
        if (x.Rank != 3 || w.Rank != 3 || r.Rank != 3 || w.Shape[0] != 1) throw new UnsupportedOnnxException($"{op} of shapes other than PyTorch's");
        int seq = x.Shape[0], batch = x.Shape[1], input = x.Shape[2];
        int hidden = r.Shape[2];
        if (w.Shape[1] != gates * hidden || w.Shape[2] != input || r.Shape[1] != gates * hidden) throw new UnsupportedOnnxException($"{op} with weights {OnnxShape.Text(w.Shape)}");
        if (Opt(ins, 4) is { } lens && lens.Ints($"{op}'s sequence_lens").Any(l => l != seq)) throw new UnsupportedOnnxException($"{op} with sequence_lens");
        int gh = gates * hidden;
        double[] wb = new double[gh], rb = new double[gh];
        if (b is not null)
        {
            if (b.Size != 2 * gh) throw new UnsupportedOnnxException($"{op} with bias {OnnxShape.Text(b.Shape)}");
            Array.Copy(b.Data, 0, wb, 0, gh);
            Array.Copy(b.Data, gh, rb, 0, gh);
        }
        Val?[] states = [x, h0, c0];
        bool varies = states.Any(v => v is { Varies: true });
        int lanes = varies ? states.First(v => v is { Varies: true })!.Lanes : 1;
        Val? tx = tins[0], th0 = Opt(tins, 5), tc0 = kind == Kind.Lstm ? Opt(tins, 6) : null;
        bool tangents = tx is not null || th0 is not null || tc0 is not null;
        int k = tangents ? c.TangentsPerPoint : 0;

        int stepSize = batch * hidden;
        var y = new double[lanes * seq * stepSize];
        var yh = new double[lanes * stepSize];
        var yc = new double[lanes * stepSize];
        var ty = new double[lanes * k * seq * stepSize];
        var tyh = new double[lanes * k * stepSize];
        var tyc = new double[lanes * k * stepSize];

        var h = new double[hidden];
        var cs = new double[hidden];
        var gxs = new double[gh];
        var ghs = new double[gh];
        var gate = new double[gh];
        var hn = new double[hidden];
        var rh = new double[hidden];
        var th = new double[k * hidden];
        var tcs = new double[k * hidden];
        var tgx = new double[gh];
        var tgh = new double[gh];
        var tmp = new double[hidden];
        var dg = new double[gh];
        var tnew = new double[hidden];
        var tcnew = new double[hidden];

        for (int l = 0; l < lanes; l++)
            for (int bt = 0; bt < batch; bt++)
            {
                Load(h0, l, bt, h);
                Load(c0, l, bt, cs);
                for (int j = 0; j < k; j++)
                {
                    Load(th0, l * k + j, bt, th.AsSpan(j * hidden, hidden));
                    Load(tc0, l * k + j, bt, tcs.AsSpan(j * hidden, hidden));
                }
                for (int t = 0; t < seq; t++)
                {
                    ReadOnlySpan<double> xt = x.Lane(l).Slice((t * batch + bt) * input, input);
                    MatVec(w.Data, gh, input, xt, wb, gxs);
                    MatVec(r.Data, gh, hidden, h, rb, ghs);
                    switch (kind)
                    {
                        case Kind.Gru:
                            for (int i = 0; i < 2 * hidden; i++) gate[i] = Logistic(gxs[i] + ghs[i]);
                            if (lbr)
                                for (int i = 0; i < hidden; i++) gate[2 * hidden + i] = Math.Tanh(gxs[2 * hidden + i] + gate[hidden + i] * ghs[2 * hidden + i]);
                            else
                            {
                                for (int i = 0; i < hidden; i++) rh[i] = gate[hidden + i] * h[i];
                                MatVecRows(r.Data, 2 * hidden, hidden, hidden, rh, rb.AsSpan(2 * hidden, hidden), tmp);
                                for (int i = 0; i < hidden; i++) gate[2 * hidden + i] = Math.Tanh(gxs[2 * hidden + i] + tmp[i]);
                            }
                            for (int i = 0; i < hidden; i++) hn[i] = (1 - gate[i]) * gate[2 * hidden + i] + gate[i] * h[i];
                            break;
                        case Kind.Lstm:
                            for (int i = 0; i < gh; i++)
                            {
                                double s = gxs[i] + ghs[i];
                                gate[i] = i >= 3 * hidden ? Math.Tanh(s) : Logistic(s);
                            }
                            for (int i = 0; i < hidden; i++)
                            {
                                double cn = gate[2 * hidden + i] * cs[i] + gate[i] * gate[3 * hidden + i];
                                tmp[i] = cn;
                                hn[i] = gate[hidden + i] * Math.Tanh(cn);
                            }
                            break;
                        default:
                            for (int i = 0; i < hidden; i++)
                            {
                                double s = gxs[i] + ghs[i];
                                gate[i] = relu ? Math.Max(s, 0) : Math.Tanh(s);
                                hn[i] = gate[i];
                            }
                            break;
                    }
                    // Tangents of this step, from the gate values just computed and the previous h, c.
                    for (int j = 0; j < k; j++)
                    {
                        Span<double> dh = th.AsSpan(j * hidden, hidden), dc = tcs.AsSpan(j * hidden, hidden);
                        if (tx is not null) MatVec(w.Data, gh, input, tx.Lane(l * k + j).Slice((t * batch + bt) * input, input), null, tgx);
                        else Array.Clear(tgx);
                        MatVec(r.Data, gh, hidden, dh, null, tgh);
                        switch (kind)
                        {
                            case Kind.Gru:
                                for (int i = 0; i < 2 * hidden; i++) dg[i] = gate[i] * (1 - gate[i]) * (tgx[i] + tgh[i]);
                                if (lbr)
                                    for (int i = 0; i < hidden; i++)
                                    {
                                        double n = gate[2 * hidden + i];
                                        dg[2 * hidden + i] = (1 - n * n) * (tgx[2 * hidden + i] + dg[hidden + i] * ghs[2 * hidden + i] + gate[hidden + i] * tgh[2 * hidden + i]);
                                    }
                                else
                                {
                                    for (int i = 0; i < hidden; i++) rh[i] = dg[hidden + i] * h[i] + gate[hidden + i] * dh[i];
                                    MatVecRows(r.Data, 2 * hidden, hidden, hidden, rh, default, tmp);
                                    for (int i = 0; i < hidden; i++)
                                    {
                                        double n = gate[2 * hidden + i];
                                        dg[2 * hidden + i] = (1 - n * n) * (tgx[2 * hidden + i] + tmp[i]);
                                    }
                                }
                                for (int i = 0; i < hidden; i++)
                                    tnew[i] = dg[i] * (h[i] - gate[2 * hidden + i]) + (1 - gate[i]) * dg[2 * hidden + i] + gate[i] * dh[i];
                                break;
                            case Kind.Lstm:
                                for (int i = 0; i < gh; i++)
                                {
                                    double g = gate[i], s = tgx[i] + tgh[i];
                                    dg[i] = i >= 3 * hidden ? (1 - g * g) * s : g * (1 - g) * s;
                                }
                                for (int i = 0; i < hidden; i++)
                                {
                                    double dcn = dg[2 * hidden + i] * cs[i] + gate[2 * hidden + i] * dc[i] + dg[i] * gate[3 * hidden + i] + gate[i] * dg[3 * hidden + i];
                                    double tc = Math.Tanh(tmp[i]);
                                    tcnew[i] = dcn;
                                    tnew[i] = dg[hidden + i] * tc + gate[hidden + i] * (1 - tc * tc) * dcn;
                                }
                                tcnew.CopyTo(dc);
                                break;
                            default:
                                for (int i = 0; i < hidden; i++)
                                {
                                    double s = tgx[i] + tgh[i];
                                    tnew[i] = relu ? (gate[i] > 0 ? s : 0) : (1 - gate[i] * gate[i]) * s;
                                }
                                break;
                        }
                        tnew.CopyTo(dh);
                        dh.CopyTo(ty.AsSpan(((l * k + j) * seq + t) * stepSize + bt * hidden, hidden));
                    }
                    hn.CopyTo(h, 0);
                    if (kind == Kind.Lstm) tmp.CopyTo(cs, 0);
                    h.CopyTo(y.AsSpan((l * seq + t) * stepSize + bt * hidden, hidden));
                }
                h.CopyTo(yh.AsSpan(l * stepSize + bt * hidden, hidden));
                cs.CopyTo(yc.AsSpan(l * stepSize + bt * hidden, hidden));
                for (int j = 0; j < k; j++)
                {
                    th.AsSpan(j * hidden, hidden).CopyTo(tyh.AsSpan((l * k + j) * stepSize + bt * hidden, hidden));
                    tcs.AsSpan(j * hidden, hidden).CopyTo(tyc.AsSpan((l * k + j) * stepSize + bt * hidden, hidden));
                }
            }
        outs[0] = new Val([seq, 1, batch, hidden], y, lanes, varies);
        if (outs.Length > 1) outs[1] = new Val([1, batch, hidden], yh, lanes, varies);
        if (outs.Length > 2 && kind == Kind.Lstm) outs[2] = new Val([1, batch, hidden], yc, lanes, varies);
        if (!tangents) return;
        touts[0] = new Val([seq, 1, batch, hidden], ty, lanes * k, true);
        if (touts.Length > 1) touts[1] = new Val([1, batch, hidden], tyh, lanes * k, true);
        if (touts.Length > 2 && kind == Kind.Lstm) touts[2] = new Val([1, batch, hidden], tyc, lanes * k, true);
    }

    /// <summary>Batch row <paramref name="bt"/> of an initial state [1, batch, H] in lane <paramref name="lane"/>, or zeros.</summary>
    private static void Load(Val? v, int lane, int bt, Span<double> into)
    {
        if (v is null) { into.Clear(); return; }
        v.Lane(lane).Slice(bt * into.Length, into.Length).CopyTo(into);
    }

    /// <summary>out = M·v + bias for M [rows × cols] row-major (the whole gate block).</summary>
    private static void MatVec(double[] m, int rows, int cols, ReadOnlySpan<double> v, double[]? bias, Span<double> output) =>
        MatVecRows(m, 0, rows, cols, v, bias, output);

    private static void MatVecRows(double[] m, int firstRow, int rows, int cols, ReadOnlySpan<double> v, ReadOnlySpan<double> bias, Span<double> output)
    {
        for (int i = 0; i < rows; i++)
        {
            double acc = bias.IsEmpty ? 0 : bias[i];
            ReadOnlySpan<double> row = m.AsSpan((firstRow + i) * cols, cols);
            for (int j = 0; j < cols; j++) acc = Math.FusedMultiplyAdd(row[j], v[j], acc);
            output[i] = acc;
        }
    }
}
