using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Fixpoint.Numerics;

/// <summary>
/// Where the affine kernel reads Wᵀ and b: either the plain transpose (Inputs × Outputs, row-major)
/// or column panels packed by <see cref="PackedLayer{T}"/>.
/// </summary>
internal readonly ref struct WeightView<T> where T : unmanaged
{
    public WeightView(ReadOnlySpan<T> data, ReadOnlySpan<T> bias, int inputs, int outputs, bool packed, int lanes, int maxVectors)
    {
        Data = data;
        Bias = bias;
        (Inputs, Outputs, Packed, Lanes, MaxVectors) = (inputs, outputs, packed, lanes, maxVectors);
    }

    /// <summary>Packed panels, or Wᵀ row-major.</summary>
    public ReadOnlySpan<T> Data { get; }
    /// <summary>b; padded with zeros to <see cref="PaddedOutputs"/> when packed.</summary>
    public ReadOnlySpan<T> Bias { get; }
    public int Inputs { get; }
    public int Outputs { get; }
    public bool Packed { get; }
    public int Lanes { get; }
    public int MaxVectors { get; }
    public int PanelWidth => Lanes * MaxVectors;

    /// <summary>Vectors in the last, narrower panel (0 when the full panels cover everything the vectors reach).</summary>
    public int LastVectors
    {
        get
        {
            int rem = Outputs % PanelWidth;
            return Packed ? (rem + Lanes - 1) / Lanes : rem / Lanes;
        }
    }

    /// <summary>Columns the vector kernels produce: ≥ Outputs when packed (zero padding), ≤ Outputs when not (a scalar tail follows).</summary>
    public int VectorColumns => Outputs / PanelWidth * PanelWidth + LastVectors * Lanes;

    /// <summary>Outputs rounded up to whole vectors: the row length of a packed layer's bias.</summary>
    public int PaddedOutputs => Math.Max(Outputs, VectorColumns);
}

/// <summary>
/// The register- and cache-blocked affine kernel z = x·Wᵀ + b behind <see cref="Gemm"/> and the
/// batched network evaluation. A strip of up to <see cref="StripRows"/> rows is computed against one
/// column panel of Wᵀ at a time (up to 4 vectors wide, so 6 × 4 accumulators stay in registers);
/// the inputs are walked in blocks of <c>depthBlock</c> so that the strip's slice of x stays in L1
/// while a panel streams from L2, with the partial sums kept in z between blocks.
/// <para>Every output is the chain <c>acc = b[j]; acc = fma(x[i,k], Wᵀ[k,j], acc)</c> for k in order:
/// neither the strip height, the panel, the depth block nor the instruction path changes a bit of it.</para>
/// </summary>
internal static class AffineKernel
{
    /// <summary>Rows of the register block.</summary>
    public const int StripRows = 6;

    /// <summary>Inputs per depth block: 6 rows × 512 inputs × 8 bytes = 24 KiB of x stay in L1 while a panel streams.</summary>
    public const int DefaultDepthBlock = 512;

    /// <summary>The fastest path this process supports.</summary>
    public static KernelPath Best { get; } =
        Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : Vector256.IsHardwareAccelerated ? KernelPath.Vector256
        : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
        : KernelPath.Scalar;

    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Scalar => true,
        KernelPath.Vector128 => Vector128.IsHardwareAccelerated,
        KernelPath.Vector256 => Vector256.IsHardwareAccelerated,
        KernelPath.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>Lanes of one vector of T on a path.</summary>
    public static int Lanes<T>(KernelPath path) where T : unmanaged => path switch
    {
        KernelPath.Scalar => 1,
        KernelPath.Vector128 => Vector128<T>.Count,
        KernelPath.Vector256 => Vector256<T>.Count,
        KernelPath.Vector512 => Vector512<T>.Count,
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    };

    /// <summary>Vectors per panel: 4 (6 × 4 = 24 accumulators) with 32 vector registers, 2 (12) with 16.</summary>
    public static int MaxVectors(KernelPath path) =>
        Avx512F.IsSupported || AdvSimd.Arm64.IsSupported ? 4 : 2;

    /// <summary>A view of a plain row-major Wᵀ (Inputs × Outputs) for the kernels.</summary>
    public static WeightView<T> Plain<T>(KernelPath path, ReadOnlySpan<T> weightTransposed, ReadOnlySpan<T> bias, int inputs, int outputs) where T : unmanaged
        => new(weightTransposed, bias, inputs, outputs, packed: false, Lanes<T>(path), MaxVectors(path));

