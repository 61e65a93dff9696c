using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Fixpoint.Numerics;

/// <summary>
/// Vectorised per-row operations for the solvers' inner loops, compiled fully optimised from the
/// first call (short runs would otherwise spend their time in unoptimised code). Maxima are exact (no
/// rounding), so they equal the scalar loops in <see cref="DenseLinearAlgebra"/>, NaN included: any
/// NaN entry makes a maximum NaN. Dot products sum in a fixed order for a given length and machine,
/// so a row's result never depends on the other rows of its batch.
/// </summary>
internal static class RowOps
{
    /// <summary>max|x|, NaN when any entry is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double MaxAbs(ReadOnlySpan<double> x)
    {
        int n = x.Length, i = 0;
        ref double xr = ref MemoryMarshal.GetReference(x);
        double m = 0;
        bool nan = false;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<double>.Count)
        {
            Vector256<double> vm = Vector256<double>.Zero;
            Vector256<double> ok = Vector256<double>.AllBitsSet;
            for (; i + Vector256<double>.Count <= n; i += Vector256<double>.Count)
            {
                Vector256<double> v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                ok &= Vector256.Equals(v, v);
                vm = Vector256.MaxNative(vm, Vector256.Abs(v));
            }
            nan = ok.AsUInt64() != Vector256<ulong>.AllBitsSet;
            for (int l = 0; l < Vector256<double>.Count; l++) m = Math.Max(m, vm.GetElement(l));
        }
        for (; i < n; i++)
        {
            double a = Math.Abs(Unsafe.Add(ref xr, i));
            if (double.IsNaN(a)) nan = true;
            else if (a > m) m = a;
        }
        return nan ? double.NaN : m;
    }

    /// <summary>
    /// True when every |a_i − b_i| ≤ tol (so max|a − b| ≤ tol), false at the first entry that is
    /// farther or NaN. Usually decides within the first vector, which makes cycle checks cheap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Within(ReadOnlySpan<double> a, ReadOnlySpan<double> b, double tol)
    {
        if (a.Length != b.Length) throw new ArgumentException("a and b differ in length");
        int n = a.Length, i = 0;
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> t = Vector256.Create(tol);
            for (; i + Vector256<double>.Count <= n; i += Vector256<double>.Count)
            {
                Vector256<double> d = Vector256.Abs(Vector256.LoadUnsafe(ref ar, (nuint)i) - Vector256.LoadUnsafe(ref br, (nuint)i));
                if (!Vector256.LessThanOrEqualAll(d, t)) return false; // NaN compares false
            }
        }
        for (; i < n; i++)
            if (!(Math.Abs(Unsafe.Add(ref ar, i) - Unsafe.Add(ref br, i)) <= tol)) return false;
        return true;
    }

    /// <summary>d = a − b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Subtract(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> d)
    {
        int n = a.Length, i = 0;
        if (b.Length != n || d.Length < n) throw new ArgumentException("a, b and d differ in length");
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        ref double dr = ref MemoryMarshal.GetReference(d);
        if (Vector256.IsHardwareAccelerated)
            for (; i + Vector256<double>.Count <= n; i += Vector256<double>.Count)
                (Vector256.LoadUnsafe(ref ar, (nuint)i) - Vector256.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref dr, i) = Unsafe.Add(ref ar, i) - Unsafe.Add(ref br, i);
    }

    /// <summary>y = y + c·x (one fma per entry).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy(double c, ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, i = 0;
        if (y.Length < n) throw new ArgumentException("y is shorter than x");
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> cv = Vector256.Create(c);
            for (; i + Vector256<double>.Count <= n; i += Vector256<double>.Count)
                Vector256.FusedMultiplyAdd(cv, Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = Math.FusedMultiplyAdd(c, Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
    }

    /// <summary>a·b: four-lane partial sums in index order, then the lanes and the tail in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length, i = 0;
        if (b.Length != n) throw new ArgumentException("a and b differ in length");
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        double s = 0;
        if (Vector256.IsHardwareAccelerated && n >= 2 * Vector256<double>.Count)
        {
            Vector256<double> s0 = Vector256<double>.Zero, s1 = Vector256<double>.Zero;
            for (; i + 2 * Vector256<double>.Count <= n; i += 2 * Vector256<double>.Count)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref ar, (nuint)i), Vector256.LoadUnsafe(ref br, (nuint)i), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref ar, (nuint)(i + 4)), Vector256.LoadUnsafe(ref br, (nuint)(i + 4)), s1);
            }
            Vector256<double> t = s0 + s1;
            s = (t.GetElement(0) + t.GetElement(1)) + (t.GetElement(2) + t.GetElement(3));
        }
        for (; i < n; i++) s = Math.FusedMultiplyAdd(Unsafe.Add(ref ar, i), Unsafe.Add(ref br, i), s);
        return s;
    }

    /// <summary>d = cur − prev, then prev = cur, in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DifferenceAndShift(ReadOnlySpan<double> cur, Span<double> prev, Span<double> d)
    {
        int n = cur.Length, i = 0;
        if (prev.Length != n || d.Length != n) throw new ArgumentException("cur, prev and d differ in length");
        ref double cr = ref MemoryMarshal.GetReference(cur);
        ref double pr = ref MemoryMarshal.GetReference(prev);
        ref double dr = ref MemoryMarshal.GetReference(d);
        if (Vector256.IsHardwareAccelerated)
            for (; i + Vector256<double>.Count <= n; i += Vector256<double>.Count)
            {
                Vector256<double> c = Vector256.LoadUnsafe(ref cr, (nuint)i);
                (c - Vector256.LoadUnsafe(ref pr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
                c.StoreUnsafe(ref pr, (nuint)i);
            }
        for (; i < n; i++)
        {
            double c = Unsafe.Add(ref cr, i);
            Unsafe.Add(ref dr, i) = c - Unsafe.Add(ref pr, i);
            Unsafe.Add(ref pr, i) = c;
        }
    }

    /// <summary>(a·b, a·c) in one pass over a, each summed as in <see cref="Dot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double AB, double AC) Dot2(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c)
    {
        int n = a.Length, i = 0;
        if (b.Length != n || c.Length != n) throw new ArgumentException("a, b and c differ in length");
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        ref double cr = ref MemoryMarshal.GetReference(c);
        double sb = 0, sc = 0;
        if (Vector256.IsHardwareAccelerated && n >= 2 * Vector256<double>.Count)
        {
            Vector256<double> b0 = Vector256<double>.Zero, b1 = Vector256<double>.Zero, c0 = Vector256<double>.Zero, c1 = Vector256<double>.Zero;
            for (; i + 2 * Vector256<double>.Count <= n; i += 2 * Vector256<double>.Count)
            {
                Vector256<double> a0 = Vector256.LoadUnsafe(ref ar, (nuint)i), a1 = Vector256.LoadUnsafe(ref ar, (nuint)(i + 4));
                b0 = Vector256.FusedMultiplyAdd(a0, Vector256.LoadUnsafe(ref br, (nuint)i), b0);
                b1 = Vector256.FusedMultiplyAdd(a1, Vector256.LoadUnsafe(ref br, (nuint)(i + 4)), b1);
                c0 = Vector256.FusedMultiplyAdd(a0, Vector256.LoadUnsafe(ref cr, (nuint)i), c0);
                c1 = Vector256.FusedMultiplyAdd(a1, Vector256.LoadUnsafe(ref cr, (nuint)(i + 4)), c1);
            }
            Vector256<double> tb = b0 + b1, tc = c0 + c1;
            sb = (tb.GetElement(0) + tb.GetElement(1)) + (tb.GetElement(2) + tb.GetElement(3));
            sc = (tc.GetElement(0) + tc.GetElement(1)) + (tc.GetElement(2) + tc.GetElement(3));
        }
        for (; i < n; i++)
        {
            double av = Unsafe.Add(ref ar, i);
            sb = Math.FusedMultiplyAdd(av, Unsafe.Add(ref br, i), sb);
            sc = Math.FusedMultiplyAdd(av, Unsafe.Add(ref cr, i), sc);
        }
        return (sb, sc);
    }

    /// <summary>
    /// The Anderson update in one pass: x ← x + β·g − Σ_{i&lt;k} γ_i·(Δx_i + β·Δg_i), where Δx_i and Δg_i
    /// are rows i of <paramref name="dx"/> and <paramref name="dg"/> (k rows of length N each).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MixUpdate(Span<double> x, ReadOnlySpan<double> g, double beta, ReadOnlySpan<double> dx, ReadOnlySpan<double> dg, ReadOnlySpan<double> gamma, int k)
    {
        int n = x.Length, i = 0;
        if (g.Length != n || dx.Length < k * n || dg.Length < k * n || gamma.Length < k) throw new ArgumentException("the update's spans are too short");
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double gr = ref MemoryMarshal.GetReference(g);
        ref double dxr = ref MemoryMarshal.GetReference(dx);
        ref double dgr = ref MemoryMarshal.GetReference(dg);
        Span<double> cx = stackalloc double[k];
        Span<double> cg = stackalloc double[k];
        for (int h = 0; h < k; h++)
        {
            cx[h] = -gamma[h];
            cg[h] = -gamma[h] * beta;
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> bv = Vector256.Create(beta);
            for (; i + Vector256<double>.Count <= n; i += Vector256<double>.Count)
            {
                Vector256<double> acc = Vector256.FusedMultiplyAdd(bv, Vector256.LoadUnsafe(ref gr, (nuint)i), Vector256.LoadUnsafe(ref xr, (nuint)i));
                for (int h = 0; h < k; h++)
                {
                    nuint o = (nuint)(h * n + i);
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(cx[h]), Vector256.LoadUnsafe(ref dxr, o), acc);
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(cg[h]), Vector256.LoadUnsafe(ref dgr, o), acc);
                }
                acc.StoreUnsafe(ref xr, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            double acc = Math.FusedMultiplyAdd(beta, Unsafe.Add(ref gr, i), Unsafe.Add(ref xr, i));
            for (int h = 0; h < k; h++)
            {
                acc = Math.FusedMultiplyAdd(cx[h], Unsafe.Add(ref dxr, h * n + i), acc);
                acc = Math.FusedMultiplyAdd(cg[h], Unsafe.Add(ref dgr, h * n + i), acc);
            }
            Unsafe.Add(ref xr, i) = acc;
        }
    }

    /// <summary>
    /// g = y − x with max|g| (returned), max|y| and max|x| in one pass; NaN-propagating like
    /// <see cref="DenseLinearAlgebra.MaxAbsDiff"/> and <see cref="MaxAbs"/>, whose values it returns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Residual(ReadOnlySpan<double> y, ReadOnlySpan<double> x, Span<double> g, out double maxAbsY, out double maxAbsX)
    {
        int n = x.Length, i = 0;
        if (y.Length != n || g.Length < n) throw new ArgumentException("x, y and g differ in length");
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        ref double gr = ref MemoryMarshal.GetReference(g);
        double md = 0, my = 0, mx = 0;
        bool nan = false;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<double>.Count)
        {
            Vector256<double> vd = Vector256<double>.Zero, vy = Vector256<double>.Zero, vx = Vector256<double>.Zero;
            Vector256<double> ok = Vector256<double>.AllBitsSet;
            for (; i + Vector256<double>.Count <= n; i += Vector256<double>.Count)
            {
                Vector256<double> a = Vector256.LoadUnsafe(ref yr, (nuint)i);
                Vector256<double> b = Vector256.LoadUnsafe(ref xr, (nuint)i);
                Vector256<double> d = a - b;
                d.StoreUnsafe(ref gr, (nuint)i);
                ok &= Vector256.Equals(d, d) & Vector256.Equals(a, a) & Vector256.Equals(b, b);
                vd = Vector256.MaxNative(vd, Vector256.Abs(d));
                vy = Vector256.MaxNative(vy, Vector256.Abs(a));
                vx = Vector256.MaxNative(vx, Vector256.Abs(b));
            }
            nan = ok.AsUInt64() != Vector256<ulong>.AllBitsSet;
            for (int l = 0; l < Vector256<double>.Count; l++)
            {
                md = Math.Max(md, vd.GetElement(l));
                my = Math.Max(my, vy.GetElement(l));
                mx = Math.Max(mx, vx.GetElement(l));
            }
        }
        for (; i < n; i++)
        {
            double a = Unsafe.Add(ref yr, i), b = Unsafe.Add(ref xr, i);
            double d = a - b;
            Unsafe.Add(ref gr, i) = d;
            if (double.IsNaN(d) || double.IsNaN(a) || double.IsNaN(b)) nan = true;
            else
            {
                md = Math.Max(md, Math.Abs(d));
                my = Math.Max(my, Math.Abs(a));
                mx = Math.Max(mx, Math.Abs(b));
            }
        }
        maxAbsY = nan ? double.NaN : my;
        maxAbsX = nan ? double.NaN : mx;
        return nan ? double.NaN : md;
    }
}
