using Fixpoint.Numerics;

namespace Fixpoint.Onnx;

/// <summary>
/// How many lanes a run has: <see cref="Points"/> primal lanes and, for each, <see cref="TangentsPerPoint"/> tangent lanes
/// (tangent lane t belongs to point t / K), so that J·v for a whole block of directions is one pass over the graph.
/// </summary>
internal sealed class OnnxContext(int points, int tangentsPerPoint)
{
    public int Points { get; } = points;
    public int TangentsPerPoint { get; } = tangentsPerPoint;
    public int TangentLanes => Points * TangentsPerPoint;

    /// <summary>A primal value repeated for the tangent lanes of its point (a constant stays one lane).</summary>
    public Val ToTangentLanes(Val primal)
    {
        if (!primal.Varies) return primal;
        int k = TangentsPerPoint, size = primal.Size;
        var data = new double[TangentLanes * size];
        for (int p = 0; p < Points; p++)
        {
            ReadOnlySpan<double> src = primal.Lane(p);
            for (int j = 0; j < k; j++) src.CopyTo(data.AsSpan((p * k + j) * size, size));
        }
        return new Val(primal.Shape, data, TangentLanes, true);
    }
}

/// <summary>The elementwise, broadcasting, index-moving and affine building blocks the operators are written with.</summary>
internal static class OnnxKernels
{
    public static Val Map(Val a, Func<double, double> f)
    {
        var data = new double[a.Lanes * a.Size];
        ReadOnlySpan<double> src = a.Data.AsSpan(0, data.Length);
        for (int i = 0; i < data.Length; i++) data[i] = f(src[i]);
        return new Val(a.Shape, data, a.Lanes, a.Varies);
    }

    public static Val Zip(Val a, Val b, Func<double, double, double> f, string op)
    {
        if (a.Varies && b.Varies && a.Lanes != b.Lanes) throw new InvalidOperationException($"{op}: lanes {a.Lanes} and {b.Lanes}");
        int[] shape = OnnxShape.Broadcast(a.Shape, b.Shape, op);
        bool varies = a.Varies || b.Varies;
        int lanes = varies ? (a.Varies ? a.Lanes : b.Lanes) : 1;
        int n = OnnxShape.Count(shape);
        var data = new double[lanes * n];
        bool plainA = OnnxShape.SameShape(a.Shape, shape), plainB = OnnxShape.SameShape(b.Shape, shape);
        int[]? ia = plainA ? null : OnnxShape.BroadcastIndex(a.Shape, shape);
        int[]? ib = plainB ? null : OnnxShape.BroadcastIndex(b.Shape, shape);
        for (int l = 0; l < lanes; l++)
        {
            ReadOnlySpan<double> x = a.Lane(l), y = b.Lane(l);
            Span<double> z = data.AsSpan(l * n, n);
            for (int i = 0; i < n; i++) z[i] = f(x[ia is null ? i : ia[i]], y[ib is null ? i : ib[i]]);
        }
        return new Val(shape, data, lanes, varies);
    }

    public static Val BroadcastTo(Val a, int[] shape)
    {
        if (OnnxShape.SameShape(a.Shape, shape)) return a;
        int[] target = OnnxShape.Broadcast(a.Shape, shape, "Expand");
        int[] map = OnnxShape.BroadcastIndex(a.Shape, target);
        return Gather(a, target, map);
    }

    /// <summary>Output element i of every lane is input element <paramref name="map"/>[i] of that lane.</summary>
    public static Val Gather(Val a, int[] shape, int[] map)
    {
        int n = map.Length;
        var data = new double[a.Lanes * n];
        for (int l = 0; l < a.Lanes; l++)
        {
            ReadOnlySpan<double> x = a.Lane(l);
            Span<double> z = data.AsSpan(l * n, n);
            for (int i = 0; i < n; i++) z[i] = x[map[i]];
        }
        return new Val(shape, data, a.Lanes, a.Varies);
    }

    /// <summary>Like <see cref="Gather(Val, int[], int[])"/> from several inputs (Concat): element i comes from input <paramref name="source"/>[i].</summary>
    public static Val? GatherMany(IReadOnlyList<Val?> inputs, int[] shape, int[] source, int[] map)
    {
        Val? any = inputs.FirstOrDefault(v => v is { Varies: true }) ?? inputs.FirstOrDefault(v => v is not null);
        if (any is null) return null;
        bool varies = inputs.Any(v => v is { Varies: true });
        int lanes = varies ? any.Lanes : 1;
        int n = map.Length;
        var data = new double[lanes * n];
        for (int l = 0; l < lanes; l++)
        {
            Span<double> z = data.AsSpan(l * n, n);
            for (int i = 0; i < n; i++)
            {
                Val? v = inputs[source[i]];
                z[i] = v is null ? 0 : v.Lane(l)[map[i]];
            }
        }
        return new Val(shape, data, lanes, varies);
    }

    public static Val Zeros(int[] shape, int lanes) => new(shape, new double[lanes * OnnxShape.Count(shape)], lanes, true);

    /// <summary>
    /// Z = X·wt + bias over the rows of every lane (X: lanes × rows × k, wt: k × n row-major), through the
    /// project's affine kernel, so that every output is the same fma chain whatever the batch.
    /// </summary>
    public static double[] Affine(ReadOnlySpan<double> x, int rows, int k, double[] wt, int n, double[] bias)
    {
        var z = new double[rows * n];
        if (rows > 0) Gemm.AffineRows(x, rows, k, wt, n, bias, z);
        return z;
    }

    public static Val Add(Val? a, Val? b, string op)
    {
        if (a is null) return b!;
        if (b is null) return a;
        return Zip(a, b, static (x, y) => x + y, op);
    }

    public static Val Mul(Val a, Val b, string op) => Zip(a, b, static (x, y) => x * y, op);
}
