using static Fixpoint.Onnx.OnnxKernels;

namespace Fixpoint.Onnx;

/// <summary>
/// The operators the interpreter covers, each with its value and its exact tangent (forward mode): the tangent
/// of a linear operator is the operator without its bias applied to the tangent lanes; of a nonlinear one, its
/// derivative at the primal value times the tangent. Semantics follow the ONNX operator specification for
/// opsets 13–17 (attributes and inputs as those opsets define them).
/// </summary>
internal static partial class OnnxOperators
{
    /// <summary>The ops of the native set, for messages and docs.</summary>
    public static readonly string[] Covered =
    [
        "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Neg", "Pow", "Sqrt", "Reciprocal", "Abs",
        "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Elu", "Selu", "Softplus", "Gelu", "Erf", "Sin", "Cos", "Exp", "Log", "Clip",
        "Identity", "Dropout", "Cast", "Constant", "ConstantOfShape", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat",
        "Reshape", "Flatten", "Transpose", "Slice", "Split", "Expand", "ReduceMean", "ReduceSum",
        "LayerNormalization", "BatchNormalization", "Conv", "ConvTranspose", "AveragePool", "Pad",
        "GRU", "LSTM", "RNN",
    ];

    /// <summary>Runs one node. <paramref name="ins"/>[i] is null for an omitted optional input; a null tangent is zero.</summary>
    public static void Run(OnnxNode node, Val?[] ins, Val?[] tins, OnnxContext c, Val?[] outs, Val?[] touts)
    {
        if (node.Domain.Length > 0 && node.Domain != "ai.onnx") throw new UnsupportedOnnxException($"{node.OpType} of domain {node.Domain}");
        string op = node.OpType;
        switch (op)
        {
            case "Add":
            case "Sub":
            {
                Val a = In(ins, 0, op), b = In(ins, 1, op);
                bool sub = op == "Sub";
                Val y = Zip(a, b, sub ? static (x, z) => x - z : static (x, z) => x + z, op);
                outs[0] = y;
                Val? ta = tins[0], tb = tins[1];
                if (ta is null && tb is null) return;
                if (tb is null) touts[0] = BroadcastTo(ta!, y.Shape);
                else
                {
                    Val nb = sub ? Map(tb, static v => -v) : tb;
                    touts[0] = ta is null ? BroadcastTo(nb, y.Shape) : Zip(ta, nb, static (x, z) => x + z, op);
                }
                return;
            }
            case "Mul":
            {
                Val a = In(ins, 0, op), b = In(ins, 1, op);
                outs[0] = Mul(a, b, op);
                Val? t1 = tins[0] is { } ta ? Mul(ta, c.ToTangentLanes(b), op) : null;
                Val? t2 = tins[1] is { } tb ? Mul(c.ToTangentLanes(a), tb, op) : null;
                if (t1 is not null || t2 is not null) touts[0] = BroadcastTo(Add(t1, t2, op), outs[0]!.Shape);
                return;
            }
            case "Div":
            {
                Val a = In(ins, 0, op), b = In(ins, 1, op);
                Val y = Zip(a, b, static (x, z) => x / z, op);
                outs[0] = y;
                if (tins[0] is null && tins[1] is null) return;
                // d(a/b) = (da − y·db) / b
                Val bt = c.ToTangentLanes(b);
                Val num = tins[1] is { } tb ? Zip(tins[0] is { } ta0 ? BroadcastTo(ta0, y.Shape) : Zeros(y.Shape, c.TangentLanes),
                    Mul(c.ToTangentLanes(y), tb, op), static (x, z) => x - z, op) : BroadcastTo(tins[0]!, y.Shape);
                touts[0] = Zip(num, bt, static (x, z) => x / z, op);
                return;
            }
            case "Pow":
            {
                Val a = In(ins, 0, op), b = In(ins, 1, op);
                Val y = Zip(a, b, Math.Pow, op);
                outs[0] = y;
                Val? t = null;
                if (tins[0] is { } ta)
                    t = Mul(ta, c.ToTangentLanes(Zip(a, b, static (x, e) => e == 2 ? 2 * x : e * Math.Pow(x, e - 1), op)), op);
                if (tins[1] is { } tb)
                    t = Add(t, Mul(tb, c.ToTangentLanes(Zip(y, a, static (p, x) => p * Math.Log(x), op)), op), op);
                touts[0] = t is null ? null : BroadcastTo(t, y.Shape);
                return;
            }
            case "Neg": Unary(ins, tins, outs, touts, c, op, static x => -x, static (_, _) => -1); return;
            case "Abs": Unary(ins, tins, outs, touts, c, op, Math.Abs, static (x, _) => x > 0 ? 1 : x < 0 ? -1 : 0); return;
            case "Sqrt": Unary(ins, tins, outs, touts, c, op, Math.Sqrt, static (_, y) => 0.5 / y); return;
            case "Reciprocal": Unary(ins, tins, outs, touts, c, op, static x => 1 / x, static (_, y) => -y * y); return;
            case "Exp": Unary(ins, tins, outs, touts, c, op, Math.Exp, static (_, y) => y); return;
            case "Log": Unary(ins, tins, outs, touts, c, op, Math.Log, static (x, _) => 1 / x); return;
            case "Sin": Unary(ins, tins, outs, touts, c, op, Math.Sin, static (x, _) => Math.Cos(x)); return;
            case "Cos": Unary(ins, tins, outs, touts, c, op, Math.Cos, static (x, _) => -Math.Sin(x)); return;
            case "Tanh": Unary(ins, tins, outs, touts, c, op, Math.Tanh, static (_, y) => 1 - y * y); return;
            case "Sigmoid": Unary(ins, tins, outs, touts, c, op, Logistic, static (_, y) => y * (1 - y)); return;
            case "Relu": Unary(ins, tins, outs, touts, c, op, static x => x > 0 ? x : 0, static (x, _) => x > 0 ? 1 : 0); return;
            case "Erf": Unary(ins, tins, outs, touts, c, op, MathNet.Numerics.SpecialFunctions.Erf, static (x, _) => 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x)); return;
            case "Softplus": Unary(ins, tins, outs, touts, c, op, Softplus, static (x, _) => Logistic(x)); return;
            case "LeakyRelu":
            {
                double alpha = Float(node, "alpha", 0.01);
                Unary(ins, tins, outs, touts, c, op, x => x >= 0 ? x : alpha * x, (x, _) => x >= 0 ? 1 : alpha);
                return;
            }
            case "Elu":
            {
                double alpha = Float(node, "alpha", 1.0);
                Unary(ins, tins, outs, touts, c, op, x => x >= 0 ? x : alpha * (Math.Exp(x) - 1), (x, _) => x >= 0 ? 1 : alpha * Math.Exp(x));
                return;
            }
            case "Selu":
            {
                double alpha = Float(node, "alpha", 1.67326319217681884765625), gamma = Float(node, "gamma", 1.05070102214813232421875);
                Unary(ins, tins, outs, touts, c, op, x => gamma * (x > 0 ? x : alpha * (Math.Exp(x) - 1)), (x, _) => gamma * (x > 0 ? 1 : alpha * Math.Exp(x)));
                return;
            }
            case "Gelu":
            {
                // Opset 20's Gelu; PyTorch 1.13 exports the Erf form as Div/Erf/Add/Mul, which run op by op.
                if (Str(node, "approximate", "none") == "tanh")
                {
                    const double k = 0.7978845608028654; // √(2/π)
                    Unary(ins, tins, outs, touts, c, op,
                        x => 0.5 * x * (1 + Math.Tanh(k * (x + 0.044715 * x * x * x))),
                        (x, _) =>
                        {
                            double u = k * (x + 0.044715 * x * x * x), t = Math.Tanh(u);
                            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x);
                        });
                }
                else
                    Unary(ins, tins, outs, touts, c, op,
                        x => 0.5 * x * (1 + MathNet.Numerics.SpecialFunctions.Erf(x / Math.Sqrt(2))),
                        (x, _) => 0.5 * (1 + MathNet.Numerics.SpecialFunctions.Erf(x / Math.Sqrt(2))) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI));
                return;
            }
            case "Clip":
            {
                double lo = ins.Length > 1 && ins[1] is { } l ? Scalar(l, "Clip min") : double.NegativeInfinity;
                double hi = ins.Length > 2 && ins[2] is { } h ? Scalar(h, "Clip max") : double.PositiveInfinity;
                Unary(ins, tins, outs, touts, c, op, x => Math.Clamp(x, lo, hi), (x, _) => x > lo && x < hi ? 1 : 0);
                return;
            }
            case "Identity":
            case "Dropout":
                outs[0] = In(ins, 0, op);
                touts[0] = tins[0];
                if (op == "Dropout" && node.Outputs.Count > 1 && node.Outputs[1].Length > 0) throw new UnsupportedOnnxException("Dropout with a mask output");
                return;
            case "Cast":
            {
                Val a = In(ins, 0, op);
                var to = (OnnxDataType)Int(node, "to", 1);
                if (to is OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16 or OnnxDataType.BFloat16)
                {
                    // The interpreter computes in float64 throughout: a cast between float types keeps the value.
                    outs[0] = a;
                    touts[0] = tins[0];
                    return;
                }
                if (a.Varies) throw new UnsupportedOnnxException($"Cast to {to} of a value that depends on the input");
                outs[0] = to == OnnxDataType.Bool ? Map(a, static v => v != 0 ? 1 : 0) : Map(a, Math.Truncate);
                return;
            }
            case "Constant":
                outs[0] = ConstantValue(node);
                return;
            case "ConstantOfShape":
            {
                int[] shape = Dims(In(ins, 0, op).Ints("ConstantOfShape's shape"));
                double v = node.Attributes.TryGetValue("value", out var va) && va.T?.Data is { Length: > 0 } d ? d[0] : 0;
                var data = new double[OnnxShape.Count(shape)];
                Array.Fill(data, v);
                outs[0] = Val.Const(shape, data);
                return;
            }
            case "Gemm": GemmOp(node, ins, tins, c, outs, touts); return;
            case "MatMul": MatMulOp(ins, tins, outs, touts); return;
            case "ReduceMean":
            case "ReduceSum": Reduce(node, ins, tins, outs, touts, c); return;
            case "LayerNormalization": LayerNorm(node, ins, tins, c, outs, touts); return;
            case "BatchNormalization": BatchNorm(node, ins, tins, outs, touts); return;
            case "Conv": Conv(node, ins, tins, outs, touts); return;
            case "ConvTranspose": ConvTranspose(node, ins, tins, outs, touts); return;
            case "AveragePool": AveragePool(node, ins, tins, outs, touts); return;
            case "Pad": Pad(node, ins, tins, outs, touts); return;
            case "GRU": Recurrent.Gru(node, ins, tins, c, outs, touts); return;
            case "LSTM": Recurrent.Lstm(node, ins, tins, c, outs, touts); return;
            case "RNN": Recurrent.Rnn(node, ins, tins, c, outs, touts); return;
            default:
                ShapeOp(node, ins, tins, outs, touts);
                return;
        }
    }

    internal static double Logistic(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    private static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    private static void Unary(Val?[] ins, Val?[] tins, Val?[] outs, Val?[] touts, OnnxContext c, string op,
        Func<double, double> f, Func<double, double, double> df)
    {
        Val a = In(ins, 0, op);
        Val y = Map(a, f);
        outs[0] = y;
        if (tins[0] is not { } t) return;
        Val d = Zip(a, y, df, op);
        touts[0] = Mul(c.ToTangentLanes(d), t, op);
    }

    internal static Val In(Val?[] ins, int i, string op) =>
        i < ins.Length && ins[i] is { } v ? v : throw new UnsupportedOnnxException($"{op} without its input {i}");

    internal static Val? Opt(Val?[] ins, int i) => i < ins.Length ? ins[i] : null;

    internal static double Float(OnnxNode n, string name, double fallback) =>
        n.Attributes.TryGetValue(name, out var a) && a.F is { } f ? f : fallback;

    internal static long Int(OnnxNode n, string name, long fallback) =>
        n.Attributes.TryGetValue(name, out var a) && a.I is { } i ? i : fallback;

    internal static long[]? Ints(OnnxNode n, string name) =>
        n.Attributes.TryGetValue(name, out var a) ? [.. a.Ints] : null;

    internal static string Str(OnnxNode n, string name, string fallback) =>
        n.Attributes.TryGetValue(name, out var a) && a.S is { } s ? s : fallback;

    internal static IReadOnlyList<string> Strs(OnnxNode n, string name) =>
        n.Attributes.TryGetValue(name, out var a) ? a.Strings : [];

    private static double Scalar(Val v, string what)
    {
        if (v.Varies) throw new UnsupportedOnnxException($"{what} depends on the input");
        if (v.Size != 1) throw new UnsupportedOnnxException($"{what} is not a scalar");
        return v.Data[0];
    }

    internal static int[] Dims(long[] d) => [.. d.Select(x => x is < 0 or > int.MaxValue ? throw new UnsupportedOnnxException($"dimension {x}") : (int)x)];

    private static Val ConstantValue(OnnxNode node)
    {
        foreach (var (name, a) in node.Attributes)
        {
            switch (name)
            {
                case "value":
                    OnnxTensor t = a.T ?? throw new UnsupportedOnnxException("Constant without a tensor");
                    if (t.Data is null) throw new UnsupportedOnnxException($"Constant of type {t.DataType}");
                    return Val.Const(Dims(t.Dims), t.Data);
                case "value_float": return Val.Scalar(a.F ?? 0);
                case "value_int": return Val.Scalar(a.I ?? 0);
                case "value_floats": return Val.Const([a.Floats.Count], [.. a.Floats.Select(f => (double)f)]);
                case "value_ints": return Val.Const([a.Ints.Count], [.. a.Ints.Select(i => (double)i)]);
            }
        }
        throw new UnsupportedOnnxException("Constant of a kind other than a tensor, float(s) or int(s)");
    }
}