    /// <summary>
    /// z[r, ·] = x[r, ·]·Wᵀ + b for rows r in [0, rows); x rows are ldx apart and z rows ldz apart.
    /// <paramref name="tile"/> holds at least <see cref="TileLength{T}"/> numbers.
    /// </summary>
    /// <remarks>
    /// A layer whose packed Wᵀ does not fit in <see cref="CacheBudgetBytes"/> (N ≳ 256 in float64) is run
    /// in cache blocks (<see cref="Blocked{T, TV, TS}"/>) so that each block of weights is loaded from
    /// memory once per call instead of once per strip; <paramref name="panelBlock"/> &gt; 0 forces that
    /// path with so many panels per block (tests), 0 chooses. The chains, and so the bits, are the same.
    /// </remarks>
    public static void Rows(KernelPath path, ReadOnlySpan<double> x, int rows, int ldx, in WeightView<double> w, Span<double> z, int ldz, Span<double> tile, int depthBlock = DefaultDepthBlock, int panelBlock = 0)
    {
        int pb = PanelBlock(w, rows, depthBlock, panelBlock, sizeof(double));
        if (pb > 0)
        {
            Check(x.Length, Math.Min(rows, StripRows), ldx, z.Length, ldz, tile.Length, w, depthBlock);
            CheckRows(x.Length, rows, ldx, z.Length, ldz, w);
            switch (path)
            {
                case KernelPath.Vector512: Blocked<double, Vector512<double>, V512D>(x, ldx, rows, w, z, ldz, tile, depthBlock, pb); break;
                case KernelPath.Vector256: Blocked<double, Vector256<double>, V256D>(x, ldx, rows, w, z, ldz, tile, depthBlock, pb); break;
                case KernelPath.Vector128: Blocked<double, Vector128<double>, V128D>(x, ldx, rows, w, z, ldz, tile, depthBlock, pb); break;
                default: Blocked<double, double, ScalarD>(x, ldx, rows, w, z, ldz, tile, depthBlock, pb); break;
            }
            return;
        }
        for (int i = 0; i < rows; i += StripRows)
        {
            int mr = Math.Min(StripRows, rows - i);
            Strip(path, x.Slice(i * ldx), mr, ldx, w, z.Slice(i * ldz), ldz, tile, depthBlock);
        }
    }

    /// <inheritdoc cref="Rows(KernelPath, ReadOnlySpan{double}, int, int, in WeightView{double}, Span{double}, int, Span{double}, int, int)"/>
    public static void Rows(KernelPath path, ReadOnlySpan<float> x, int rows, int ldx, in WeightView<float> w, Span<float> z, int ldz, Span<float> tile, int depthBlock = DefaultDepthBlock, int panelBlock = 0)
    {
        int pb = PanelBlock(w, rows, depthBlock, panelBlock, sizeof(float));
        if (pb > 0)
        {
            Check(x.Length, Math.Min(rows, StripRows), ldx, z.Length, ldz, tile.Length, w, depthBlock);
            CheckRows(x.Length, rows, ldx, z.Length, ldz, w);
            switch (path)
            {
                case KernelPath.Vector512: Blocked<float, Vector512<float>, V512F>(x, ldx, rows, w, z, ldz, tile, depthBlock, pb); break;
                case KernelPath.Vector256: Blocked<float, Vector256<float>, V256F>(x, ldx, rows, w, z, ldz, tile, depthBlock, pb); break;
                case KernelPath.Vector128: Blocked<float, Vector128<float>, V128F>(x, ldx, rows, w, z, ldz, tile, depthBlock, pb); break;
                default: Blocked<float, float, ScalarF>(x, ldx, rows, w, z, ldz, tile, depthBlock, pb); break;
            }
            return;
        }
        for (int i = 0; i < rows; i += StripRows)
        {
            int mr = Math.Min(StripRows, rows - i);
            Strip(path, x.Slice(i * ldx), mr, ldx, w, z.Slice(i * ldz), ldz, tile, depthBlock);
        }
    }

    /// <summary>
    /// Bytes of packed weights a cache block may hold: half the 1 MiB L2 of the machine the kernel was
    /// tuned on (docs/performance.md), leaving room for the strips of x and z that stream past it.
    /// </summary>
    public const int CacheBudgetBytes = 512 * 1024;

