using static Fixpoint.Onnx.OnnxKernels;

namespace Fixpoint.Onnx;

internal static partial class OnnxOperators
{
    /// <summary>Y = α·A'·B' + β·C with B a constant (a layer's weights): all lanes' rows in one kernel call.</summary>
    private static void GemmOp(OnnxNode node, Val?[] ins, Val?[] tins, OnnxContext c, Val?[] outs, Val?[] touts)
    {
        Val a = In(ins, 0, "Gemm"), b = In(ins, 1, "Gemm");
        Val? cc = Opt(ins, 2);
        if (b.Varies) throw new UnsupportedOnnxException("Gemm whose B depends on the input");
        if (a.Rank != 2 || b.Rank != 2) throw new UnsupportedOnnxException("Gemm of tensors that are not matrices");
        bool ta = Int(node, "transA", 0) != 0, tb = Int(node, "transB", 0) != 0;
        double alpha = Float(node, "alpha", 1), beta = Float(node, "beta", 1);
        int m = ta ? a.Shape[1] : a.Shape[0], k = ta ? a.Shape[0] : a.Shape[1];
        int kb = tb ? b.Shape[1] : b.Shape[0], n = tb ? b.Shape[0] : b.Shape[1];
        if (k != kb) throw new UnsupportedOnnxException($"Gemm of {OnnxShape.Text(a.Shape)} and {OnnxShape.Text(b.Shape)}");
        var wt = new double[k * n];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++)
                wt[i * n + j] = alpha * (tb ? b.Data[j * k + i] : b.Data[i * n + j]);
        var bias = new double[n];
        bool cInBias = false;
        if (cc is { Varies: false } && (cc.Rank <= 1 || cc.Rank == 2 && cc.Shape[0] == 1) && (cc.Size == n || cc.Size == 1))
        {
            for (int j = 0; j < n; j++) bias[j] = beta * cc.Data[cc.Size == 1 ? 0 : j];
            cInBias = true;
        }
        int[] shape = [m, n];
        Val y = Product(a, m, k, ta, wt, n, bias, shape);
        if (cc is not null && !cInBias) y = Zip(y, cc, (p, q) => p + beta * q, "Gemm");
        outs[0] = y;
        Val? t = tins[0] is { } tA ? Product(tA, m, k, ta, wt, n, new double[n], shape) : null;
        if (cc is not null && Opt(tins, 2) is { } tC) t = Zip(t ?? Zeros(shape, c.TangentLanes), tC, (p, q) => p + beta * q, "Gemm");
        touts[0] = t;
    }

    private static Val Product(Val a, int m, int k, bool transA, double[] wt, int n, double[] bias, int[] shape)
    {
        double[] x = a.Data;
        if (transA)
        {
            x = new double[a.Lanes * m * k];
            for (int l = 0; l < a.Lanes; l++)
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < m; j++)
                        x[l * m * k + j * k + i] = a.Data[l * m * k + i * m + j];
        }
        return new Val(shape, Affine(x, a.Lanes * m, k, wt, n, bias), a.Lanes, a.Varies);
    }

    /// <summary>MatMul with a constant right operand of rank 1 or 2 (PyTorch's Linear on a rank-3 input exports MatMul then Add).</summary>
    private static void MatMulOp(Val?[] ins, Val?[] tins, Val?[] outs, Val?[] touts)
    {
        Val a = In(ins, 0, "MatMul"), b = In(ins, 1, "MatMul");
        if (b.Varies) throw new UnsupportedOnnxException("MatMul whose right operand depends on the input");
        if (b.Rank is < 1 or > 2) throw new UnsupportedOnnxException($"MatMul with a rank-{b.Rank} right operand");
        if (a.Rank < 1) throw new UnsupportedOnnxException("MatMul of a scalar");
        int k = a.Shape[^1];
        int n = b.Rank == 2 ? b.Shape[1] : 1;
        if ((b.Rank == 2 ? b.Shape[0] : b.Shape[0]) != k) throw new UnsupportedOnnxException($"MatMul of {OnnxShape.Text(a.Shape)} and {OnnxShape.Text(b.Shape)}");
        int rows = a.Size / Math.Max(k, 1);
        int[] shape = b.Rank == 2 ? [.. a.Shape[..^1], n] : a.Shape[..^1];
        var bias = new double[n];
        outs[0] = new Val(shape, Affine(a.Data, a.Lanes * rows, k, b.Data, n, bias), a.Lanes, a.Varies);
        if (tins[0] is { } t) touts[0] = new Val(shape, Affine(t.Data, t.Lanes * rows, k, b.Data, n, bias), t.Lanes, true);
    }

    /// <summary>The axes a reduction runs over (attribute in ReduceMean up to opset 17, input in ReduceSum from opset 13).</summary>
    private static void Reduce(OnnxNode node, Val?[] ins, Val?[] tins, Val?[] outs, Val?[] touts, OnnxContext c)
    {
        string op = node.OpType;
        Val a = In(ins, 0, op);
        long[]? axes = Ints(node, "axes");
        if ((axes is null || axes.Length == 0) && Opt(ins, 1) is { } ax) axes = ax.Ints($"{op}'s axes");
        bool keep = Int(node, "keepdims", 1) != 0;
        if (axes is null || axes.Length == 0)
        {
            if (Int(node, "noop_with_empty_axes", 0) != 0) { outs[0] = a; touts[0] = tins[0]; return; }
            axes = [.. Enumerable.Range(0, a.Rank).Select(i => (long)i)];
        }
        var reduced = new bool[a.Rank];
        foreach (long x in axes) reduced[OnnxShape.Axis(x, a.Rank, op)] = true;
        int[] keptShape = [.. a.Shape.Select((d, i) => reduced[i] ? 1 : d)];
        int[] outShape = keep ? keptShape : [.. a.Shape.Where((_, i) => !reduced[i])];
        int outSize = OnnxShape.Count(keptShape);
        int[] target = OnnxShape.BroadcastIndex(keptShape, a.Shape);
        double scale = op == "ReduceMean" ? (double)outSize / a.Size : 1.0;
        outs[0] = Sum(a);
        if (tins[0] is { } t) touts[0] = Sum(t);

        Val Sum(Val v)
        {
            var data = new double[v.Lanes * outSize];
            for (int l = 0; l < v.Lanes; l++)
            {
                ReadOnlySpan<double> x = v.Lane(l);
                Span<double> z = data.AsSpan(l * outSize, outSize);
                for (int i = 0; i < x.Length; i++) z[target[i]] += x[i];
                for (int i = 0; i < outSize; i++) z[i] *= scale;
            }
            return new Val(outShape, data, v.Lanes, v.Varies);
        }
    }

    /// <summary>
    /// LayerNormalization (opset 17): y = (x − μ)/σ·γ + β over the axes from <c>axis</c> on, σ = √(var + ε);
    /// tangent γ/σ·(t − mean(t) − x̂·mean(x̂·t)).
    /// </summary>
    private static void LayerNorm(OnnxNode node, Val?[] ins, Val?[] tins, OnnxContext c, Val?[] outs, Val?[] touts)
    {
        Val x = In(ins, 0, "LayerNormalization"), g = In(ins, 1, "LayerNormalization");
        Val? bias = Opt(ins, 2);
        if (g.Varies || bias is { Varies: true }) throw new UnsupportedOnnxException("LayerNormalization whose scale depends on the input");
        if (node.Outputs.Skip(1).Any(o => o.Length > 0)) throw new UnsupportedOnnxException("LayerNormalization with mean or inverse-deviation outputs");
        int axis = OnnxShape.Axis(Int(node, "axis", -1), x.Rank, "LayerNormalization");
        double eps = Float(node, "epsilon", 1e-5);
        int inner = OnnxShape.Count(x.Shape.AsSpan(axis)), outer = x.Size / Math.Max(inner, 1);
        int[] normShape = x.Shape[axis..];
        double[] gamma = BroadcastTo(g, normShape).Data, beta = bias is null ? new double[inner] : BroadcastTo(bias, normShape).Data;
        var y = new double[x.Lanes * x.Size];
        var xhat = new double[x.Lanes * x.Size];
        var inv = new double[x.Lanes * outer];
        for (int l = 0; l < x.Lanes; l++)
        {
            ReadOnlySpan<double> xl = x.Lane(l);
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<double> v = xl.Slice(o * inner, inner);
                double mean = 0;
                foreach (double e in v) mean += e;
                mean /= inner;
                double var = 0;
                foreach (double e in v) var += (e - mean) * (e - mean);
                var /= inner;
                double s = 1 / Math.Sqrt(var + eps);
                inv[l * outer + o] = s;
                int at = l * x.Size + o * inner;
                for (int i = 0; i < inner; i++)
                {
                    double h = (v[i] - mean) * s;
                    xhat[at + i] = h;
                    y[at + i] = h * gamma[i] + beta[i];
                }
            }
        }
        outs[0] = new Val(x.Shape, y, x.Lanes, x.Varies);
        if (tins[0] is not { } t) return;
        int k = c.TangentsPerPoint;
        var ty = new double[t.Lanes * t.Size];
        for (int l = 0; l < t.Lanes; l++)
        {
            int p = x.Varies ? l / k : 0;
            ReadOnlySpan<double> tl = t.Lane(l);
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<double> v = tl.Slice(o * inner, inner);
                int at = p * x.Size + o * inner;
                double mt = 0, mht = 0;
                for (int i = 0; i < inner; i++) { mt += v[i]; mht += xhat[at + i] * v[i]; }
                mt /= inner;
                mht /= inner;
                double s = inv[p * outer + o];
                for (int i = 0; i < inner; i++) ty[l * t.Size + o * inner + i] = gamma[i] * s * (v[i] - mt - xhat[at + i] * mht);
            }
        }
        touts[0] = new Val(x.Shape, ty, t.Lanes, true);
    }

    /// <summary>BatchNormalization in inference mode: per channel (axis 1) y = (x − mean)/√(var + ε)·scale + B, affine in x.</summary>
    private static void BatchNorm(OnnxNode node, Val?[] ins, Val?[] tins, Val?[] outs, Val?[] touts)
    {
        Val x = In(ins, 0, "BatchNormalization");
        Val scale = In(ins, 1, "BatchNormalization"), b = In(ins, 2, "BatchNormalization"), mean = In(ins, 3, "BatchNormalization"), var = In(ins, 4, "BatchNormalization");
        if (scale.Varies || b.Varies || mean.Varies || var.Varies) throw new UnsupportedOnnxException("BatchNormalization whose statistics depend on the input");
        if (Int(node, "training_mode", 0) != 0 || node.Outputs.Skip(1).Any(o => o.Length > 0)) throw new UnsupportedOnnxException("BatchNormalization in training mode");
        if (x.Rank < 2) throw new UnsupportedOnnxException("BatchNormalization of a rank-1 tensor");
        double eps = Float(node, "epsilon", 1e-5);
        int ch = x.Shape[1], inner = OnnxShape.Count(x.Shape.AsSpan(2)), outer = x.Shape[0];
        var mul = new double[ch];
        var add = new double[ch];
        for (int j = 0; j < ch; j++)
        {
            mul[j] = scale.Data[j] / Math.Sqrt(var.Data[j] + eps);
            add[j] = b.Data[j] - mean.Data[j] * mul[j];
        }
        outs[0] = Apply(x, true);
        if (tins[0] is { } t) touts[0] = Apply(t, false);

        Val Apply(Val v, bool withShift)
        {
            var data = new double[v.Lanes * v.Size];
            for (int l = 0; l < v.Lanes; l++)
            {
                ReadOnlySpan<double> s = v.Lane(l);
                for (int o = 0; o < outer; o++)
                    for (int j = 0; j < ch; j++)
                        for (int i = 0; i < inner; i++)
                        {
                            int at = (o * ch + j) * inner + i;
                            data[l * v.Size + at] = s[at] * mul[j] + (withShift ? add[j] : 0);
                        }
            }
            return new Val(v.Shape, data, v.Lanes, v.Varies);
        }
    }

    private readonly record struct Conv2D(int Batch, int InC, int H, int W, int OutC, int KH, int KW, int Group,
        int SH, int SW, int DH, int DW, int PadTop, int PadLeft, int OutH, int OutW);

    private static (int[] Pads, int[] Strides, int[] Dilations) ConvAttributes(OnnxNode node, string op)
    {
        string autoPad = Str(node, "auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID")) throw new UnsupportedOnnxException($"{op} with auto_pad {autoPad}");
        int[] pads = Dims(Ints(node, "pads") ?? [0, 0, 0, 0]);
        int[] strides = Dims(Ints(node, "strides") ?? [1, 1]);
        int[] dil = Dims(Ints(node, "dilations") ?? [1, 1]);
        if (pads.Length != 4 || strides.Length != 2 || dil.Length != 2) throw new UnsupportedOnnxException($"{op} other than 2-D");
        return (pads, strides, dil);
    }

    /// <summary>2-D convolution (NCHW, groups, padding, stride, dilation); affine in x, so the tangent is the convolution without bias.</summary>
    private static void Conv(OnnxNode node, Val?[] ins, Val?[] tins, Val?[] outs, Val?[] touts)
    {
        Val x = In(ins, 0, "Conv"), w = In(ins, 1, "Conv");
        Val? b = Opt(ins, 2);
        if (w.Varies || b is { Varies: true }) throw new UnsupportedOnnxException("Conv whose weights depend on the input");
        if (x.Rank != 4 || w.Rank != 4) throw new UnsupportedOnnxException("Conv other than 2-D");
        var (pads, strides, dil) = ConvAttributes(node, "Conv");
        int group = (int)Int(node, "group", 1);
        int outC = w.Shape[0], kh = w.Shape[2], kw = w.Shape[3];
        if (x.Shape[1] != w.Shape[1] * group || outC % group != 0) throw new UnsupportedOnnxException($"Conv of {OnnxShape.Text(x.Shape)} with weights {OnnxShape.Text(w.Shape)} in {group} groups");
        int oh = (x.Shape[2] + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) / strides[0] + 1;
        int ow = (x.Shape[3] + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) / strides[1] + 1;
        var g = new Conv2D(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], outC, kh, kw, group, strides[0], strides[1], dil[0], dil[1], pads[0], pads[1], oh, ow);
        int[] shape = [g.Batch, outC, oh, ow];
        outs[0] = ConvLanes(x, w.Data, b?.Data, g, shape);
        if (tins[0] is { } t) touts[0] = ConvLanes(t, w.Data, null, g, shape);
    }

    private static Val ConvLanes(Val x, double[] w, double[]? bias, Conv2D g, int[] shape)
    {
        int outSize = OnnxShape.Count(shape);
        var data = new double[x.Lanes * outSize];
        int cin = g.InC / g.Group, cout = g.OutC / g.Group;
        for (int l = 0; l < x.Lanes; l++)
        {
            ReadOnlySpan<double> xs = x.Lane(l);
            Span<double> ys = data.AsSpan(l * outSize, outSize);
            for (int nb = 0; nb < g.Batch; nb++)
                for (int m = 0; m < g.OutC; m++)
                {
                    int grp = m / cout;
                    for (int i = 0; i < g.OutH; i++)
                        for (int j = 0; j < g.OutW; j++)
                        {
                            double acc = bias?[m] ?? 0;
                            for (int ci = 0; ci < cin; ci++)
                            {
                                int chIn = grp * cin + ci;
                                for (int a = 0; a < g.KH; a++)
                                {
                                    int r = i * g.SH - g.PadTop + a * g.DH;
                                    if (r < 0 || r >= g.H) continue;
                                    for (int bb = 0; bb < g.KW; bb++)
                                    {
                                        int q = j * g.SW - g.PadLeft + bb * g.DW;
                                        if (q < 0 || q >= g.W) continue;
                                        acc = Math.FusedMultiplyAdd(w[((m * cin + ci) * g.KH + a) * g.KW + bb], xs[((nb * g.InC + chIn) * g.H + r) * g.W + q], acc);
                                    }
                                }
                            }
                            ys[((nb * g.OutC + m) * g.OutH + i) * g.OutW + j] = acc;
                        }
                }
        }
        return new Val(shape, data, x.Lanes, x.Varies);
    }

    /// <summary>2-D transposed convolution: weights [C, M/group, kH, kW]; out = s·(in − 1) + output_padding + d·(k − 1) + 1 − pads.</summary>
    private static void ConvTranspose(OnnxNode node, Val?[] ins, Val?[] tins, Val?[] outs, Val?[] touts)
    {
        Val x = In(ins, 0, "ConvTranspose"), w = In(ins, 1, "ConvTranspose");
        Val? b = Opt(ins, 2);
        if (w.Varies || b is { Varies: true }) throw new UnsupportedOnnxException("ConvTranspose whose weights depend on the input");
        if (x.Rank != 4 || w.Rank != 4) throw new UnsupportedOnnxException("ConvTranspose other than 2-D");
        if (node.Attributes.ContainsKey("output_shape")) throw new UnsupportedOnnxException("ConvTranspose with output_shape");
        var (pads, strides, dil) = ConvAttributes(node, "ConvTranspose");
        int[] outPad = Dims(Ints(node, "output_padding") ?? [0, 0]);
        int group = (int)Int(node, "group", 1);
        int cin = x.Shape[1], kh = w.Shape[2], kw = w.Shape[3], outC = w.Shape[1] * group;
        if (w.Shape[0] != cin || cin % group != 0) throw new UnsupportedOnnxException($"ConvTranspose of {OnnxShape.Text(x.Shape)} with weights {OnnxShape.Text(w.Shape)}");
        int oh = strides[0] * (x.Shape[2] - 1) + outPad[0] + (kh - 1) * dil[0] + 1 - pads[0] - pads[2];
        int ow = strides[1] * (x.Shape[3] - 1) + outPad[1] + (kw - 1) * dil[1] + 1 - pads[1] - pads[3];
        var g = new Conv2D(x.Shape[0], cin, x.Shape[2], x.Shape[3], outC, kh, kw, group, strides[0], strides[1], dil[0], dil[1], pads[0], pads[1], oh, ow);
        int[] shape = [g.Batch, outC, oh, ow];
        outs[0] = Deconv(x, w.Data, b?.Data, g, shape);
        if (tins[0] is { } t) touts[0] = Deconv(t, w.Data, null, g, shape);
    }

    private static Val Deconv(Val x, double[] w, double[]? bias, Conv2D g, int[] shape)
    {
        int outSize = OnnxShape.Count(shape);
        var data = new double[x.Lanes * outSize];
        int cin = g.InC / g.Group, cout = g.OutC / g.Group;
        for (int l = 0; l < x.Lanes; l++)
        {
            ReadOnlySpan<double> xs = x.Lane(l);
            Span<double> ys = data.AsSpan(l * outSize, outSize);
            for (int nb = 0; nb < g.Batch; nb++)
            {
                for (int m = 0; m < g.OutC; m++)
                    ys.Slice(((nb * g.OutC) + m) * g.OutH * g.OutW, g.OutH * g.OutW).Fill(bias?[m] ?? 0);
                for (int c = 0; c < g.InC; c++)
                {
                    int grp = c / cin;
                    for (int i = 0; i < g.H; i++)
                        for (int j = 0; j < g.W; j++)
                        {
                            double v = xs[((nb * g.InC + c) * g.H + i) * g.W + j];
                            for (int mo = 0; mo < cout; mo++)
                            {
                                int m = grp * cout + mo;
                                for (int a = 0; a < g.KH; a++)
                                {
                                    int r = i * g.SH - g.PadTop + a * g.DH;
                                    if (r < 0 || r >= g.OutH) continue;
                                    for (int bb = 0; bb < g.KW; bb++)
                                    {
                                        int q = j * g.SW - g.PadLeft + bb * g.DW;
                                        if (q < 0 || q >= g.OutW) continue;
                                        int at = ((nb * g.OutC + m) * g.OutH + r) * g.OutW + q;
                                        ys[at] = Math.FusedMultiplyAdd(w[((c * cout + mo) * g.KH + a) * g.KW + bb], v, ys[at]);
                                    }
                                }
                            }
                        }
                }
            }
        }
        return new Val(shape, data, x.Lanes, x.Varies);
    }

    /// <summary>AveragePool 2-D (count_include_pad as given; ceil_mode 0); linear in x.</summary>
    private static void AveragePool(OnnxNode node, Val?[] ins, Val?[] tins, Val?[] outs, Val?[] touts)
    {
        Val x = In(ins, 0, "AveragePool");
        if (x.Rank != 4) throw new UnsupportedOnnxException("AveragePool other than 2-D");
        if (Int(node, "ceil_mode", 0) != 0) throw new UnsupportedOnnxException("AveragePool with ceil_mode");
        string autoPad = Str(node, "auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID")) throw new UnsupportedOnnxException($"AveragePool with auto_pad {autoPad}");
        int[] k = Dims(Ints(node, "kernel_shape") ?? throw new UnsupportedOnnxException("AveragePool without kernel_shape"));
        int[] pads = Dims(Ints(node, "pads") ?? [0, 0, 0, 0]);
        int[] s = Dims(Ints(node, "strides") ?? [1, 1]);
        bool includePad = Int(node, "count_include_pad", 0) != 0;
        int nb = x.Shape[0], ch = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int oh = (h + pads[0] + pads[2] - k[0]) / s[0] + 1, ow = (w + pads[1] + pads[3] - k[1]) / s[1] + 1;
        int[] shape = [nb, ch, oh, ow];
        outs[0] = Pool(x);
        if (tins[0] is { } t) touts[0] = Pool(t);

        Val Pool(Val v)
        {
            int outSize = OnnxShape.Count(shape);
            var data = new double[v.Lanes * outSize];
            for (int l = 0; l < v.Lanes; l++)
            {
                ReadOnlySpan<double> xs = v.Lane(l);
                for (int plane = 0; plane < nb * ch; plane++)
                    for (int i = 0; i < oh; i++)
                        for (int j = 0; j < ow; j++)
                        {
                            double acc = 0;
                            int count = 0;
                            for (int a = 0; a < k[0]; a++)
                                for (int b = 0; b < k[1]; b++)
                                {
                                    int r = i * s[0] - pads[0] + a, q = j * s[1] - pads[1] + b;
                                    bool inside = r >= 0 && r < h && q >= 0 && q < w;
                                    if (inside) acc += xs[(plane * h + r) * w + q];
                                    if (inside || includePad && r < h + pads[2] && q < w + pads[3]) count++;
                                }
                            data[l * outSize + (plane * oh + i) * ow + j] = acc / count;
                        }
            }
            return new Val(shape, data, v.Lanes, v.Varies);
        }
    }

    /// <summary>Pad in constant mode (pads and the value as inputs from opset 11); the tangent pads with zeros.</summary>
    private static void Pad(OnnxNode node, Val?[] ins, Val?[] tins, Val?[] outs, Val?[] touts)
    {
        Val x = In(ins, 0, "Pad");
        string mode = Str(node, "mode", "constant");
        if (mode != "constant") throw new UnsupportedOnnxException($"Pad in {mode} mode");
        long[] pads = Opt(ins, 1) is { } p ? p.Ints("Pad's pads") : Ints(node, "pads") ?? [];
        double value = Opt(ins, 2) is { Size: 1, Varies: false } cv ? cv.Data[0] : 0;
        if (Opt(ins, 3) is not null) throw new UnsupportedOnnxException("Pad with axes");
        int r = x.Rank;
        if (pads.Length != 2 * r) throw new UnsupportedOnnxException($"Pad with {pads.Length} pads of a rank-{r} tensor");
        if (pads.Any(v => v < 0)) throw new UnsupportedOnnxException("Pad with negative pads");
        int[] shape = [.. x.Shape.Select((d, i) => d + (int)pads[i] + (int)pads[i + r])];
        int n = OnnxShape.Count(shape);
        var map = new int[n];
        int[] inStrides = OnnxShape.Strides(x.Shape);
        var idx = new int[r];
        for (int i = 0; i < n; i++)
        {
            int src = 0;
            for (int d = 0; d < r && src >= 0; d++)
            {
                int at = idx[d] - (int)pads[d];
                src = at < 0 || at >= x.Shape[d] ? -1 : src + at * inStrides[d];
            }
            map[i] = src;
            for (int d = r - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
        }
        outs[0] = Fill(x, value);
        if (tins[0] is { } t) touts[0] = Fill(t, 0);

        Val Fill(Val v, double pad)
        {
            var data = new double[v.Lanes * n];
            for (int l = 0; l < v.Lanes; l++)
            {
                ReadOnlySpan<double> xs = v.Lane(l);
                for (int i = 0; i < n; i++) data[l * n + i] = map[i] < 0 ? pad : xs[map[i]];
            }
            return new Val(shape, data, v.Lanes, v.Varies);
        }
    }
}
