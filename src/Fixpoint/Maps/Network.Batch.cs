using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Fixpoint.Numerics;

namespace Fixpoint.Maps;

// Batched evaluation: row blocks through all layers, each layer a packed, register-blocked
// affine kernel with the activation applied to each strip of rows as soon as it is finished.
public sealed partial class Network
{
    private readonly AppliedList<PackedLayer<double>> _packed;
    private AppliedList<PackedLayer<float>>? _packed32;

    /// <summary>
    /// Rows per block in batched evaluation: a block goes through every layer before the next one
    /// starts, so its activations (two buffers of RowBlock × MaxWidth) stay in L2 across layers.
    /// A multiple of the kernel's strip height. Settable for benchmarks; results never depend on it.
    /// </summary>
    internal int RowBlock { get; set; }

    /// <summary>
    /// About 256 KiB of activations per block: 2 buffers × rows × width × 8 bytes. Layers whose weights
    /// outgrow the kernel's cache budget take at least 66 rows instead: such a block runs in cache blocks
    /// (<see cref="AffineKernel.PanelBlock{T}"/>), and the more rows share one load of the weights the
    /// less the layer is bound by memory (per CPU-second at N = 2048, 64 rows: 28 GFLOP/s against 18
    /// with 24 rows and 9 strip by strip; docs/performance.md).
    /// </summary>
    internal static int DefaultRowBlock(int width)
    {
        int rows = 16384 / Math.Max(width, 1);
        rows -= rows % AffineKernel.StripRows;
        if ((long)width * width * sizeof(double) > AffineKernel.CacheBudgetBytes) rows = Math.Max(rows, 11 * AffineKernel.StripRows);
        return Math.Clamp(rows, 4 * AffineKernel.StripRows, 1020);
    }

    private static AppliedList<PackedLayer<double>> Pack(DenseLayer[] layers, int depth, bool tied)
    {
        var byLayer = layers.Distinct().ToDictionary(l => l, l => new PackedLayer<double>(AffineKernel.Best, l.Inputs, l.Outputs, l.Weight, l.Bias));
        return new AppliedList<PackedLayer<double>>(layers.Select(l => byLayer[l]).ToArray(), depth, tied);
    }

    private AppliedList<PackedLayer<float>> Packed32 => LazyInitializer.EnsureInitialized(ref _packed32, () =>
    {
        var byLayer = _layers.Distinct().ToDictionary(l => l, l => new PackedLayer<float>(AffineKernel.Best, l.Inputs, l.Outputs, l.Weight, l.Bias));
        return new AppliedList<PackedLayer<float>>(_layers.Select(l => byLayer[l]).ToArray(), Depth, Tied);
    });