    /// <summary>
    /// Panels per cache block for <see cref="Rows(KernelPath, ReadOnlySpan{double}, int, int, in WeightView{double}, Span{double}, int, Span{double}, int, int)"/>,
    /// or 0 for strip by strip: a forced count, else blocks only when the weights outgrow
    /// <see cref="CacheBudgetBytes"/> and there is more than one strip to share them.
    /// </summary>
    internal static int PanelBlock<T>(in WeightView<T> w, int rows, int depthBlock, int forced, int size) where T : unmanaged
    {
        if (forced > 0) return forced;
        if (rows <= StripRows || depthBlock < 1) return 0;
        long bytes = (long)w.Inputs * w.PaddedOutputs * size;
        if (bytes <= CacheBudgetBytes) return 0;
        long panelBytes = (long)Math.Min(depthBlock, w.Inputs) * w.PanelWidth * size;
        return (int)Math.Max(1, CacheBudgetBytes / panelBytes);
    }

    /// <summary>Bounds of a whole call of <see cref="Blocked{T, TV, TS}"/> (the strips check one strip each).</summary>
    private static void CheckRows<T>(int xLength, int rows, int ldx, int zLength, int ldz, in WeightView<T> w) where T : unmanaged
    {
        if ((long)(rows - 1) * ldx + w.Inputs > xLength) throw new ArgumentException("x is shorter than rows × ldx", "x");
        if ((long)(rows - 1) * ldz + w.Outputs > zLength) throw new ArgumentException("z is shorter than rows × ldz", "z");
    }

    /// <summary>Scratch a strip needs for the zero-padded last panel of a packed view (0 when none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TileLength<T>(in WeightView<T> w) where T : unmanaged =>
        w.Packed && w.PaddedOutputs > w.Outputs ? StripRows * w.LastVectors * w.Lanes : 0;

    /// <summary>One strip of 1 … 6 rows, complete: all output columns, all inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Strip(KernelPath path, ReadOnlySpan<double> x, int mr, int ldx, in WeightView<double> w, Span<double> z, int ldz, Span<double> tile, int depthBlock = DefaultDepthBlock)
    {
        Check(x.Length, mr, ldx, z.Length, ldz, tile.Length, w, depthBlock);
        switch (path)
        {
            case KernelPath.Vector512: StripCore<double, Vector512<double>, V512D>(x, ldx, mr, w, z, ldz, tile, depthBlock); break;
            case KernelPath.Vector256: StripCore<double, Vector256<double>, V256D>(x, ldx, mr, w, z, ldz, tile, depthBlock); break;
            case KernelPath.Vector128: StripCore<double, Vector128<double>, V128D>(x, ldx, mr, w, z, ldz, tile, depthBlock); break;
            default: StripCore<double, double, ScalarD>(x, ldx, mr, w, z, ldz, tile, depthBlock); break;
        }
    }

