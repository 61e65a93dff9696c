using static Fixpoint.Onnx.OnnxKernels;

namespace Fixpoint.Onnx;

internal static partial class OnnxOperators
{
    /// <summary>
    /// The shape operators. Shapes are static (one point per lane), so Shape is a constant and whatever is computed
    /// from it folds; on values that vary they only move elements, and the tangent moves the same way.
    /// </summary>
    private static void ShapeOp(OnnxNode node, Val?[] ins, Val?[] tins, Val?[] outs, Val?[] touts)
    {
        string op = node.OpType;
        switch (op)
        {
            case "Shape":
            {
                Val a = In(ins, 0, op);
                int r = a.Rank;
                int start = Clamp(Int(node, "start", 0), r), end = Clamp(Int(node, "end", r), r);
                int[] dims = a.Shape[start..Math.Max(start, end)];
                outs[0] = Val.Const([dims.Length], [.. dims.Select(d => (double)d)]);
                return;
            }
            case "Reshape":
            {
                Val a = In(ins, 0, op);
                long[] want = In(ins, 1, op).Ints("Reshape's shape");
                bool allowZero = Int(node, "allowzero", 0) != 0;
                var shape = new int[want.Length];
                int infer = -1;
                long known = 1;
                for (int i = 0; i < want.Length; i++)
                {
                    long d = want[i] == 0 && !allowZero ? (i < a.Rank ? a.Shape[i] : throw new UnsupportedOnnxException("Reshape copying a missing dimension")) : want[i];
                    if (d == -1) { if (infer >= 0) throw new UnsupportedOnnxException("Reshape with two -1"); infer = i; continue; }
                    shape[i] = (int)d;
                    known *= d;
                }
                if (infer >= 0) shape[infer] = known == 0 ? 0 : (int)(a.Size / known);
                if (OnnxShape.Count(shape) != a.Size) throw new UnsupportedOnnxException($"Reshape of {OnnxShape.Text(a.Shape)} to {OnnxShape.Text(shape)}");
                Reshape(a, tins[0], shape, outs, touts);
                return;
            }
            case "Flatten":
            {
                Val a = In(ins, 0, op);
                int axis = (int)Int(node, "axis", 1);
                if (axis < 0) axis += a.Rank;
                int lead = OnnxShape.Count(a.Shape.AsSpan(0, axis));
                Reshape(a, tins[0], [lead, a.Size / Math.Max(lead, 1)], outs, touts);
                return;
            }
            case "Squeeze":
            {
                Val a = In(ins, 0, op);
                long[]? axes = Opt(ins, 1) is { } ax ? ax.Ints("Squeeze's axes") : Ints(node, "axes");
                var drop = new bool[a.Rank];
                if (axes is null || axes.Length == 0) for (int i = 0; i < a.Rank; i++) drop[i] = a.Shape[i] == 1;
                else foreach (long x in axes) drop[OnnxShape.Axis(x, a.Rank, op)] = true;
                if (drop.Where((d, i) => d && a.Shape[i] != 1).Any()) throw new UnsupportedOnnxException("Squeeze of a dimension that is not 1");
                Reshape(a, tins[0], [.. a.Shape.Where((_, i) => !drop[i])], outs, touts);
                return;
            }
            case "Unsqueeze":
            {
                Val a = In(ins, 0, op);
                long[] axes = Opt(ins, 1) is { } ax ? ax.Ints("Unsqueeze's axes") : Ints(node, "axes") ?? [];
                int r = a.Rank + axes.Length;
                var ones = new bool[r];
                foreach (long x in axes) ones[OnnxShape.Axis(x, r, op)] = true;
                var shape = new int[r];
                for (int i = 0, j = 0; i < r; i++) shape[i] = ones[i] ? 1 : a.Shape[j++];
                Reshape(a, tins[0], shape, outs, touts);
                return;
            }
            case "Expand":
            {
                Val a = In(ins, 0, op);
                int[] want = Dims(In(ins, 1, op).Ints("Expand's shape"));
                int[] shape = OnnxShape.Broadcast(a.Shape, want, op);
                outs[0] = BroadcastTo(a, shape);
                if (tins[0] is { } t) touts[0] = BroadcastTo(t, shape);
                return;
            }
            case "Transpose":
            {
                Val a = In(ins, 0, op);
                int r = a.Rank;
                int[] perm = Ints(node, "perm") is { Length: > 0 } p ? Dims(p) : [.. Enumerable.Range(0, r).Reverse()];
                int[] shape = [.. perm.Select(i => a.Shape[i])];
                int[] inStrides = OnnxShape.Strides(a.Shape);
                Move(a, tins[0], shape, Walk(shape, idx => { int s = 0; for (int d = 0; d < r; d++) s += idx[d] * inStrides[perm[d]]; return s; }), outs, touts, 0);
                return;
            }
            case "Slice":
            {
                Val a = In(ins, 0, op);
                long[] starts = In(ins, 1, op).Ints("Slice's starts"), ends = In(ins, 2, op).Ints("Slice's ends");
                long[] axes = Opt(ins, 3) is { } ax ? ax.Ints("Slice's axes") : [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
                long[] steps = Opt(ins, 4) is { } st ? st.Ints("Slice's steps") : [.. starts.Select(_ => 1L)];
                int r = a.Rank;
                var first = new int[r];
                var step = new int[r];
                int[] shape = [.. a.Shape];
                for (int d = 0; d < r; d++) step[d] = 1;
                for (int i = 0; i < axes.Length; i++)
                {
                    int d = OnnxShape.Axis(axes[i], r, op);
                    long dim = a.Shape[d], s = steps[i];
                    if (s == 0) throw new UnsupportedOnnxException("Slice with step 0");
                    long lo = starts[i] < 0 ? starts[i] + dim : starts[i], hi = ends[i] < 0 ? ends[i] + dim : ends[i];
                    if (s > 0) { lo = Math.Clamp(lo, 0, dim); hi = Math.Clamp(hi, 0, dim); }
                    else { lo = Math.Clamp(lo, 0, dim - 1); hi = Math.Clamp(hi, -1, dim - 1); }
                    long count = s > 0 ? Math.Max(0, (hi - lo + s - 1) / s) : Math.Max(0, (lo - hi + (-s) - 1) / (-s));
                    first[d] = (int)lo;
                    step[d] = (int)s;
                    shape[d] = (int)count;
                }
                int[] inStrides = OnnxShape.Strides(a.Shape);
                Move(a, tins[0], shape, Walk(shape, idx => { int s = 0; for (int d = 0; d < r; d++) s += (first[d] + idx[d] * step[d]) * inStrides[d]; return s; }), outs, touts, 0);
                return;
            }
            case "Split":
            {
                Val a = In(ins, 0, op);
                int axis = OnnxShape.Axis(Int(node, "axis", 0), a.Rank, op);
                int parts = node.Outputs.Count;
                long[] sizes = Opt(ins, 1) is { } sp ? sp.Ints("Split's split") : Ints(node, "split") is { Length: > 0 } ss ? ss : [];
                if (sizes.Length == 0)
                {
                    int each = (a.Shape[axis] + parts - 1) / parts;
                    sizes = [.. Enumerable.Range(0, parts).Select(i => (long)Math.Min(each, a.Shape[axis] - i * each))];
                }
                if (sizes.Length != parts || sizes.Sum() != a.Shape[axis]) throw new UnsupportedOnnxException($"Split of {a.Shape[axis]} into [{string.Join(", ", sizes)}]");
                int[] inStrides = OnnxShape.Strides(a.Shape);
                int offset = 0;
                for (int o = 0; o < parts; o++)
                {
                    int[] shape = [.. a.Shape];
                    shape[axis] = (int)sizes[o];
                    int off = offset, r = a.Rank;
                    Move(a, tins[0], shape, Walk(shape, idx => { int s = 0; for (int d = 0; d < r; d++) s += (idx[d] + (d == axis ? off : 0)) * inStrides[d]; return s; }), outs, touts, o);
                    offset += (int)sizes[o];
                }
                return;
            }
            case "Concat":
            {
                Val[] parts = [.. ins.Select((v, i) => v ?? throw new UnsupportedOnnxException($"Concat without input {i}"))];
                int r = parts[0].Rank;
                int axis = OnnxShape.Axis(Int(node, "axis", 0), r, op);
                int[] shape = [.. parts[0].Shape];
                shape[axis] = parts.Sum(p => p.Shape[axis]);
                int n = OnnxShape.Count(shape);
                var source = new int[n];
                var map = new int[n];
                int[][] strides = [.. parts.Select(p => OnnxShape.Strides(p.Shape))];
                int at = 0;
                var idx = new int[r];
                for (int i = 0; i < n; i++)
                {
                    int k = 0, local = idx[axis];
                    while (local >= parts[k].Shape[axis]) { local -= parts[k].Shape[axis]; k++; }
                    int s = 0;
                    for (int d = 0; d < r; d++) s += (d == axis ? local : idx[d]) * strides[k][d];
                    source[at] = k;
                    map[at++] = s;
                    for (int d = r - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
                }
                outs[0] = GatherMany(parts, shape, source, map);
                if (tins.Any(t => t is not null)) touts[0] = GatherMany(tins, shape, source, map);
                return;
            }
            case "Gather":
            {
                Val a = In(ins, 0, op);
                long[] indices = In(ins, 1, op).Ints("Gather's indices");
                int[] iShape = In(ins, 1, op).Shape;
                int axis = OnnxShape.Axis(Int(node, "axis", 0), a.Rank, op);
                int[] shape = [.. a.Shape[..axis], .. iShape, .. a.Shape[(axis + 1)..]];
                int outer = OnnxShape.Count(a.Shape.AsSpan(0, axis)), inner = OnnxShape.Count(a.Shape.AsSpan(axis + 1)), dim = a.Shape[axis];
                var map = new int[OnnxShape.Count(shape)];
                int at = 0;
                for (int o = 0; o < outer; o++)
                    foreach (long ix in indices)
                    {
                        long j = ix < 0 ? ix + dim : ix;
                        if (j < 0 || j >= dim) throw new UnsupportedOnnxException($"Gather index {ix} outside {dim}");
                        for (int i = 0; i < inner; i++) map[at++] = (int)((o * dim + j) * inner + i);
                    }
                Move(a, tins[0], shape, map, outs, touts, 0);
                return;
            }
            default:
                throw new UnsupportedOnnxException(op);
        }
    }

    private static int Clamp(long v, int rank) => (int)Math.Clamp(v < 0 ? v + rank : v, 0, rank);

    private static void Reshape(Val a, Val? t, int[] shape, Val?[] outs, Val?[] touts)
    {
        outs[0] = a.Reshaped(shape);
        if (t is not null) touts[0] = t.Reshaped(shape);
    }

    private static void Move(Val a, Val? t, int[] shape, int[] map, Val?[] outs, Val?[] touts, int output)
    {
        outs[output] = Gather(a, shape, map);
        if (t is not null) touts[output] = Gather(t, shape, map);
    }

    /// <summary>The source index of every element of a tensor of <paramref name="shape"/>, walked in row-major order.</summary>
    private static int[] Walk(int[] shape, Func<int[], int> source)
    {
        int n = OnnxShape.Count(shape);
        var map = new int[n];
        var idx = new int[shape.Length];
        for (int i = 0; i < n; i++)
        {
            map[i] = source(idx);
            for (int d = shape.Length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
        }
        return map;
    }
}
