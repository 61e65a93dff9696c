using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Init;

/// <summary>
/// The recipe for a random network. <see cref="Build"/> is a pure function of the recipe:
/// layer l's weights come from the stream (Seed, l, 0) and its biases from (Seed, l, 1),
/// so a seed fixes the network bit for bit whatever the thread count.
/// </summary>
public sealed record RandomNetworkSpec(
    int Width,
    int Depth,
    Activation Activation,
    WeightLaw Weights,
    WeightLaw Biases,
    ScaleConvention Scaling = ScaleConvention.InverseSqrtN,
    bool Tied = false,
    bool Residual = false,
    ulong Seed = 0)
{
    public Network Build()
    {
        if (Width < 1) throw new ArgumentOutOfRangeException(nameof(Width), Width, "must be ≥ 1");
        if (Depth < 1) throw new ArgumentOutOfRangeException(nameof(Depth), Depth, "must be ≥ 1");
        int count = Tied ? 1 : Depth;
        var layers = new DenseLayer[count];
        double factor = Scaling.Factor(Width);
        for (int l = 0; l < count; l++)
        {
            var w = new double[Width * Width];
            var b = new double[Width];
            Weights.Fill(w, Width, Width, Rng.Derive(Seed, (ulong)l, 0));
            Biases.Fill(b, Width, 1, Rng.Derive(Seed, (ulong)l, 1));
            for (int i = 0; i < w.Length; i++) w[i] *= factor;
            layers[l] = new DenseLayer(Width, Width, w, b);
        }
        return new Network(layers, Activation, Tied, Tied ? Depth : 0, Residual);
    }
}
