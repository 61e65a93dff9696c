using Fixpoint.Maps;

namespace Fixpoint.Certify;

/// <summary>One point's certificate: its index in the list given, the approximate fixed point, and Krawczyk's verdict.</summary>
public sealed record PointCertificate(int Index, double[] X, KrawczykResult Result);

/// <summary>Krawczyk boxes around many approximate fixed points, such as the fixed points of a census.</summary>
public static class KrawczykAround
{
    /// <summary>
    /// Certifies each point on its own (<see cref="Krawczyk.Certify(Network, ReadOnlySpan{double}, KrawczykOptions?, CancellationToken)"/>),
    /// the points in parallel. The list is in the points' order, and no result depends on the thread count.
    /// Cancellation throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public static IReadOnlyList<PointCertificate> CertifyAll(Network network, IReadOnlyList<double[]> points, KrawczykOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        for (int i = 0; i < points.Count; i++)
            if (points[i].Length != network.Dimension)
                throw new ArgumentException($"point {i} has {points[i].Length} coordinates but the network has dimension {network.Dimension}", nameof(points));
        var results = new KrawczykResult[points.Count];
        Parallel.For(0, points.Count, new ParallelOptions { CancellationToken = cancellationToken },
            i => results[i] = Krawczyk.Certify(network, points[i], options, cancellationToken));
        return results.Select((r, i) => new PointCertificate(i, points[i], r)).ToArray();
    }
}
