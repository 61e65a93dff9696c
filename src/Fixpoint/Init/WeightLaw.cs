using System.Globalization;
using Fixpoint.Numerics;

namespace Fixpoint.Init;

/// <summary>
/// A law for the entries of a weight matrix or bias vector. <see cref="Name"/> is the canonical
/// spec, and <see cref="Parse"/> of it gives back an equal law.
/// </summary>
public abstract record WeightLaw
{
    public abstract string Name { get; }

    /// <summary>Fills a rows × cols matrix (row-major); a vector is rows × 1.</summary>
    public abstract void Fill(Span<double> values, int rows, int cols, Rng rng);

    public override string ToString() => Name;

    public const string Names = "gaussian(std), cauchy(scale), student-t(nu,scale), alpha-stable(alpha,scale), uniform(a), orthogonal(gain), constant(c)";

    public static WeightLaw Parse(string spec)
    {
        var (name, args, _) = Maps.SpecText.Parse(spec, "law");
        try
        {
            return name switch
            {
                "gaussian" or "normal" => new GaussianLaw(Arg(0, 1.0)),
                "cauchy" => new CauchyLaw(Arg(0, 1.0)),
                "student-t" or "studentt" or "t" => args.Length >= 1 ? new StudentTLaw(args[0], Arg(1, 1.0))
                    : throw new FormatException($"law '{spec}': student-t needs nu, as student-t(nu,scale)"),
                "alpha-stable" or "stable" => args.Length >= 1 ? new AlphaStableLaw(args[0], Arg(1, 1.0))
                    : throw new FormatException($"law '{spec}': alpha-stable needs alpha, as alpha-stable(alpha,scale)"),
                "uniform" => new UniformLaw(Arg(0, 1.0)),
                "orthogonal" => new OrthogonalLaw(Arg(0, 1.0)),
                "constant" => new ConstantLaw(Arg(0, 0.0)),
                _ => throw new FormatException($"unknown law '{spec}'; known: {Names}"),
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FormatException($"law '{spec}': {e.ParamName} {e.Message.Split(" (Parameter")[0]}");
        }

        double Arg(int i, double fallback)
        {
            int max = name switch { "student-t" or "studentt" or "t" or "alpha-stable" or "stable" => 2, _ => 1 };
            if (args.Length > max) throw new FormatException($"law '{spec}': too many parameters");
            return i < args.Length ? args[i] : fallback;
        }
    }

    protected static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    protected static double Positive(double v, string name) =>
        v > 0 && double.IsFinite(v) ? v : throw new ArgumentOutOfRangeException(name, v, "must be > 0");
}

/// <summary>i.i.d. N(0, std²).</summary>
public sealed record GaussianLaw : WeightLaw
{
    public GaussianLaw(double std) => Std = Positive(std, nameof(std));
    public double Std { get; }
    public override string Name => $"gaussian({F(Std)})";
    public override void Fill(Span<double> values, int rows, int cols, Rng rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Std * rng.Normal();
    }
}

/// <summary>i.i.d. Cauchy(0, scale): no mean, no variance.</summary>
public sealed record CauchyLaw : WeightLaw
{
    public CauchyLaw(double scale) => Scale = Positive(scale, nameof(scale));
    public double Scale { get; }
    public override string Name => $"cauchy({F(Scale)})";
    public override void Fill(Span<double> values, int rows, int cols, Rng rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Scale * rng.Cauchy();
    }
}

/// <summary>i.i.d. scale · t_ν.</summary>
public sealed record StudentTLaw : WeightLaw
{
    public StudentTLaw(double nu, double scale)
    {
        Nu = Positive(nu, nameof(nu));
        Scale = Positive(scale, nameof(scale));
    }
    public double Nu { get; }
    public double Scale { get; }
    public override string Name => $"student-t({F(Nu)},{F(Scale)})";
    public override void Fill(Span<double> values, int rows, int cols, Rng rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Scale * rng.StudentT(Nu);
    }
}

/// <summary>i.i.d. symmetric α-stable S(α, 0, scale), 0 &lt; α ≤ 2 (α = 1: Cauchy; α = 2: N(0, 2 scale²)).</summary>
public sealed record AlphaStableLaw : WeightLaw
{
    public AlphaStableLaw(double alpha, double scale)
    {
        Alpha = alpha > 0 && alpha <= 2 ? alpha : throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "must be in (0, 2]");
        Scale = Positive(scale, nameof(scale));
    }
    public double Alpha { get; }
    public double Scale { get; }
    public override string Name => $"alpha-stable({F(Alpha)},{F(Scale)})";
    public override void Fill(Span<double> values, int rows, int cols, Rng rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Scale * rng.SymmetricStable(Alpha);
    }
}

/// <summary>i.i.d. uniform on (−a, a).</summary>
public sealed record UniformLaw : WeightLaw
{
    public UniformLaw(double a) => A = Positive(a, nameof(a));
    public double A { get; }
    public override string Name => $"uniform({F(A)})";
    public override void Fill(Span<double> values, int rows, int cols, Rng rng)
    {
        for (int i = 0; i < values.Length; i++) values[i] = rng.Uniform(-A, A);
    }
}

/// <summary>
/// gain · Q with Q Haar-distributed orthogonal (or with orthonormal rows or columns when not square):
/// Gram–Schmidt on a Gaussian matrix, signs fixed so that the law is exactly Haar.
/// </summary>
public sealed record OrthogonalLaw : WeightLaw
{
    public OrthogonalLaw(double gain) => Gain = Positive(gain, nameof(gain));
    public double Gain { get; }
    public override string Name => $"orthogonal({F(Gain)})";
    public override void Fill(Span<double> values, int rows, int cols, Rng rng)
    {
        // Orthonormalise the columns of a tall (big × small) Gaussian matrix, then transpose if wide.
        int big = Math.Max(rows, cols), small = Math.Min(rows, cols);
        var q = new double[big * small];
        for (int i = 0; i < q.Length; i++) q[i] = rng.Normal();
        for (int c = 0; c < small; c++)
        {
            for (int pass = 0; pass < 2; pass++) // re-orthogonalise once: classical Gram–Schmidt twice is stable
                for (int p = 0; p < c; p++)
                {
                    double dot = 0;
                    for (int r = 0; r < big; r++) dot += q[r * small + p] * q[r * small + c];
                    for (int r = 0; r < big; r++) q[r * small + c] -= dot * q[r * small + p];
                }
            double norm = 0;
            for (int r = 0; r < big; r++) norm += q[r * small + c] * q[r * small + c];
            norm = Math.Sqrt(norm);
            for (int r = 0; r < big; r++) q[r * small + c] /= norm;
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                values[r * cols + c] = Gain * (rows >= cols ? q[r * small + c] : q[c * small + r]);
    }
}

/// <summary>Every entry equal to c.</summary>
public sealed record ConstantLaw(double C) : WeightLaw
{
    public override string Name => $"constant({F(C)})";
    public override void Fill(Span<double> values, int rows, int cols, Rng rng) => values.Fill(C);
}
