using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Bench;

/// <summary>Networks and inputs shared by the benchmarks: Gaussian weights scaled by 1/√N, tanh.</summary>
internal static class Workloads
{
    public static Network Network(int n, int layers, string activation = "tanh", double scale = 0.9, ulong seed = 1) =>
        new RandomNetworkSpec(n, layers, Activation.Parse(activation), new GaussianLaw(scale), new GaussianLaw(0.1), ScaleConvention.InverseSqrtN, Seed: seed).Build();

    public static double[] Uniform(int count, int n, double lo = -1, double hi = 1, ulong seed = 0)
    {
        var rng = new Rng(seed);
        var x = new double[count * n];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Uniform(lo, hi);
        return x;
    }
}