    /// <inheritdoc cref="Strip(KernelPath, ReadOnlySpan{double}, int, int, in WeightView{double}, Span{double}, int, Span{double}, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Strip(KernelPath path, ReadOnlySpan<float> x, int mr, int ldx, in WeightView<float> w, Span<float> z, int ldz, Span<float> tile, int depthBlock = DefaultDepthBlock)
    {
        Check(x.Length, mr, ldx, z.Length, ldz, tile.Length, w, depthBlock);
        switch (path)
        {
            case KernelPath.Vector512: StripCore<float, Vector512<float>, V512F>(x, ldx, mr, w, z, ldz, tile, depthBlock); break;
            case KernelPath.Vector256: StripCore<float, Vector256<float>, V256F>(x, ldx, mr, w, z, ldz, tile, depthBlock); break;
            case KernelPath.Vector128: StripCore<float, Vector128<float>, V128F>(x, ldx, mr, w, z, ldz, tile, depthBlock); break;
            default: StripCore<float, float, ScalarF>(x, ldx, mr, w, z, ldz, tile, depthBlock); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Check<T>(int xLength, int mr, int ldx, int zLength, int ldz, int tileLength, in WeightView<T> w, int depthBlock)
        where T : unmanaged
    {
        if (mr < 1 || mr > StripRows) throw new ArgumentOutOfRangeException(nameof(mr), mr, $"must be in 1 … {StripRows}");
        if (depthBlock < 1) throw new ArgumentOutOfRangeException(nameof(depthBlock), depthBlock, "must be ≥ 1");
        if (ldx < w.Inputs || (long)(mr - 1) * ldx + w.Inputs > xLength) throw new ArgumentException("x is shorter than the strip", "x");
        if (ldz < w.Outputs || (long)(mr - 1) * ldz + w.Outputs > zLength) throw new ArgumentException("z is shorter than the strip", "z");
        if (w.Data.Length < (long)w.Inputs * (w.Packed ? w.PaddedOutputs : w.Outputs)) throw new ArgumentException("the weights are shorter than Inputs × Outputs", "w");
        if (w.Bias.Length < (w.Packed ? w.PaddedOutputs : w.Outputs)) throw new ArgumentException("the bias is shorter than Outputs", "w");
        if (tileLength < TileLength(w)) throw new ArgumentException("the tile is too small for the padded panel", "tile");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StripCore<T, TV, TS>(ReadOnlySpan<T> x, nint ldx, int mr, in WeightView<T> w, Span<T> z, nint ldz, Span<T> tile, int depthBlock, int firstPanel = 0)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<T, TV>
    {
        int lanes = TS.Lanes, nvMax = w.MaxVectors, nr = nvMax * lanes;
        if (w.Lanes != lanes) throw new ArgumentException($"the weights were laid out for {w.Lanes} lanes, the path has {lanes}", nameof(w));
        int inputs = w.Inputs, outputs = w.Outputs;
        int full = outputs / nr;
        int lastNv = w.LastVectors;
        int panels = full + (lastNv > 0 ? 1 : 0);
        int vecCols = full * nr + lastNv * lanes;
        ref T x0 = ref MemoryMarshal.GetReference(x);
        ref T w0 = ref MemoryMarshal.GetReference(w.Data);
        ref T b0 = ref MemoryMarshal.GetReference(w.Bias);
        ref T z0 = ref MemoryMarshal.GetReference(z);
        ref T t0 = ref MemoryMarshal.GetReference(tile);
        for (int k0 = 0; k0 < inputs; k0 += depthBlock)
        {
            int kLen = Math.Min(depthBlock, inputs - k0);
            bool accumulate = k0 > 0;
            ref T xk = ref Unsafe.Add(ref x0, k0);
            for (int p = firstPanel; p < panels; p++)
            {
                int nv = p < full ? nvMax : lastNv;
                int width = nv * lanes;
                int col0 = p * nr;
                nint ldw;
                ref T wp = ref w0;
                if (w.Packed)
                {
                    ldw = width;
                    wp = ref Unsafe.Add(ref w0, (nint)col0 * inputs + (nint)k0 * width);
                }
                else
                {
                    ldw = outputs;
                    wp = ref Unsafe.Add(ref w0, (nint)k0 * outputs + col0);
                }
                bool spill = col0 + width > outputs;
                ref T c = ref spill ? ref t0 : ref Unsafe.Add(ref z0, col0);
                nint ldc = spill ? width : ldz;
                ByRows<T, TV, TS>(mr, nv, ref xk, ldx, ref wp, ldw, kLen, ref Unsafe.Add(ref b0, col0), ref c, ldc, accumulate);
            }
        }
        if (vecCols > outputs)
        {
            int col0 = (panels - 1) * nr, width = lastNv * lanes, count = outputs - col0;
            for (int r = 0; r < mr; r++)
                tile.Slice(r * width, count).CopyTo(z.Slice(r * (int)ldz + col0, count));
        }
        else if (vecCols < outputs)
        {
            ReadOnlySpan<T> wt = w.Data, b = w.Bias;
            for (int r = 0; r < mr; r++)
            {
                ReadOnlySpan<T> xr = x.Slice(r * (int)ldx, inputs);
                Span<T> zr = z.Slice(r * (int)ldz, outputs);
                for (int j = vecCols; j < outputs; j++)
                {
                    T acc = b[j];
                    for (int k = 0; k < inputs; k++) acc = T.FusedMultiplyAdd(xr[k], wt[k * outputs + j], acc);
                    zr[j] = acc;
                }
            }
        }
    }

    /// <summary>
    /// All rows of a call in cache blocks: for each block of <paramref name="panelBlock"/> column panels
    /// and each depth block of <paramref name="depthBlock"/> inputs (together at most about
    /// <see cref="CacheBudgetBytes"/> of weights, which stay in L2), every strip of rows runs its
    /// register blocks against them, resuming each output's chain from the partial sum in z. So the
    /// weights come from memory once per call, not once per strip of 6 rows, which is what bounds a
    /// wide layer (a 2048 × 2048 float64 layer is 32 MiB). Every output is still
    /// <c>acc = b[j]; acc = fma(x[i,k], Wᵀ[k,j], acc)</c> for k in order: same bits as strip by strip.
    /// A last panel that spills into the tile (zero padding) and the scalar tail of a plain view run
    /// strip by strip afterwards, as <see cref="StripCore{T, TV, TS}"/> does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocked<T, TV, TS>(ReadOnlySpan<T> x, nint ldx, int rows, in WeightView<T> w, Span<T> z, nint ldz, Span<T> tile, int depthBlock, int panelBlock)
        where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TS : ISimd<T, TV>
    {
        int lanes = TS.Lanes, nvMax = w.MaxVectors, nr = nvMax * lanes;
        if (w.Lanes != lanes) throw new ArgumentException($"the weights were laid out for {w.Lanes} lanes, the path has {lanes}", nameof(w));
        int inputs = w.Inputs, outputs = w.Outputs;
        int full = outputs / nr;
        int lastNv = w.LastVectors;
        int panels = full + (lastNv > 0 ? 1 : 0);
        // Panels written straight into z; a last panel wider than the outputs goes through the tile.
        int direct = panels > 0 && (panels - 1) * nr + (panels - 1 < full ? nr : lastNv * lanes) > outputs ? panels - 1 : panels;
        ref T x0 = ref MemoryMarshal.GetReference(x);
        ref T w0 = ref MemoryMarshal.GetReference(w.Data);
        ref T b0 = ref MemoryMarshal.GetReference(w.Bias);
        ref T z0 = ref MemoryMarshal.GetReference(z);
        for (int pc = 0; pc < direct; pc += panelBlock)
        {
            int pEnd = Math.Min(pc + panelBlock, direct);
            for (int k0 = 0; k0 < inputs; k0 += depthBlock)
            {
                int kLen = Math.Min(depthBlock, inputs - k0);
                bool accumulate = k0 > 0;
                for (int i = 0; i < rows; i += StripRows)
                {
                    int mr = Math.Min(StripRows, rows - i);
                    ref T xk = ref Unsafe.Add(ref x0, i * ldx + k0);
                    ref T zi = ref Unsafe.Add(ref z0, i * ldz);
                    for (int p = pc; p < pEnd; p++)
                    {
                        int nv = p < full ? nvMax : lastNv;
                        int width = nv * lanes;
                        int col0 = p * nr;
                        nint ldw;
                        ref T wp = ref w0;
                        if (w.Packed)
                        {
                            ldw = width;
                            wp = ref Unsafe.Add(ref w0, (nint)col0 * inputs + (nint)k0 * width);
                        }
                        else
                        {
                            ldw = outputs;
                            wp = ref Unsafe.Add(ref w0, (nint)k0 * outputs + col0);
                        }
                        ByRows<T, TV, TS>(mr, nv, ref xk, ldx, ref wp, ldw, kLen, ref Unsafe.Add(ref b0, col0), ref Unsafe.Add(ref zi, col0), ldz, accumulate);
                    }
                }
            }
        }
        int vecCols = full * nr + lastNv * lanes;
        if (direct < panels || vecCols < outputs)
        {
            for (int i = 0; i < rows; i += StripRows)
            {
                int mr = Math.Min(StripRows, rows - i);
                StripCore<T, TV, TS>(x.Slice(i * (int)ldx), ldx, mr, w, z.Slice(i * (int)ldz), ldz, tile, depthBlock, direct);
            }
        }
    }

    /// <summary>
    /// A full strip runs the 6-row block; a shorter one (the last strip of a batch) runs the 1-row
    /// block per row. Only two row counts are instantiated, which keeps the JIT's start-up work small;
    /// the result is the same either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ByRows<T, TV, TS>(int mr, int nv, ref T x, nint ldx, ref T w, nint ldw, nint kLen, ref T bias, ref T c, nint ldc, bool accumulate)
        where T : unmanaged where TV : struct where TS : ISimd<T, TV>
    {
        if (mr == StripRows)
        {
            ByVectors<T, TV, TS, C6>(nv, ref x, ldx, ref w, ldw, kLen, ref bias, ref c, ldc, accumulate);
            return;
        }
        for (int r = 0; r < mr; r++)
            ByVectors<T, TV, TS, C1>(nv, ref Unsafe.Add(ref x, r * ldx), ldx, ref w, ldw, kLen, ref bias, ref Unsafe.Add(ref c, r * ldc), ldc, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ByVectors<T, TV, TS, TMr>(int nv, ref T x, nint ldx, ref T w, nint ldw, nint kLen, ref T bias, ref T c, nint ldc, bool accumulate)
        where T : unmanaged where TV : struct where TS : ISimd<T, TV> where TMr : IConstant
    {
        switch (nv)
        {
            case 4: Micro<T, TV, TS, TMr, C4>(ref x, ldx, ref w, ldw, kLen, ref bias, ref c, ldc, accumulate); break;
            case 3: Micro<T, TV, TS, TMr, C3>(ref x, ldx, ref w, ldw, kLen, ref bias, ref c, ldc, accumulate); break;
            case 2: Micro<T, TV, TS, TMr, C2>(ref x, ldx, ref w, ldw, kLen, ref bias, ref c, ldc, accumulate); break;
            default: Micro<T, TV, TS, TMr, C1>(ref x, ldx, ref w, ldw, kLen, ref bias, ref c, ldc, accumulate); break;
        }
    }

    /// <summary>
    /// The register block: <typeparamref name="TMr"/> rows (1 … 6) × <typeparamref name="TNv"/> vectors (1 … 4) of
    /// output columns. Each accumulator starts from the bias, or from the partial sums already in
    /// <paramref name="c"/> when <paramref name="accumulate"/>, and takes one fused multiply-add per k, in k order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro<T, TV, TS, TMr, TNv>(ref T x, nint ldx, ref T w, nint ldw, nint kLen, ref T bias, ref T c, nint ldc, bool accumulate)
        where T : unmanaged where TV : struct where TS : ISimd<T, TV> where TMr : IConstant where TNv : IConstant
    {
        nint l = TS.Lanes;
        ref T x0 = ref x;
        ref T x1 = ref TMr.Value > 1 ? ref Unsafe.Add(ref x, 1 * ldx) : ref x;
        ref T x2 = ref TMr.Value > 2 ? ref Unsafe.Add(ref x, 2 * ldx) : ref x;
        ref T x3 = ref TMr.Value > 3 ? ref Unsafe.Add(ref x, 3 * ldx) : ref x;
        ref T x4 = ref TMr.Value > 4 ? ref Unsafe.Add(ref x, 4 * ldx) : ref x;
        ref T x5 = ref TMr.Value > 5 ? ref Unsafe.Add(ref x, 5 * ldx) : ref x;
        ref T c0 = ref c;
        ref T c1 = ref TMr.Value > 1 ? ref Unsafe.Add(ref c, 1 * ldc) : ref c;
        ref T c2 = ref TMr.Value > 2 ? ref Unsafe.Add(ref c, 2 * ldc) : ref c;
        ref T c3 = ref TMr.Value > 3 ? ref Unsafe.Add(ref c, 3 * ldc) : ref c;
        ref T c4 = ref TMr.Value > 4 ? ref Unsafe.Add(ref c, 4 * ldc) : ref c;
        ref T c5 = ref TMr.Value > 5 ? ref Unsafe.Add(ref c, 5 * ldc) : ref c;
        TV a00 = default; TV a01 = default; TV a02 = default; TV a03 = default;
        TV a10 = default; TV a11 = default; TV a12 = default; TV a13 = default;
        TV a20 = default; TV a21 = default; TV a22 = default; TV a23 = default;
        TV a30 = default; TV a31 = default; TV a32 = default; TV a33 = default;
        TV a40 = default; TV a41 = default; TV a42 = default; TV a43 = default;
        TV a50 = default; TV a51 = default; TV a52 = default; TV a53 = default;
        if (accumulate)
        {
            a00 = TS.Load(ref c0);
            if (TNv.Value > 1) a01 = TS.Load(ref Unsafe.Add(ref c0, l));
            if (TNv.Value > 2) a02 = TS.Load(ref Unsafe.Add(ref c0, 2 * l));
            if (TNv.Value > 3) a03 = TS.Load(ref Unsafe.Add(ref c0, 3 * l));
            if (TMr.Value > 1) a10 = TS.Load(ref c1);
            if (TMr.Value > 1 && TNv.Value > 1) a11 = TS.Load(ref Unsafe.Add(ref c1, l));
            if (TMr.Value > 1 && TNv.Value > 2) a12 = TS.Load(ref Unsafe.Add(ref c1, 2 * l));
            if (TMr.Value > 1 && TNv.Value > 3) a13 = TS.Load(ref Unsafe.Add(ref c1, 3 * l));
            if (TMr.Value > 2) a20 = TS.Load(ref c2);
            if (TMr.Value > 2 && TNv.Value > 1) a21 = TS.Load(ref Unsafe.Add(ref c2, l));
            if (TMr.Value > 2 && TNv.Value > 2) a22 = TS.Load(ref Unsafe.Add(ref c2, 2 * l));
            if (TMr.Value > 2 && TNv.Value > 3) a23 = TS.Load(ref Unsafe.Add(ref c2, 3 * l));
            if (TMr.Value > 3) a30 = TS.Load(ref c3);
            if (TMr.Value > 3 && TNv.Value > 1) a31 = TS.Load(ref Unsafe.Add(ref c3, l));
            if (TMr.Value > 3 && TNv.Value > 2) a32 = TS.Load(ref Unsafe.Add(ref c3, 2 * l));
            if (TMr.Value > 3 && TNv.Value > 3) a33 = TS.Load(ref Unsafe.Add(ref c3, 3 * l));
            if (TMr.Value > 4) a40 = TS.Load(ref c4);
            if (TMr.Value > 4 && TNv.Value > 1) a41 = TS.Load(ref Unsafe.Add(ref c4, l));
            if (TMr.Value > 4 && TNv.Value > 2) a42 = TS.Load(ref Unsafe.Add(ref c4, 2 * l));
            if (TMr.Value > 4 && TNv.Value > 3) a43 = TS.Load(ref Unsafe.Add(ref c4, 3 * l));
            if (TMr.Value > 5) a50 = TS.Load(ref c5);
            if (TMr.Value > 5 && TNv.Value > 1) a51 = TS.Load(ref Unsafe.Add(ref c5, l));
            if (TMr.Value > 5 && TNv.Value > 2) a52 = TS.Load(ref Unsafe.Add(ref c5, 2 * l));
            if (TMr.Value > 5 && TNv.Value > 3) a53 = TS.Load(ref Unsafe.Add(ref c5, 3 * l));
        }
        else
        {
            { TV b = TS.Load(ref bias); a00 = b; if (TMr.Value > 1) a10 = b; if (TMr.Value > 2) a20 = b; if (TMr.Value > 3) a30 = b; if (TMr.Value > 4) a40 = b; if (TMr.Value > 5) a50 = b; }
            if (TNv.Value > 1) { TV b = TS.Load(ref Unsafe.Add(ref bias, l)); a01 = b; if (TMr.Value > 1) a11 = b; if (TMr.Value > 2) a21 = b; if (TMr.Value > 3) a31 = b; if (TMr.Value > 4) a41 = b; if (TMr.Value > 5) a51 = b; }
            if (TNv.Value > 2) { TV b = TS.Load(ref Unsafe.Add(ref bias, 2 * l)); a02 = b; if (TMr.Value > 1) a12 = b; if (TMr.Value > 2) a22 = b; if (TMr.Value > 3) a32 = b; if (TMr.Value > 4) a42 = b; if (TMr.Value > 5) a52 = b; }
            if (TNv.Value > 3) { TV b = TS.Load(ref Unsafe.Add(ref bias, 3 * l)); a03 = b; if (TMr.Value > 1) a13 = b; if (TMr.Value > 2) a23 = b; if (TMr.Value > 3) a33 = b; if (TMr.Value > 4) a43 = b; if (TMr.Value > 5) a53 = b; }
        }
        ref T wk = ref w;
        for (nint k = 0; k < kLen; k++)
        {
            TV w0 = TS.Load(ref wk);
            TV w1 = TNv.Value > 1 ? TS.Load(ref Unsafe.Add(ref wk, l)) : default;
            TV w2 = TNv.Value > 2 ? TS.Load(ref Unsafe.Add(ref wk, 2 * l)) : default;
            TV w3 = TNv.Value > 3 ? TS.Load(ref Unsafe.Add(ref wk, 3 * l)) : default;
            TV s0 = TS.Splat(Unsafe.Add(ref x0, k));
            a00 = TS.Fma(s0, w0, a00);
            if (TNv.Value > 1) a01 = TS.Fma(s0, w1, a01);
            if (TNv.Value > 2) a02 = TS.Fma(s0, w2, a02);
            if (TNv.Value > 3) a03 = TS.Fma(s0, w3, a03);
            if (TMr.Value > 1)
            {
                TV s1 = TS.Splat(Unsafe.Add(ref x1, k));
                a10 = TS.Fma(s1, w0, a10);
                if (TNv.Value > 1) a11 = TS.Fma(s1, w1, a11);
                if (TNv.Value > 2) a12 = TS.Fma(s1, w2, a12);
                if (TNv.Value > 3) a13 = TS.Fma(s1, w3, a13);
            }
            if (TMr.Value > 2)
            {
                TV s2 = TS.Splat(Unsafe.Add(ref x2, k));
                a20 = TS.Fma(s2, w0, a20);
                if (TNv.Value > 1) a21 = TS.Fma(s2, w1, a21);
                if (TNv.Value > 2) a22 = TS.Fma(s2, w2, a22);
                if (TNv.Value > 3) a23 = TS.Fma(s2, w3, a23);
            }
            if (TMr.Value > 3)
            {
                TV s3 = TS.Splat(Unsafe.Add(ref x3, k));
                a30 = TS.Fma(s3, w0, a30);
                if (TNv.Value > 1) a31 = TS.Fma(s3, w1, a31);
                if (TNv.Value > 2) a32 = TS.Fma(s3, w2, a32);
                if (TNv.Value > 3) a33 = TS.Fma(s3, w3, a33);
            }
            if (TMr.Value > 4)
            {
                TV s4 = TS.Splat(Unsafe.Add(ref x4, k));
                a40 = TS.Fma(s4, w0, a40);
                if (TNv.Value > 1) a41 = TS.Fma(s4, w1, a41);
                if (TNv.Value > 2) a42 = TS.Fma(s4, w2, a42);
                if (TNv.Value > 3) a43 = TS.Fma(s4, w3, a43);
            }
            if (TMr.Value > 5)
            {
                TV s5 = TS.Splat(Unsafe.Add(ref x5, k));
                a50 = TS.Fma(s5, w0, a50);
                if (TNv.Value > 1) a51 = TS.Fma(s5, w1, a51);
                if (TNv.Value > 2) a52 = TS.Fma(s5, w2, a52);
                if (TNv.Value > 3) a53 = TS.Fma(s5, w3, a53);
            }
            wk = ref Unsafe.Add(ref wk, ldw);
        }
        TS.Store(a00, ref c0);
        if (TNv.Value > 1) TS.Store(a01, ref Unsafe.Add(ref c0, l));
        if (TNv.Value > 2) TS.Store(a02, ref Unsafe.Add(ref c0, 2 * l));
        if (TNv.Value > 3) TS.Store(a03, ref Unsafe.Add(ref c0, 3 * l));
        if (TMr.Value > 1) TS.Store(a10, ref c1);
        if (TMr.Value > 1 && TNv.Value > 1) TS.Store(a11, ref Unsafe.Add(ref c1, l));
        if (TMr.Value > 1 && TNv.Value > 2) TS.Store(a12, ref Unsafe.Add(ref c1, 2 * l));
        if (TMr.Value > 1 && TNv.Value > 3) TS.Store(a13, ref Unsafe.Add(ref c1, 3 * l));
        if (TMr.Value > 2) TS.Store(a20, ref c2);
        if (TMr.Value > 2 && TNv.Value > 1) TS.Store(a21, ref Unsafe.Add(ref c2, l));
        if (TMr.Value > 2 && TNv.Value > 2) TS.Store(a22, ref Unsafe.Add(ref c2, 2 * l));
        if (TMr.Value > 2 && TNv.Value > 3) TS.Store(a23, ref Unsafe.Add(ref c2, 3 * l));
        if (TMr.Value > 3) TS.Store(a30, ref c3);
        if (TMr.Value > 3 && TNv.Value > 1) TS.Store(a31, ref Unsafe.Add(ref c3, l));
        if (TMr.Value > 3 && TNv.Value > 2) TS.Store(a32, ref Unsafe.Add(ref c3, 2 * l));
        if (TMr.Value > 3 && TNv.Value > 3) TS.Store(a33, ref Unsafe.Add(ref c3, 3 * l));
        if (TMr.Value > 4) TS.Store(a40, ref c4);
        if (TMr.Value > 4 && TNv.Value > 1) TS.Store(a41, ref Unsafe.Add(ref c4, l));
        if (TMr.Value > 4 && TNv.Value > 2) TS.Store(a42, ref Unsafe.Add(ref c4, 2 * l));
        if (TMr.Value > 4 && TNv.Value > 3) TS.Store(a43, ref Unsafe.Add(ref c4, 3 * l));
        if (TMr.Value > 5) TS.Store(a50, ref c5);
        if (TMr.Value > 5 && TNv.Value > 1) TS.Store(a51, ref Unsafe.Add(ref c5, l));
        if (TMr.Value > 5 && TNv.Value > 2) TS.Store(a52, ref Unsafe.Add(ref c5, 2 * l));
        if (TMr.Value > 5 && TNv.Value > 3) TS.Store(a53, ref Unsafe.Add(ref c5, 3 * l));
    }
}
