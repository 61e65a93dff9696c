using System.Numerics.Tensors;
using Fixpoint.Numerics;

namespace Fixpoint.Maps;

// Forward-mode tangents in blocks: k tangent rows go through the same packed affine kernel as x
// (without the bias), then are scaled by g′ of x's pre-activations. The dense Jacobian above a size
// is the same computation with the identity as the block, so J is formed by matrix products.
public sealed partial class Network
{
    /// <summary>
    /// From this N on, <see cref="Jacobian(ReadOnlySpan{double}, Span{double}, JacobianWorkspace)"/> forms J by
    /// blocked matrix products (<see cref="JacobianVectors(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, int, JacobianWorkspace)"/> on the identity). Below it the row-by-row chain
    /// rule is kept, because its sums are rounded differently and the committed results (N ≤ 50) depend on its bits.
    /// </summary>
    public const int ProductJacobianMinDimension = 128;

    // Workspace slots of the block tangents; the row-by-row Jacobian and JacobianVector use 0 … 4.
    private const int SlotCur = 5, SlotNext = 6, SlotTan = 8, SlotTanNext = 9, SlotZeros = 10, SlotTile = 11, SlotEye = 12, SlotDerivs = 13;

    /// <summary>
    /// JV = J(x)·V for <paramref name="count"/> tangent vectors at once: row r of <paramref name="vs"/>
    /// (count × N, row-major) is v_r, row r of <paramref name="jvs"/> receives J(x)·v_r. Each layer sends the
    /// tangent rows through the packed affine kernel without its bias and multiplies them by g′(z) of x's
    /// pre-activation z (plus the tangent itself for residual layers). Row r's result does not depend on the
    /// other rows. Agrees with <see cref="JacobianVector(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    /// to rounding (the kernel sums by fused multiply-adds).
    /// </summary>
    public void JacobianVectors(ReadOnlySpan<double> x, ReadOnlySpan<double> vs, Span<double> jvs, int count, JacobianWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        int n = Dimension;
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (x.Length != n) throw new ArgumentException("x must have length N", nameof(x));
        if (vs.Length < (long)count * n || jvs.Length < (long)count * n) throw new ArgumentException($"vs and jvs must hold count × N = {count} × {n} numbers");
        if (count == 0) return;
        double[] tan = workspace.Buffer(SlotTan, count * MaxWidth);
        vs.Slice(0, count * n).CopyTo(tan);
        Tangents(x, tan, count, fromIdentity: false, jvs, workspace);
    }

    /// <summary><see cref="JacobianVectors(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, int, JacobianWorkspace)"/> with its own scratch.</summary>
    public void JacobianVectors(ReadOnlySpan<double> x, ReadOnlySpan<double> vs, Span<double> jvs, int count) =>
        JacobianVectors(x, vs, jvs, count, new JacobianWorkspace());

    /// <summary>J(x) row-major by blocked products: the tangents of the N unit vectors are the columns of J.</summary>
    internal void ProductJacobian(ReadOnlySpan<double> x, Span<double> jacobian, JacobianWorkspace workspace)
    {
        int n = Dimension;
        double[] cols = workspace.Buffer(SlotEye, n * n);
        Tangents(x, null, n, fromIdentity: true, cols, workspace);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) jacobian[i * n + j] = cols[j * n + i];
    }

    /// <summary>
    /// The block tangent pass. <paramref name="tangents"/> holds count rows of N (workspace slot <see cref="SlotTan"/>);
    /// with <paramref name="fromIdentity"/> the rows are the unit vectors and the first layer's products,
    /// e_r·Wᵀ = row r of Wᵀ, are copied instead of computed (the same bits: one exact product and zeros).
    /// </summary>
    private void Tangents(ReadOnlySpan<double> x, double[]? tangents, int count, bool fromIdentity, Span<double> result, JacobianWorkspace workspace)
    {
        int n = Dimension, width = MaxWidth;
        double[] cur = workspace.Buffer(SlotCur, width);
        double[] next = workspace.Buffer(SlotNext, width);
        double[] tan = tangents ?? workspace.Buffer(SlotTan, count * width);
        double[] tanNext = workspace.Buffer(SlotTanNext, count * width);
        int padded = 0, tileLength = 1;
        foreach (PackedLayer<double> p in _packed.Stored) { padded = Math.Max(padded, p.PaddedOutputs); tileLength = Math.Max(tileLength, p.TileLength); }
        double[] zeros = workspace.Buffer(SlotZeros, padded);
        Array.Clear(zeros, 0, padded);
        double[] tile = workspace.Buffer(SlotTile, tileLength);
        // g′ of every layer's pre-activation at x, kept in the workspace: Krylov and GMRES ask for hundreds of products
        // at one point, and on wide layers each forward pass costs as much memory traffic as the product itself.
        int total = 0;
        foreach (DenseLayer layer in _applied) total += layer.Outputs;
        double[] derivs = workspace.Buffer(SlotDerivs, total);
        bool cached = ReferenceEquals(workspace.CacheOwner, this) && workspace.CachedPoint.AsSpan().SequenceEqual(x);
        if (!cached)
        {
            workspace.CacheOwner = null;
            x.CopyTo(cur);
            for (int l = 0, at = 0; l < _applied.Length; l++)
            {
                DenseLayer layer = _applied[l];
                PackedLayer<double> packed = _packed[l];
                int inp = layer.Inputs, outp = layer.Outputs;
                AffineKernel.Rows(packed.Path, cur, 1, inp, packed.View, next, outp, tile);
                for (int o = 0; o < outp; o++) derivs[at + o] = Activation.Derivative(next[o]);
                Activation.Apply(next.AsSpan(0, outp), next.AsSpan(0, outp));
                if (Residual) for (int o = 0; o < outp; o++) next[o] += cur[o];
                at += outp;
                (cur, next) = (next, cur);
            }
            workspace.CachedPoint = x.ToArray();
            workspace.CacheOwner = this;
        }
        for (int l = 0, at = 0; l < _applied.Length; l++)
        {
            DenseLayer layer = _applied[l];
            PackedLayer<double> packed = _packed[l];
            int inp = layer.Inputs, outp = layer.Outputs;
            ReadOnlySpan<double> d = derivs.AsSpan(at, outp);
            at += outp;
            bool copyWeights = fromIdentity && l == 0;
            if (copyWeights) layer.WeightTransposed.AsSpan(0, count * outp).CopyTo(tanNext);
            else AffineKernel.Rows(packed.Path, tan, count, inp, packed.ViewWithBias(zeros), tanNext, outp, tile);
            for (int r = 0; r < count; r++)
            {
                Span<double> row = tanNext.AsSpan(r * outp, outp);
                TensorPrimitives.Multiply(row, d, row);
                if (Residual)
                {
                    if (copyWeights) row[r] += 1.0;
                    else TensorPrimitives.Add(row, tan.AsSpan(r * inp, inp), row);
                }
            }
            (tan, tanNext) = (tanNext, tan);
        }
        tan.AsSpan(0, count * n).CopyTo(result);
    }
}
