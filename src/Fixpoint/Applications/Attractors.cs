using Fixpoint.Census;
using Fixpoint.Maps;
using Fixpoint.Numerics;
using Fixpoint.Solvers;

namespace Fixpoint.Applications;

/// <summary>How the applications iterate a map to its attractor and tell attractors apart.</summary>
public sealed record IterationOptions
{
    public const double DefaultAtol = 1e-9;
    public const int DefaultMaxIterations = 2000;
    public const double DefaultSameTol = 1e-4;

    private readonly double _same = DefaultSameTol;

    /// <summary>The Picard solve: x ← F(x) until ‖F(x) − x‖∞ ≤ atol (cycles and divergence detected, see docs/solvers.md).</summary>
    public SolveOptions Solve { get; init; } = new() { Atol = DefaultAtol, MaxIterations = DefaultMaxIterations };

    /// <summary>Two converged end points are the same attractor when their ∞-distance is ≤ this.</summary>
    public double SameTol { get => _same; init => _same = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(SameTol), value, "must be > 0"); }
}

/// <summary>A growing list of distinct attracting fixed points, matched by ∞-distance (first match in insertion order).</summary>
public sealed class AttractorCatalog(double sameTol)
{
    private readonly List<double[]> _points = [];
    private readonly List<double> _rho = [];

    public IReadOnlyList<double[]> Points => _points;

    /// <summary>ρ(J) at each attractor.</summary>
    public IReadOnlyList<double> SpectralRadius => _rho;
    public int Count => _points.Count;

    /// <summary>The index of the attractor within the tolerance of <paramref name="x"/>, or −1.</summary>
    public int Find(ReadOnlySpan<double> x)
    {
        for (int k = 0; k < _points.Count; k++)
        {
            double[] p = _points[k];
            double d = 0;
            for (int j = 0; j < p.Length && d <= sameTol; j++) d = Math.Max(d, Math.Abs(p[j] - x[j]));
            if (d <= sameTol) return k;
        }
        return -1;
    }

    /// <summary>Finds or adds <paramref name="x"/> (a converged end point of <paramref name="map"/>); returns its index.</summary>
    public int FindOrAdd(IMap map, double[] x)
    {
        int k = Find(x);
        if (k >= 0) return k;
        _points.Add(x);
        _rho.Add(Attractors.SpectralRadius(map, x));
        return _points.Count - 1;
    }
}

public static class Attractors
{
    /// <summary>Picard from every start (count × N, row-major); one result per start.</summary>
    public static SolveResult[] Iterate(IMap map, double[] starts, int count, IterationOptions options, CancellationToken ct = default)
    {
        BatchResult r = new PicardSolver().SolveBatch(map, starts, count, options.Solve, null, ct);
        if (r.Cancelled) throw new OperationCanceledException(ct);
        return r.Results;
    }

    /// <summary>
    /// Iterates from every start and assigns each converged end point with ρ(J) &lt; 1 to an attractor of
    /// <paramref name="catalog"/> (adding new ones when <paramref name="addNew"/>); −1 for starts that did not converge,
    /// that ended at a point with ρ ≥ 1, or (without <paramref name="addNew"/>) that reached an attractor not in the catalog.
    /// </summary>
    public static (int[] Attractor, SolveResult[] Results) Assign(IMap map, double[] starts, int count, IterationOptions options, AttractorCatalog catalog, bool addNew, CancellationToken ct = default)
    {
        SolveResult[] results = Iterate(map, starts, count, options, ct);
        var idx = new int[count];
        for (int i = 0; i < count; i++)
        {
            SolveResult r = results[i];
            if (r.Status != SolveStatus.Converged) { idx[i] = -1; continue; }
            int k = catalog.Find(r.X);
            if (k < 0 && addNew)
            {
                if (SpectralRadius(map, r.X) >= 1) { idx[i] = -1; continue; }
                k = catalog.FindOrAdd(map, r.X);
            }
            idx[i] = k;
        }
        return (idx, results);
    }

    /// <summary>ρ(J(x)), the largest eigenvalue modulus of the exact Jacobian (<see cref="Spectral.SpectralRadius"/>).</summary>
    public static double SpectralRadius(IMap map, ReadOnlySpan<double> x)
    {
        int n = map.Dimension;
        var j = new double[n * n];
        map.Jacobian(x, j);
        return Spectral.SpectralRadius(j, n);
    }
}
