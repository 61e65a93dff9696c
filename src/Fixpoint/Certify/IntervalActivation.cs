using Fixpoint.Maps;

namespace Fixpoint.Certify;

/// <summary>
/// Interval extensions of an <see cref="Activation"/> g and of its derivative g′: for every interval Z,
/// <see cref="Value"/> contains {g(z) : z ∈ Z} and <see cref="Derivative"/> contains {g′(z) : z ∈ Z}.
/// They are tight, because certificates over large boxes fail on overestimation: monotone
/// functions use their end values, and the known extrema are added when they lie in Z (tanh′ and
/// logistic′ peak at 0; sin and cos at π/2 + kπ and kπ). Polynomials and exp-polynomials are cut at
/// their approximate critical points and proved monotone on each piece by an enclosure of the next
/// derivative (see the polynomial notes in docs/certify.md).
/// <para>At the kinks of relu and leaky-relu, <see cref="Derivative"/> returns the hull of the one-sided
/// derivatives, which is what the mean-value arguments of the certificates need.</para>
/// Instances are immutable and safe to share between threads; build one with <see cref="For"/>.
/// </summary>
public abstract class IntervalActivation
{
    private protected IntervalActivation(Activation activation) => Activation = activation;

    public Activation Activation { get; }

    /// <summary>An enclosure of g over <paramref name="z"/>.</summary>
    public abstract Interval Value(Interval z);

    /// <summary>An enclosure of g′ over <paramref name="z"/>.</summary>
    public abstract Interval Derivative(Interval z);

    /// <summary>Whether <see cref="For"/> knows <paramref name="activation"/>: every activation <see cref="Activation.Parse"/> can produce.</summary>
    public static bool IsSupported(Activation activation) => activation is TanhActivation or LogisticActivation or ReluActivation
        or LeakyReluActivation or SoftplusActivation or IdentityActivation or SinActivation or PolynomialActivation or ExpPolynomialActivation;

    /// <summary>The interval extension of <paramref name="activation"/>; throws <see cref="NotSupportedException"/> for an unknown subclass.</summary>
    public static IntervalActivation For(Activation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return activation switch
        {
            TanhActivation a => new TanhInterval(a),
            LogisticActivation a => new LogisticInterval(a),
            ReluActivation a => new LeakyReluInterval(a, 0.0),
            LeakyReluActivation a => new LeakyReluInterval(a, a.Slope),
            SoftplusActivation a => new SoftplusInterval(a),
            IdentityActivation a => new IdentityInterval(a),
            SinActivation a => new SinInterval(a),
            PolynomialActivation a => new PolynomialInterval(a),
            ExpPolynomialActivation a => new ExpPolynomialInterval(a),
            _ => throw new NotSupportedException($"no interval extension for activation '{activation.Name}' ({activation.GetType().Name})"),
        };
    }

    private static readonly Interval UnitInterval = new(0.0, 1.0);

    private sealed class TanhInterval(Activation a) : IntervalActivation(a)
    {
        public override Interval Value(Interval z) => Interval.Tanh(z);

        // 1 − t² over the tight range T of tanh is exact: t ↦ 1 − t² is evaluated on T without dependency.
        public override Interval Derivative(Interval z) =>
            z.IsEmpty ? z : Interval.Intersect(Interval.Point(1.0) - Interval.Sqr(Interval.Tanh(z)), UnitInterval);
    }

    private sealed class LogisticInterval(Activation a) : IntervalActivation(a)
    {
        private static readonly Interval Quarter = new(0.25, 0.25);
        private static readonly Interval Half = new(0.5, 0.5);

        public override Interval Value(Interval z) => Interval.Logistic(z);

        // σ(1 − σ) = 1/4 − (σ − 1/2)², evaluated on the tight range of σ: peaks at z = 0.
        public override Interval Derivative(Interval z) =>
            z.IsEmpty ? z : Interval.Intersect(Quarter - Interval.Sqr(Interval.Logistic(z) - Half), new Interval(0.0, 0.25));
    }

    private sealed class LeakyReluInterval(Activation a, double slope) : IntervalActivation(a)
    {
        public override Interval Value(Interval z)
        {
            if (z.IsEmpty) return z;
            Interval neg = Interval.Intersect(z, new Interval(double.NegativeInfinity, 0.0));
            Interval pos = Interval.Intersect(z, new Interval(0.0, double.PositiveInfinity));
            Interval negImage = neg.IsEmpty ? neg : slope * neg;
            return Interval.Hull(negImage, pos);
        }

        // The library's derivative is 1 for z > 0 and the slope for z ≤ 0.
        public override Interval Derivative(Interval z)
        {
            if (z.IsEmpty) return z;
            Interval s = Interval.Point(slope), one = Interval.Point(1.0);
            if (z.Lo > 0) return one;
            if (z.Hi <= 0) return s;
            return Interval.Hull(s, one);
        }
    }

    private sealed class SoftplusInterval(Activation a) : IntervalActivation(a)
    {
        public override Interval Value(Interval z) => Interval.Softplus(z);
        public override Interval Derivative(Interval z) => Interval.Logistic(z);
    }

    private sealed class IdentityInterval(Activation a) : IntervalActivation(a)
    {
        public override Interval Value(Interval z) => z;
        public override Interval Derivative(Interval z) => z.IsEmpty ? z : Interval.Point(1.0);
    }

    private sealed class SinInterval(Activation a) : IntervalActivation(a)
    {
        public override Interval Value(Interval z) => Interval.Sin(z);
        public override Interval Derivative(Interval z) => Interval.Cos(z);
    }

    private sealed class PolynomialInterval : IntervalActivation
    {
        private readonly IntervalPolynomial _p;

        public PolynomialInterval(PolynomialActivation a) : base(a) => _p = new IntervalPolynomial(a.Coefficients);

        public override Interval Value(Interval z) => _p.Range(z);
        public override Interval Derivative(Interval z) => _p.DerivativePolynomial.Range(z);
    }

    private sealed class ExpPolynomialInterval : IntervalActivation
    {
        private readonly IntervalPolynomial _p;
        private readonly ExpPolynomialSlope _slope;

        public ExpPolynomialInterval(ExpPolynomialActivation a) : base(a)
        {
            _p = new IntervalPolynomial(a.Coefficients);
            _slope = new ExpPolynomialSlope(_p);
        }

        // exp is monotone, so exp of the polynomial's tight range is tight; then − 1 (exact up to rounding).
        public override Interval Value(Interval z) =>
            z.IsEmpty ? z : Interval.Intersect(Interval.Exp(_p.Range(z)) - Interval.Point(1.0), new Interval(-1.0, double.PositiveInfinity));

        public override Interval Derivative(Interval z) => _slope.Range(z);
    }
}
