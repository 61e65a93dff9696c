namespace Fixpoint.Numerics;

/// <summary>
/// A deterministic pseudo-random stream (xoshiro256**, seeded by SplitMix64).
/// Its output depends only on the seed and the stream key, never on the runtime's
/// <see cref="System.Random"/> implementation, the machine or the thread that draws from it.
/// Derive independent streams with <see cref="Derive(ulong, ulong)"/> so that the work a
/// thread does never depends on the order in which other threads draw.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    public Rng(ulong seed)
    {
        ulong sm = seed;
        _s0 = SplitMix64(ref sm);
        _s1 = SplitMix64(ref sm);
        _s2 = SplitMix64(ref sm);
        _s3 = SplitMix64(ref sm);
    }

    /// <summary>A stream for (seed, key): the same pair always gives the same stream.</summary>
    public static Rng Derive(ulong seed, ulong key) => new(Mix(seed, key));

    /// <summary>A stream for (seed, key1, key2).</summary>
    public static Rng Derive(ulong seed, ulong key1, ulong key2) => new(Mix(Mix(seed, key1), key2));

    /// <summary>Stable 64-bit hash of a string (FNV-1a), for keys such as task names.</summary>
    public static ulong HashKey(string key)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in key)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    internal static ulong Mix(ulong a, ulong b)
    {
        ulong x = a ^ (b + 0x9E3779B97F4A7C15UL + (a << 6) + (a >> 2));
        return SplitMix64(ref x);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / 9007199254740992.0);

    /// <summary>Uniform on the open interval (0, 1): safe to take a logarithm of.</summary>
    public double NextOpenDouble() => ((NextUInt64() >> 12) + 0.5) * (1.0 / 4503599627370496.0);

    /// <summary>Uniform on [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Standard normal by the Marsaglia polar method.</summary>
    public double Normal()
    {
        if (_spareNormal is double spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u, v, s;
        do
        {
            u = 2.0 * NextDouble() - 1.0;
            v = 2.0 * NextDouble() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(s) / s);
        _spareNormal = v * f;
        return u * f;
    }

    /// <summary>Standard Cauchy: tan(π(U − ½)).</summary>
    public double Cauchy() => Math.Tan(Math.PI * (NextOpenDouble() - 0.5));

    /// <summary>Standard exponential.</summary>
    public double Exponential() => -Math.Log(NextOpenDouble());

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (2000).</summary>
    public double Gamma(double shape)
    {
        if (shape < 1.0)
        {
            double g = Gamma(shape + 1.0);
            return g * Math.Pow(NextOpenDouble(), 1.0 / shape);
        }
        double d = shape - 1.0 / 3.0;
        double c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal();
                v = 1.0 + c * x;
            } while (v <= 0.0);
            v = v * v * v;
            double u = NextOpenDouble();
            if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
            if (Math.Log(u) < 0.5 * x * x + d * (1.0 - v + Math.Log(v))) return d * v;
        }
    }

    /// <summary>Student-t with ν degrees of freedom: Z / sqrt(χ²_ν / ν).</summary>
    public double StudentT(double nu) => Normal() / Math.Sqrt(2.0 * Gamma(0.5 * nu) / nu);

    /// <summary>
    /// Symmetric α-stable S(α, β = 0, scale 1) by Chambers, Mallows and Stuck (1976).
    /// α = 2 gives N(0, 2); α = 1 gives the standard Cauchy.
    /// </summary>
    public double SymmetricStable(double alpha)
    {
        double v = Math.PI * (NextOpenDouble() - 0.5);
        if (alpha == 1.0) return Math.Tan(v);
        double w = Exponential();
        double a = Math.Sin(alpha * v) / Math.Pow(Math.Cos(v), 1.0 / alpha);
        double b = Math.Pow(Math.Cos(v - alpha * v) / w, (1.0 - alpha) / alpha);
        return a * b;
    }
}
