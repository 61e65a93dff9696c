using System.Globalization;
using Fixpoint.Numerics;

namespace Fixpoint.Applications;

/// <summary>The kinds of damage done to an image before restoring it.</summary>
public enum DamageKind
{
    /// <summary>Add N(0, σ²) to every pixel, then clip to [−1, 1]. Level: σ (in [−1, 1] pixel units).</summary>
    Noise,
    /// <summary>Each pixel independently with probability p becomes −1 or +1 (half each). Level: p.</summary>
    SaltPepper,
    /// <summary>A k×k block, placed uniformly at random wholly inside the image, is erased to −1 (background). Level: k.</summary>
    Block,
    /// <summary>r distinct rows, chosen uniformly at random, are erased to −1. Level: r.</summary>
    Rows,
}

/// <summary>One kind of damage at one level; <see cref="Apply"/> is a pure function of the image, the level and the random stream.</summary>
public sealed record Damage
{
    /// <summary>The value erased pixels get: −1, the background of the [−1, 1] images.</summary>
    public const double Erased = -1.0;

    public Damage(DamageKind kind, double level)
    {
        bool ok = kind switch
        {
            DamageKind.Noise => level >= 0 && double.IsFinite(level),
            DamageKind.SaltPepper => level >= 0 && level <= 1,
            DamageKind.Block or DamageKind.Rows => level >= 0 && level == Math.Floor(level) && level <= 4096,
            _ => false,
        };
        if (!ok) throw new ArgumentOutOfRangeException(nameof(level), level, kind switch
        {
            DamageKind.Noise => "noise σ must be ≥ 0",
            DamageKind.SaltPepper => "the salt-and-pepper rate must be in [0, 1]",
            DamageKind.Block => "the block side must be a whole number ≥ 0",
            DamageKind.Rows => "the number of rows must be a whole number ≥ 0",
            _ => "unknown damage kind",
        });
        Kind = kind;
        Level = level;
    }

    public DamageKind Kind { get; }
    public double Level { get; }

    /// <summary>The spelling <see cref="Parse"/> reads: <c>noise:0.5</c>, <c>saltpepper:0.2</c>, <c>block:3</c>, <c>rows:2</c>.</summary>
    public string Key => $"{KindKey(Kind)}:{Level.ToString("R", CultureInfo.InvariantCulture)}";

    public override string ToString() => Key;

    public static string KindKey(DamageKind k) => k switch
    {
        DamageKind.Noise => "noise",
        DamageKind.SaltPepper => "saltpepper",
        DamageKind.Block => "block",
        DamageKind.Rows => "rows",
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    /// <summary>Words for reports: "Gaussian noise σ = 0.5", "salt and pepper p = 0.2", "3×3 block", "2 missing rows".</summary>
    public string Describe() => Kind switch
    {
        DamageKind.Noise => $"Gaussian noise σ = {Level.ToString("0.###", CultureInfo.InvariantCulture)}",
        DamageKind.SaltPepper => $"salt and pepper p = {Level.ToString("0.###", CultureInfo.InvariantCulture)}",
        DamageKind.Block => $"{Level}×{Level} block",
        _ => $"{Level} missing row{(Level == 1 ? "" : "s")}",
    };

    public const string Syntax = "noise:SIGMA, saltpepper:P, block:K or rows:R";

    /// <summary>Reads <c>kind:level</c>; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static Damage Parse(string spec)
    {
        string[] parts = spec.Trim().ToLowerInvariant().Split(':');
        if (parts.Length != 2) throw new FormatException($"damage '{spec}': expected {Syntax}");
        DamageKind kind = parts[0] switch
        {
            "noise" or "gaussian" => DamageKind.Noise,
            "saltpepper" or "salt-pepper" or "sp" => DamageKind.SaltPepper,
            "block" or "occlusion" => DamageKind.Block,
            "rows" => DamageKind.Rows,
            _ => throw new FormatException($"damage '{spec}': unknown kind '{parts[0]}'; expected {Syntax}"),
        };
        if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double level))
            throw new FormatException($"damage '{spec}': '{parts[1]}' is not a number");
        try { return new Damage(kind, level); }
        catch (ArgumentOutOfRangeException e) { throw new FormatException($"damage '{spec}': {e.Message.Split(" (Parameter")[0].Split(Environment.NewLine)[0]}"); }
    }

    /// <summary>
    /// Writes the damaged copy of <paramref name="clean"/> (a <paramref name="height"/> × <paramref name="width"/>
    /// image, row-major) into <paramref name="damaged"/>, drawing from <paramref name="rng"/>.
    /// </summary>
    public void Apply(ReadOnlySpan<double> clean, Span<double> damaged, int width, int height, Rng rng)
    {
        if (clean.Length != width * height || damaged.Length != clean.Length) throw new ArgumentException($"images must have {width}×{height} pixels");
        clean.CopyTo(damaged);
        switch (Kind)
        {
            case DamageKind.Noise:
                for (int i = 0; i < damaged.Length; i++) damaged[i] = Math.Clamp(damaged[i] + Level * rng.Normal(), -1.0, 1.0);
                break;
            case DamageKind.SaltPepper:
                for (int i = 0; i < damaged.Length; i++)
                {
                    bool hit = rng.NextDouble() < Level;
                    bool salt = rng.NextDouble() < 0.5;
                    if (hit) damaged[i] = salt ? 1.0 : -1.0;
                }
                break;
            case DamageKind.Block:
            {
                int k = (int)Level;
                if (k > width || k > height) throw new ArgumentOutOfRangeException(nameof(Level), Level, $"a {k}×{k} block does not fit a {width}×{height} image");
                if (k == 0) break;
                int top = (int)(rng.NextUInt64() % (ulong)(height - k + 1));
                int left = (int)(rng.NextUInt64() % (ulong)(width - k + 1));
                for (int r = top; r < top + k; r++)
                    for (int c = left; c < left + k; c++) damaged[r * width + c] = Erased;
                break;
            }
            case DamageKind.Rows:
            {
                int rows = (int)Level;
                if (rows > height) throw new ArgumentOutOfRangeException(nameof(Level), Level, $"{rows} rows do not fit a {width}×{height} image");
                var order = Training.Dataset.Permutation(height, rng);
                for (int j = 0; j < rows; j++)
                    for (int c = 0; c < width; c++) damaged[order[j] * width + c] = Erased;
                break;
            }
        }
    }

    /// <summary>The levels used when none are given: three per kind, from mild to severe for 8×8 digits.</summary>
    public static IReadOnlyList<Damage> Defaults { get; } =
    [
        new(DamageKind.Noise, 0.25), new(DamageKind.Noise, 0.5), new(DamageKind.Noise, 1.0),
        new(DamageKind.SaltPepper, 0.1), new(DamageKind.SaltPepper, 0.2), new(DamageKind.SaltPepper, 0.4),
        new(DamageKind.Block, 2), new(DamageKind.Block, 3), new(DamageKind.Block, 4),
        new(DamageKind.Rows, 1), new(DamageKind.Rows, 2), new(DamageKind.Rows, 3),
    ];
}