    /// <summary>
    /// Y = F(X) for <paramref name="count"/> points stored row-major, on the calling thread.
    /// Each row's result is bit-identical to evaluating it alone (see <see cref="Gemm"/>), so solvers
    /// that already run chunks of starts in parallel call this; a caller with one big batch and idle
    /// cores calls <see cref="EvaluateBatchParallel(ReadOnlySpan{double}, Span{double}, int, int)"/>.
    /// xs and ys may be the same span.
    /// </summary>
    public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count)
    {
        CheckBatch(xs.Length, ys.Length, count);
        EvaluateRows(_packed, xs, ys, count);
    }

    /// <summary>
    /// Y = F(X) in float32: weights rounded to float once, float fma chains, float activations.
    /// Same row determinism as the float64 path. Accuracy: each layer adds a relative error of about
    /// K·2⁻²⁴ (K inputs) to its pre-activations, so |F₃₂(x) − F(x)|∞ is typically 1e-7 … 1e-6 for
    /// O(1) weights and activations (the tests bound it by 1e-4 at N = 256, L = 4); iterate in float32,
    /// then polish in float64 when tolerances below about 1e-6 matter.
    /// </summary>
    public void EvaluateBatch(ReadOnlySpan<float> xs, Span<float> ys, int count)
    {
        CheckBatch(xs.Length, ys.Length, count);
        EvaluateRows(Packed32, xs, ys, count);
    }

    /// <summary>
    /// Y = F(X) split over up to <paramref name="threads"/> threads (0: one per core) in contiguous
    /// ranges of row blocks. Bit-identical to <see cref="EvaluateBatch(ReadOnlySpan{double}, Span{double}, int)"/>.
    /// Do not call it from code that is already parallel over batches (that oversubscribes the cores).
    /// </summary>
    public void EvaluateBatchParallel(ReadOnlySpan<double> xs, Span<double> ys, int count, int threads = 0)
    {
        CheckBatch(xs.Length, ys.Length, count);
        EvaluateParallel(_packed, xs, ys, count, threads);
    }

    /// <inheritdoc cref="EvaluateBatchParallel(ReadOnlySpan{double}, Span{double}, int, int)"/>
    public void EvaluateBatchParallel(ReadOnlySpan<float> xs, Span<float> ys, int count, int threads = 0)
    {
        CheckBatch(xs.Length, ys.Length, count);
        EvaluateParallel(Packed32, xs, ys, count, threads);
    }

    private void CheckBatch(int xsLength, int ysLength, int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must be ≥ 0");
        if (xsLength < (long)count * Dimension || ysLength < (long)count * Dimension)
            throw new ArgumentException($"batch spans are shorter than count × N = {count} × {Dimension}");
    }

    private unsafe void EvaluateParallel<T>(AppliedList<PackedLayer<T>> layers, ReadOnlySpan<T> xs, Span<T> ys, int count, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        int workers = threads == 0 ? Environment.ProcessorCount : threads;
        int n = Dimension, block = RowBlock;
        int blocks = (count + block - 1) / block;
        int parts = Math.Min(workers, blocks);
        if (parts <= 1)
        {
            EvaluateRows(layers, xs, ys, count);
            return;
        }
        T[]? copy = null;
        try
        {
            if (xs.Slice(0, count * n).Overlaps(ys.Slice(0, count * n)))
            {
                copy = ArrayPool<T>.Shared.Rent(count * n);
                xs.Slice(0, count * n).CopyTo(copy);
                xs = copy;
            }
            int blocksPerPart = (blocks + parts - 1) / parts;
            fixed (T* px = xs)
            fixed (T* py = ys)
            {
                nint ax = (nint)px, ay = (nint)py;
                Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
                {
                    int first = p * blocksPerPart * block;
                    int rows = Math.Min(blocksPerPart * block, count - first);
                    if (rows <= 0) return;
                    var src = new ReadOnlySpan<T>((T*)ax + (nint)first * n, rows * n);
                    var dst = new Span<T>((T*)ay + (nint)first * n, rows * n);
                    EvaluateRows(layers, src, dst, rows);
                });
            }
        }
        finally
        {
            if (copy is not null) ArrayPool<T>.Shared.Return(copy);
        }
    }

    /// <summary>The single-threaded core: row blocks, each through all layers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EvaluateRows<T>(AppliedList<PackedLayer<T>> layers, ReadOnlySpan<T> xs, Span<T> ys, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (count == 0) return;
        int n = Dimension;
        int block = Math.Min(RowBlock, count);
        int width = MaxWidth;
        int tileLength = 0;
        foreach (PackedLayer<T> p in layers.Stored) tileLength = Math.Max(tileLength, p.TileLength);
        T[]? copy = null;
        bool inPlace = xs.Slice(0, count * n).Overlaps(ys.Slice(0, count * n), out int offset);
        if (inPlace && offset != 0)
        {
            // Shifted overlap: a block's output could clobber a later block's input.
            copy = ArrayPool<T>.Shared.Rent(count * n);
            xs.Slice(0, count * n).CopyTo(copy);
            xs = copy;
            inPlace = false;
        }
        T[] bufA = ArrayPool<T>.Shared.Rent(block * width);
        T[] bufB = ArrayPool<T>.Shared.Rent(block * width);
        T[] bufC = ArrayPool<T>.Shared.Rent(Math.Max(tileLength, 1));
        KernelPath path = layers[0].Path;
        bool elementwise = PositionIndependent<T>(Activation);
        try
        {
            for (int start = 0; start < count; start += block)
            {
                int rows = Math.Min(block, count - start);
                ReadOnlySpan<T> src = xs.Slice(start * n, rows * n);
                int ldSrc = n;
                for (int l = 0; l < layers.Length; l++)
                {
                    PackedLayer<T> layer = layers[l];
                    int o = layer.Outputs;
                    bool last = l == layers.Length - 1;
                    Span<T> dst = last && !inPlace ? ys.Slice(start * n, rows * n) : (l % 2 == 0 ? bufA : bufB);
                    WeightView<T> view = layer.View;
                    // A wide layer runs the whole block in cache blocks (its weights no longer fit in
                    // L2, so they are loaded once per block, not per strip); the activation follows.
                    bool blocked = AffineKernel.PanelBlock(view, rows, AffineKernel.DefaultDepthBlock, 0, Unsafe.SizeOf<T>()) > 0;
                    if (blocked) Block(path, src, rows, ldSrc, view, dst, o, bufC);
                    for (int i = 0; i < rows; i += AffineKernel.StripRows)
                    {
                        int mr = Math.Min(AffineKernel.StripRows, rows - i);
                        if (!blocked) Strip(path, src.Slice(i * ldSrc), mr, ldSrc, view, dst.Slice(i * o), o, bufC);
                        // The strip is complete and still in L1: activation (and the residual) now.
                        if (elementwise) Activate(dst.Slice(i * o, mr * o));
                        for (int r = i; r < i + mr; r++)
                        {
                            Span<T> row = dst.Slice(r * o, o);
                            if (!elementwise) Activate(row);
                            if (Residual) TensorPrimitives.Add(row, src.Slice(r * ldSrc, o), row);
                        }
                    }
                    src = dst;
                    ldSrc = o;
                }
                if (inPlace) src.Slice(0, rows * n).CopyTo(ys.Slice(start * n, rows * n));
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(bufA);
            ArrayPool<T>.Shared.Return(bufB);
            ArrayPool<T>.Shared.Return(bufC);
            if (copy is not null) ArrayPool<T>.Shared.Return(copy);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strip<T>(KernelPath path, ReadOnlySpan<T> x, int mr, int ldx, in WeightView<T> w, Span<T> z, int ldz, Span<T> tile)
        where T : unmanaged
    {
        if (typeof(T) == typeof(double))
        {
            WeightView<double> wd = new(MemoryMarshal.Cast<T, double>(w.Data), MemoryMarshal.Cast<T, double>(w.Bias), w.Inputs, w.Outputs, w.Packed, w.Lanes, w.MaxVectors);
            AffineKernel.Strip(path, MemoryMarshal.Cast<T, double>(x), mr, ldx, wd, MemoryMarshal.Cast<T, double>(z), ldz, MemoryMarshal.Cast<T, double>(tile));
        }
        else
        {
            WeightView<float> wf = new(MemoryMarshal.Cast<T, float>(w.Data), MemoryMarshal.Cast<T, float>(w.Bias), w.Inputs, w.Outputs, w.Packed, w.Lanes, w.MaxVectors);
            AffineKernel.Strip(path, MemoryMarshal.Cast<T, float>(x), mr, ldx, wf, MemoryMarshal.Cast<T, float>(z), ldz, MemoryMarshal.Cast<T, float>(tile));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T>(KernelPath path, ReadOnlySpan<T> x, int rows, int ldx, in WeightView<T> w, Span<T> z, int ldz, Span<T> tile)
        where T : unmanaged
    {
        if (typeof(T) == typeof(double))
        {
            WeightView<double> wd = new(MemoryMarshal.Cast<T, double>(w.Data), MemoryMarshal.Cast<T, double>(w.Bias), w.Inputs, w.Outputs, w.Packed, w.Lanes, w.MaxVectors);
            AffineKernel.Rows(path, MemoryMarshal.Cast<T, double>(x), rows, ldx, wd, MemoryMarshal.Cast<T, double>(z), ldz, MemoryMarshal.Cast<T, double>(tile));
        }
        else
        {
            WeightView<float> wf = new(MemoryMarshal.Cast<T, float>(w.Data), MemoryMarshal.Cast<T, float>(w.Bias), w.Inputs, w.Outputs, w.Packed, w.Lanes, w.MaxVectors);
            AffineKernel.Rows(path, MemoryMarshal.Cast<T, float>(x), rows, ldx, wf, MemoryMarshal.Cast<T, float>(z), ldz, MemoryMarshal.Cast<T, float>(tile));
        }
    }

    /// <summary>
    /// True when g's batched form gives each element the same bits wherever it sits in the span (the
    /// vectorised tanh of <see cref="VectorMath"/>, and identity), so a whole strip can go through one
    /// call; any other activation is applied row by row, exactly as <see cref="Activation.Apply"/> on a row.
    /// </summary>
    private static bool PositionIndependent<T>(Activation activation) =>
        activation is IdentityActivation or TanhActivation;

    /// <summary>g on one row, in place: <see cref="Activation.Apply"/> for float64, its float32 twin for float32.</summary>
    private void Activate<T>(Span<T> row) where T : unmanaged
    {
        if (typeof(T) == typeof(double))
        {
            Span<double> r = MemoryMarshal.Cast<T, double>(row);
            Activation.Apply(r, r);
        }
        else ApplySingle(Activation, MemoryMarshal.Cast<T, float>(row));
    }

    /// <summary>
    /// The float32 activation: <see cref="VectorMath.Tanh(ReadOnlySpan{float}, Span{float})"/> (within
    /// <see cref="VectorMath.TanhSingleMaxUlps"/> ulps), TensorPrimitives for logistic and relu, and
    /// otherwise g evaluated in double and rounded.
    /// </summary>
    internal static void ApplySingle(Activation activation, Span<float> row)
    {
        switch (activation)
        {
            case TanhActivation: VectorMath.Tanh(row, row); break;
            case LogisticActivation: for (int i = 0; i < row.Length; i++) row[i] = 1f / (1f + MathF.Exp(-row[i])); break; // scalar: see LogisticActivation.Apply
            case ReluActivation: TensorPrimitives.Max(row, 0f, row); break;
            case IdentityActivation: break;
            default:
                for (int i = 0; i < row.Length; i++) row[i] = (float)activation.Value(row[i]);
                break;
        }
    }
}
