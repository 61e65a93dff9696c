using System.Globalization;
using System.Numerics.Tensors;

namespace Fixpoint.Maps;

/// <summary>
/// An entrywise activation g with its exact derivative. <see cref="Name"/> is the canonical
/// spec string: <see cref="Parse"/> of it gives back an equal activation.
/// </summary>
public abstract record Activation
{
    /// <summary>The canonical spec, such as <c>tanh</c> or <c>leaky-relu(0.01)</c>.</summary>
    public abstract string Name { get; }

    public abstract double Value(double z);

    public abstract double Derivative(double z);

    /// <summary>y = g(z) entrywise. The batched kernels and <see cref="IMap.Evaluate"/> both use this,
    /// so a point gives the same F(x) whether it is evaluated alone or in a batch.</summary>
    public virtual void Apply(ReadOnlySpan<double> z, Span<double> y)
    {
        for (int i = 0; i < z.Length; i++) y[i] = Value(z[i]);
    }

    public override string ToString() => Name;

    /// <summary>All names <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public const string Names =
        "tanh, logistic (sigmoid), relu, leaky-relu(slope), softplus, identity (linear), sin, " +
        "polynomial(c0,c1,...), exp-polynomial(c0,c1,...)";

    /// <summary>Parses a spec; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static Activation Parse(string spec)
    {
        var (name, args, parentheses) = SpecText.Parse(spec, "activation");
        Activation result = name switch
        {
            "tanh" => NoArgs(new TanhActivation()),
            "logistic" or "sigmoid" => NoArgs(new LogisticActivation()),
            "relu" => NoArgs(new ReluActivation()),
            "leaky-relu" or "leakyrelu" => args.Length switch
            {
                0 => new LeakyReluActivation(0.01),
                1 => new LeakyReluActivation(args[0]),
                _ => throw new FormatException($"activation '{spec}': leaky-relu takes one slope"),
            },
            "softplus" => NoArgs(new SoftplusActivation()),
            "identity" or "linear" => NoArgs(new IdentityActivation()),
            "sin" => NoArgs(new SinActivation()),
            "polynomial" => args.Length > 0 ? new PolynomialActivation(args)
                : throw new FormatException($"activation '{spec}': polynomial needs coefficients c0,c1,..."),
            "exp-polynomial" => args.Length > 0 ? new ExpPolynomialActivation(args)
                : throw new FormatException($"activation '{spec}': exp-polynomial needs coefficients c0,c1,..."),
            _ => throw new FormatException($"unknown activation '{spec}'; known: {Names}"),
        };
        return result;

        Activation NoArgs(Activation a) => args.Length == 0 || !parentheses
            ? a
            : throw new FormatException($"activation '{spec}': {name} takes no parameters");
    }

