using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Fixpoint.Numerics;

/// <summary>
/// The instruction paths of the affine kernel. Every path computes the same chain of correctly
/// rounded fused multiply-adds, so they give bit-identical results; they differ only in speed.
/// </summary>
public enum KernelPath
{
    /// <summary>Portable scalar code (<see cref="Math.FusedMultiplyAdd(double, double, double)"/>).</summary>
    Scalar,
    /// <summary>128-bit vectors (SSE, Arm AdvSimd).</summary>
    Vector128,
    /// <summary>256-bit vectors (AVX2 + FMA).</summary>
    Vector256,
    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,
}

/// <summary>
/// One vector width for the generic kernels: loads, stores, broadcasts and fused multiply-adds.
/// Implemented by empty structs so that the JIT specialises and inlines each width.
/// </summary>
internal interface ISimd<T, TV> where T : unmanaged where TV : struct
{
    static abstract int Lanes { get; }
    static abstract TV Load(ref T source);
    static abstract void Store(TV value, ref T destination);
    static abstract TV Splat(T value);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract TV Fma(TV a, TV b, TV c);
}

/// <summary>A compile-time integer for the generic kernels.</summary>
internal interface IConstant
{
    static abstract int Value { get; }
}

internal readonly struct C1 : IConstant { public static int Value => 1; }
internal readonly struct C2 : IConstant { public static int Value => 2; }
internal readonly struct C3 : IConstant { public static int Value => 3; }
internal readonly struct C4 : IConstant { public static int Value => 4; }
internal readonly struct C5 : IConstant { public static int Value => 5; }
internal readonly struct C6 : IConstant { public static int Value => 6; }

internal readonly struct ScalarD : ISimd<double, double>
{
    public static int Lanes => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Load(ref double s) => s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(double v, ref double d) => d = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Splat(double v) => v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Fma(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);
}

internal readonly struct V128D : ISimd<double, Vector128<double>>
{
    public static int Lanes => Vector128<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Load(ref double s) => Vector128.LoadUnsafe(ref s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<double> v, ref double d) => v.StoreUnsafe(ref d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Splat(double v) => Vector128.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Fma(Vector128<double> a, Vector128<double> b, Vector128<double> c) => Vector128.FusedMultiplyAdd(a, b, c);
}

internal readonly struct V256D : ISimd<double, Vector256<double>>
{
    public static int Lanes => Vector256<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Load(ref double s) => Vector256.LoadUnsafe(ref s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<double> v, ref double d) => v.StoreUnsafe(ref d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Splat(double v) => Vector256.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Fma(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.FusedMultiplyAdd(a, b, c);
}

internal readonly struct V512D : ISimd<double, Vector512<double>>
{
    public static int Lanes => Vector512<double>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Load(ref double s) => Vector512.LoadUnsafe(ref s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<double> v, ref double d) => v.StoreUnsafe(ref d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Splat(double v) => Vector512.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Fma(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.FusedMultiplyAdd(a, b, c);
}

internal readonly struct ScalarF : ISimd<float, float>
{
    public static int Lanes => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(ref float s) => s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float v, ref float d) => d = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Splat(float v) => v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
}

internal readonly struct V128F : ISimd<float, Vector128<float>>
{
    public static int Lanes => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float s) => Vector128.LoadUnsafe(ref s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> v, ref float d) => v.StoreUnsafe(ref d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Splat(float v) => Vector128.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
}

internal readonly struct V256F : ISimd<float, Vector256<float>>
{
    public static int Lanes => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float s) => Vector256.LoadUnsafe(ref s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, ref float d) => v.StoreUnsafe(ref d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float v) => Vector256.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
}

internal readonly struct V512F : ISimd<float, Vector512<float>>
{
    public static int Lanes => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float s) => Vector512.LoadUnsafe(ref s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> v, ref float d) => v.StoreUnsafe(ref d);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(float v) => Vector512.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
}
