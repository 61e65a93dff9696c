using System.Globalization;
using Fixpoint.Numerics;

namespace Fixpoint.Census;

/// <summary>How the starting points of a census are drawn. <see cref="Generate"/> is a pure function of (spec, N, count, seed).</summary>
public abstract record StartSpec
{
    /// <summary>A short description for reports, such as <c>uniform[-1, 1]</c>.</summary>
    public abstract string Describe();

    /// <summary>count × N starting points, row-major.</summary>
    public abstract double[] Generate(int dimension, int count, ulong seed);

    /// <summary>How many starts this spec yields when asked for <paramref name="requested"/> (a grid rounds, a file has its rows).</summary>
    public virtual int Count(int dimension, int requested) => requested;

    /// <summary>The smallest box (per coordinate) that holds the starts, for plots.</summary>
    public virtual (double Lo, double Hi)? Box => null;

    /// <summary>[lo, hi] when it is finite and not empty; else the exception names the box.</summary>
    protected static (double Lo, double Hi) CheckedBox(double lo, double hi) =>
        double.IsFinite(lo) && double.IsFinite(hi) && lo < hi
            ? (lo, hi) : throw new ArgumentOutOfRangeException(nameof(lo), $"the box [{lo}, {hi}] is empty or not finite");
}

/// <summary>Independent uniform coordinates in [Lo, Hi] (the same interval in every coordinate).</summary>
public sealed record UniformBoxStarts : StartSpec
{
    public UniformBoxStarts(double lo, double hi) => (Lo, Hi) = CheckedBox(lo, hi);
    public double Lo { get; }
    public double Hi { get; }
    public override string Describe() => $"uniform[{Lo.ToString(CultureInfo.InvariantCulture)}, {Hi.ToString(CultureInfo.InvariantCulture)}]";
    public override (double Lo, double Hi)? Box => (Lo, Hi);
    public override double[] Generate(int dimension, int count, ulong seed)
    {
        var rng = Rng.Derive(seed, 0x5741525453UL);
        var x = new double[count * dimension];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Uniform(Lo, Hi);
        return x;
    }
}

/// <summary>Independent N(Mean, Std²) coordinates.</summary>
public sealed record GaussianStarts : StartSpec
{
    public GaussianStarts(double mean, double std)
    {
        if (!double.IsFinite(mean)) throw new ArgumentOutOfRangeException(nameof(mean), mean, "must be finite");
        if (!(std > 0) || !double.IsFinite(std)) throw new ArgumentOutOfRangeException(nameof(std), std, "must be > 0");
        Mean = mean;
        Std = std;
    }
    public double Mean { get; }
    public double Std { get; }
    public override string Describe() => $"gaussian(mean {Mean.ToString(CultureInfo.InvariantCulture)}, std {Std.ToString(CultureInfo.InvariantCulture)})";
    public override double[] Generate(int dimension, int count, ulong seed)
    {
        var rng = Rng.Derive(seed, 0x5741525454UL);
        var x = new double[count * dimension];
        for (int i = 0; i < x.Length; i++) x[i] = Mean + Std * rng.Normal();
        return x;
    }
}

/// <summary>
/// A full tensor grid over [Lo, Hi]^N with k points per axis, k = ⌈count^(1/N)⌉ (so at least the
/// requested number of starts); sensible for N ≤ 3. The grid includes both ends.
/// </summary>
public sealed record GridStarts : StartSpec
{
    /// <summary>Grids above this many points are refused: they are not what a grid is for.</summary>
    public const int MaxPoints = 10_000_000;

    public GridStarts(double lo, double hi) => (Lo, Hi) = CheckedBox(lo, hi);
    public double Lo { get; }
    public double Hi { get; }
    public override string Describe() => $"grid[{Lo.ToString(CultureInfo.InvariantCulture)}, {Hi.ToString(CultureInfo.InvariantCulture)}]";
    public override (double Lo, double Hi)? Box => (Lo, Hi);

    public static int PointsPerAxis(int dimension, int requested)
    {
        int k = Math.Max(2, (int)Math.Ceiling(Math.Pow(requested, 1.0 / dimension) - 1e-9));
        while (Math.Pow(k - 1, dimension) >= requested && k > 2) k--;
        return k;
    }

    public override int Count(int dimension, int requested)
    {
        double total = Math.Pow(PointsPerAxis(dimension, requested), dimension);
        if (total > MaxPoints) throw new ArgumentOutOfRangeException(nameof(requested), $"a grid in {dimension} dimensions would have {total:g3} points; use uniform starts for N > 3");
        return (int)total;
    }

    public override double[] Generate(int dimension, int count, ulong seed)
    {
        int k = PointsPerAxis(dimension, count);
        int total = Count(dimension, count);
        var x = new double[total * dimension];
        for (int p = 0; p < total; p++)
        {
            int rest = p;
            for (int d = dimension - 1; d >= 0; d--)
            {
                int idx = rest % k;
                rest /= k;
                x[p * dimension + d] = Lo + (Hi - Lo) * idx / (k - 1);
            }
        }
        return x;
    }
}

/// <summary>Given points (the rows of a CSV file or of a data set, read by the caller), used as given; the requested count is ignored.</summary>
public sealed record PointListStarts(string Source, double[] Points, int Dimension) : StartSpec
{
    public override string Describe() => $"rows of {Source}";
    public override int Count(int dimension, int requested) => Points.Length / Dimension;
    public override double[] Generate(int dimension, int count, ulong seed)
    {
        if (dimension != Dimension) throw new ArgumentException($"{Source} has {Dimension} columns but the network has dimension {dimension}");
        return (double[])Points.Clone();
    }
}
