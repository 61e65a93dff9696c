namespace Fixpoint.Onnx;

/// <summary>
/// A tensor of the interpreter: its shape as the graph sees it (one point, the graph's batch dimension at 1)
/// and <see cref="Lanes"/> copies of it, one per point or per tangent, stored lane after lane. A value that does
/// not depend on the state (an initializer, a folded constant, a held input) has one lane and
/// <see cref="Varies"/> false, and is read by every lane.
/// </summary>
internal sealed class Val
{
    public Val(int[] shape, double[] data, int lanes, bool varies)
    {
        Shape = shape;
        Size = OnnxShape.Count(shape);
        Data = data;
        Lanes = lanes;
        Varies = varies;
        if (data.Length < (long)Size * lanes) throw new ArgumentException("data is shorter than lanes × size");
    }

    public int[] Shape { get; }
    public int Size { get; }
    public double[] Data { get; }
    public int Lanes { get; }
    public bool Varies { get; }
    public int Rank => Shape.Length;

    public static Val Const(int[] shape, double[] data) => new(shape, data, 1, false);

    public static Val Scalar(double v) => new([], [v], 1, false);

    /// <summary>The values of lane <paramref name="lane"/> (every lane reads the one copy of a constant).</summary>
    public ReadOnlySpan<double> Lane(int lane) => Data.AsSpan(Varies ? lane * Size : 0, Size);

    /// <summary>The same data under another shape of the same size.</summary>
    public Val Reshaped(int[] shape) => new(shape, Data, Lanes, Varies);

    /// <summary>A constant as integers (shape operands: axes, pads, indices).</summary>
    public long[] Ints(string what)
    {
        if (Varies) throw new UnsupportedOnnxException($"{what} depends on the input");
        var r = new long[Size];
        for (int i = 0; i < Size; i++)
        {
            double v = Data[i];
            r[i] = double.IsPositiveInfinity(v) || v >= long.MaxValue ? long.MaxValue
                : double.IsNegativeInfinity(v) || v <= long.MinValue ? long.MinValue : (long)v;
        }
        return r;
    }
}

/// <summary>Why a graph cannot run natively: the op (and, when it is a variant of a covered op, which variant).</summary>
internal sealed class UnsupportedOnnxException(string reason) : Exception(reason);

internal static class OnnxShape
{
    public static int Count(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        if (n > int.MaxValue) throw new UnsupportedOnnxException($"a tensor of {n} values");
        return (int)n;
    }

    public static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    public static int Axis(long axis, int rank, string op)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1)) throw new UnsupportedOnnxException($"{op} with axis {axis} of a rank-{rank} tensor");
        return (int)a;
    }

    public static string Text(int[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Multidirectional (NumPy) broadcasting of two shapes.</summary>
    public static int[] Broadcast(int[] a, int[] b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1) throw new UnsupportedOnnxException($"{op} of shapes {Text(a)} and {Text(b)}");
            r[i] = da == 1 ? db : da;
        }
        return r;
    }

    /// <summary>For each element of a tensor of shape <paramref name="to"/>, the index of the element of <paramref name="from"/> that broadcasts to it.</summary>
    public static int[] BroadcastIndex(int[] from, int[] to)
    {
        int n = Count(to);
        var map = new int[n];
        int rank = to.Length, off = rank - from.Length;
        int[] fromStrides = Strides(from);
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++)
        {
            int src = 0;
            for (int d = off; d < rank; d++)
                if (from[d - off] != 1) src += idx[d] * fromStrides[d - off];
            map[i] = src;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++idx[d] < to[d]) break;
                idx[d] = 0;
            }
        }
        return map;
    }

    public static bool SameShape(int[] a, int[] b) => a.AsSpan().SequenceEqual(b);
}