    internal static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

public sealed record TanhActivation : Activation
{
    public override string Name => "tanh";
    public override double Value(double z) => Math.Tanh(z);
    public override double Derivative(double z)
    {
        double t = Math.Tanh(z);
        return 1.0 - t * t;
    }
    /// <summary>Vectorised tanh within <see cref="Numerics.VectorMath.TanhMaxUlps"/> ulps; an element's result does not depend on its position.</summary>
    public override void Apply(ReadOnlySpan<double> z, Span<double> y) => Numerics.VectorMath.Tanh(z, y);
}

public sealed record LogisticActivation : Activation
{
    public override string Name => "logistic";
    public override double Value(double z) => 1.0 / (1.0 + Math.Exp(-z));
    public override double Derivative(double z)
    {
        double s = Value(z);
        return s * (1.0 - s);
    }
    /// <summary>Scalar <see cref="Math.Exp"/>, not TensorPrimitives.Sigmoid: a vectorised exp rounds differently in
    /// ahead-of-time and re-jitted code, and F(x) must be the same bits in every process.</summary>
    public override void Apply(ReadOnlySpan<double> z, Span<double> y)
    {
        for (int i = 0; i < z.Length; i++) y[i] = 1.0 / (1.0 + Math.Exp(-z[i]));
    }
}

public sealed record ReluActivation : Activation
{
    public override string Name => "relu";
    public override double Value(double z) => z > 0 ? z : 0.0;
    /// <summary>0 at z = 0 (the subgradient PyTorch uses).</summary>
    public override double Derivative(double z) => z > 0 ? 1.0 : 0.0;
    public override void Apply(ReadOnlySpan<double> z, Span<double> y) => TensorPrimitives.Max(z, 0.0, y);
}

public sealed record LeakyReluActivation : Activation
{
    public LeakyReluActivation(double slope)
    {
        if (!double.IsFinite(slope)) throw new ArgumentOutOfRangeException(nameof(slope), slope, "must be finite");
        Slope = slope;
    }
    public double Slope { get; }
    public override string Name => $"leaky-relu({Format(Slope)})";
    public override double Value(double z) => z > 0 ? z : Slope * z;
    public override double Derivative(double z) => z > 0 ? 1.0 : Slope;
}

public sealed record SoftplusActivation : Activation
{
    public override string Name => "softplus";
    public override double Value(double z) => z > 0 ? z + Math.Log(1.0 + Math.Exp(-z)) : Math.Log(1.0 + Math.Exp(z));
    public override double Derivative(double z) => 1.0 / (1.0 + Math.Exp(-z));
}

public sealed record IdentityActivation : Activation
{
    public override string Name => "identity";
    public override double Value(double z) => z;
    public override double Derivative(double z) => 1.0;
    public override void Apply(ReadOnlySpan<double> z, Span<double> y) => z.CopyTo(y);
}

public sealed record SinActivation : Activation
{
    public override string Name => "sin";
    public override double Value(double z) => Math.Sin(z);
    public override double Derivative(double z) => Math.Cos(z);
}

/// <summary>g(z) = c0 + c1 z + … + cn z^n (coefficients in ascending order).</summary>
public sealed record PolynomialActivation : Activation
{
    private readonly double[] _c;
    private readonly double[] _dc;

    public PolynomialActivation(IReadOnlyList<double> coefficients)
    {
        if (coefficients.Count == 0) throw new ArgumentException("needs at least one coefficient", nameof(coefficients));
        if (coefficients.Any(c => !double.IsFinite(c))) throw new ArgumentException("coefficients must be finite", nameof(coefficients));
        _c = [.. coefficients];
        _dc = Polynomial.Derivative(_c);
    }

    public IReadOnlyList<double> Coefficients => _c;
    public override string Name => $"polynomial({string.Join(",", _c.Select(Format))})";
    public override double Value(double z) => Polynomial.Evaluate(_c, z);
    public override double Derivative(double z) => Polynomial.Evaluate(_dc, z);
    public bool Equals(PolynomialActivation? other) => other is not null && _c.AsSpan().SequenceEqual(other._c);
    public override int GetHashCode() => Name.GetHashCode();
}

/// <summary>g(z) = exp(c0 + c1 z + … + cn z^n) − 1 (coefficients in ascending order).</summary>
public sealed record ExpPolynomialActivation : Activation
{
    private readonly double[] _c;
    private readonly double[] _dc;

    public ExpPolynomialActivation(IReadOnlyList<double> coefficients)
    {
        if (coefficients.Count == 0) throw new ArgumentException("needs at least one coefficient", nameof(coefficients));
        if (coefficients.Any(c => !double.IsFinite(c))) throw new ArgumentException("coefficients must be finite", nameof(coefficients));
        _c = [.. coefficients];
        _dc = Polynomial.Derivative(_c);
    }

    public IReadOnlyList<double> Coefficients => _c;
    public override string Name => $"exp-polynomial({string.Join(",", _c.Select(Format))})";
    public override double Value(double z) => Math.Exp(Polynomial.Evaluate(_c, z)) - 1.0;
    public override double Derivative(double z) => Math.Exp(Polynomial.Evaluate(_c, z)) * Polynomial.Evaluate(_dc, z);
    public bool Equals(ExpPolynomialActivation? other) => other is not null && _c.AsSpan().SequenceEqual(other._c);
    public override int GetHashCode() => Name.GetHashCode();
}

internal static class Polynomial
{
    public static double Evaluate(ReadOnlySpan<double> ascending, double z)
    {
        double acc = 0.0;
        for (int i = ascending.Length - 1; i >= 0; i--) acc = acc * z + ascending[i];
        return acc;
    }

    public static double[] Derivative(ReadOnlySpan<double> ascending)
    {
        if (ascending.Length <= 1) return [0.0];
        var d = new double[ascending.Length - 1];
        for (int i = 1; i < ascending.Length; i++) d[i - 1] = i * ascending[i];
        return d;
    }
}
