using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.IO;

/// <summary>
/// How an exactly imported network agrees with ONNX Runtime: the largest |F_imported − F_onnxruntime| / max(1, |F|)
/// over <see cref="Points"/> seeded random points in [−1, 1]^N, against the limit for the model's precision.
/// </summary>
public sealed record OnnxImportCheck(int Points, int Dimension, double Worst, double Limit, bool IsFloat32)
{
    public const int DefaultPoints = 100;

    /// <summary>The largest relative difference accepted: a float32 model agrees to its roundoff, a float64 one to near its own.</summary>
    public const double Float32Limit = 1e-4, Float64Limit = 1e-10;

    public bool Agrees => Worst <= Limit;

    /// <summary>Evaluates both at the same points (seeded, so every run checks the same ones). The dimensions must agree.</summary>
    public static OnnxImportCheck Run(OnnxMap onnx, Network imported, int points = DefaultPoints)
    {
        if (onnx.Dimension != imported.Dimension)
            throw new ArgumentException($"ONNX Runtime sees N = {onnx.Dimension} but the imported network has N = {imported.Dimension}", nameof(imported));
        int n = imported.Dimension;
        var rng = new Rng(20240917UL);
        var xs = new double[points * n];
        for (int i = 0; i < xs.Length; i++) xs[i] = onnx.ToInput(rng.Uniform(-1, 1));
        var a = new double[xs.Length];
        var b = new double[xs.Length];
        imported.EvaluateBatch(xs, a, points);
        onnx.EvaluateBatch(xs, b, points);
        double worst = 0;
        for (int i = 0; i < xs.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]) / Math.Max(1.0, Math.Abs(b[i])));
        return new OnnxImportCheck(points, n, worst, onnx.IsFloat32 ? Float32Limit : Float64Limit, onnx.IsFloat32);
    }
}
