using System.Numerics;
using Fixpoint.Init;
using Fixpoint.Maps;

namespace Fixpoint.Spectra;

/// <summary>The law of the weight matrices that the free-probability prediction assumes.</summary>
public enum WeightEnsemble
{
    /// <summary>i.i.d. N(0, σ_w²/N) entries: WᵀW is Marchenko–Pastur, S_{WᵀW}(z) = 1/(σ_w²(1 + z)).</summary>
    Gaussian,
    /// <summary>σ_w·Q with Q Haar orthogonal: WᵀW = σ_w² I, S_{WᵀW}(z) = 1/σ_w².</summary>
    Orthogonal,
}

/// <summary>One layer of the mean-field recursion.</summary>
/// <param name="Layer">l, from 1.</param>
/// <param name="Q">q_l, the variance of the pre-activations h_l = W_l x_{l−1} + b_l.</param>
/// <param name="Mu1">μ1 = E[φ′(h)²], h ~ N(0, q_l): the first moment of D_l².</param>
/// <param name="Mu2">μ2 = E[φ′(h)⁴]: the second moment of D_l².</param>
public sealed record MeanFieldLayer(int Layer, double Q, double Mu1, double Mu2);

/// <summary>
/// The free-probability prediction of the spectrum of JJᵀ for J = D_L W_L ⋯ D_1 W_1 at a random input, in the
/// limit N → ∞ (Pennington, Schoenholz and Ganguli 2017, "Resurrecting the sigmoid"; 2018, "The emergence of
/// spectral universality in deep networks").
/// <para>Mean field: the input's mean square q_x gives q_1 = σ_w² q_x + σ_b² (the input is not passed through φ),
/// then q_l = σ_w² E[φ(√q_{l−1} ξ)²] + σ_b² for l ≥ 2, and D_l² has the law of φ′(√q_l ξ)², ξ ~ N(0, 1).
/// Expectations use Gauss–Hermite quadrature.</para>
/// <para>Free probability: S_{JJᵀ}(z) = ∏_l S_{D_l²}(z) S_{W_lᵀW_l}(z). With ψ(x) = Σ_k m_k x^k the moment
/// generating function, χ = ψ⁻¹ and S(z) = (1 + z)/z · χ(z), the series S = s0 + s1 z + … gives m1 = 1/s0 and
/// m2 = m1² − m1³ s1, hence the closed forms m1 = ∏ σ_w² μ1 and
/// m2 = m1² (1 + Σ_l μ2/μ1²) (Gaussian weights) or m1² (1 + Σ_l (μ2/μ1² − 1)) (orthogonal weights).
/// For the identity activation these are the Fuss–Catalan moments σ^{2L} and (L + 1)σ^{4L}.</para>
/// <para>Density: at λ + iη the functional equation λ ψ S(ψ) = 1 + ψ is solved for ψ = ψ(1/λ) by Newton, with each
/// S_{D_l²}(ψ) = (1 + ψ)/ψ · y_l where ψ_{D_l²}(y_l) = ψ is solved by an inner Newton; then G(λ) = (1 + ψ)/λ and
/// ρ(λ) = −Im G/π. Each λ is reached by a homotopy from η = 100(λ + m1 + √m2) down to η = <see cref="DensityEta"/>·λ,
/// so the branch is the one continuous from infinity.</para>
/// </summary>
public sealed class JacobianSpectrumTheory
{
    /// <summary>
    /// Gauss–Hermite order for the mean-field recursion and the moments μ1, μ2. Smooth saturating activations
    /// converge slowly under Gauss–Hermite (tanh² at q = 3: error 10⁻⁶ at 96 nodes, 2·10⁻¹¹ at 256), so the moments
    /// use the largest order.
    /// </summary>
    public const int DefaultQuadratureOrder = GaussHermite.MaxOrder;

    /// <summary>Gauss–Hermite order of the discrete law of φ′(h)² inside the density solver (its cost grows with it).</summary>
    public const int DensityQuadratureOrder = 96;

    /// <summary>The density is evaluated at λ(1 + i·DensityEta): the relative smoothing of the prediction.</summary>
    public const double DensityEta = 1e-4;

    private readonly double[][] _d2; // the atoms of the quadrature law of φ′(h)², per layer
    private readonly double[][] _w;  // their weights

    private JacobianSpectrumTheory(Activation activation, WeightEnsemble weights, double sigmaW2, double sigmaB2, double inputMeanSquare,
        MeanFieldLayer[] layers, double[][] d2, double[][] w)
    {
        (Activation, Weights, SigmaW2, SigmaB2, InputMeanSquare) = (activation, weights, sigmaW2, sigmaB2, inputMeanSquare);
        (Layers, _d2, _w) = (layers, d2, w);
        Mean = layers.Aggregate(1.0, (acc, l) => acc * sigmaW2 * l.Mu1);
        double sum = layers.Sum(l => l.Mu2 / (l.Mu1 * l.Mu1) - (weights == WeightEnsemble.Orthogonal ? 1.0 : 0.0));
        SecondMoment = Mean * Mean * (1 + sum);
    }

    public Activation Activation { get; }
    public WeightEnsemble Weights { get; }

    /// <summary>σ_w²: the weights' variance times N (Gaussian), or the squared gain of the orthogonal matrix.</summary>
    public double SigmaW2 { get; }

    /// <summary>σ_b²: the variance of each bias.</summary>
    public double SigmaB2 { get; }

    /// <summary>q_x: the mean square of the input entries (1 for i.i.d. N(0, 1) inputs).</summary>
    public double InputMeanSquare { get; }

    public IReadOnlyList<MeanFieldLayer> Layers { get; }
    public int Depth => Layers.Count;

    /// <summary>m1, the mean of the squared singular values of J: ∏_l σ_w² μ1(l).</summary>
    public double Mean { get; }

    /// <summary>m2, the mean of the squared singular values squared.</summary>
    public double SecondMoment { get; }

    /// <summary>m2 − m1², the variance of the squared singular values.</summary>
    public double Variance => SecondMoment - Mean * Mean;

    /// <summary>The prediction for depth <paramref name="depth"/> with the given variances and input mean square.</summary>
    public static JacobianSpectrumTheory Create(Activation activation, double sigmaW2, double sigmaB2, int depth, double inputMeanSquare = 1.0,
        WeightEnsemble weights = WeightEnsemble.Gaussian, int quadratureOrder = DefaultQuadratureOrder)
    {
        ArgumentNullException.ThrowIfNull(activation);
        if (!(sigmaW2 > 0) || !double.IsFinite(sigmaW2)) throw new ArgumentOutOfRangeException(nameof(sigmaW2), sigmaW2, "must be > 0");
        if (!(sigmaB2 >= 0) || !double.IsFinite(sigmaB2)) throw new ArgumentOutOfRangeException(nameof(sigmaB2), sigmaB2, "must be ≥ 0");
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "must be ≥ 1");
        if (!(inputMeanSquare >= 0) || !double.IsFinite(inputMeanSquare)) throw new ArgumentOutOfRangeException(nameof(inputMeanSquare), inputMeanSquare, "must be ≥ 0");
        GaussHermite gh = Rule(quadratureOrder);
        var layers = new MeanFieldLayer[depth];
        double q = sigmaW2 * inputMeanSquare + sigmaB2;
        for (int l = 0; l < depth; l++)
        {
            if (l > 0)
            {
                double qPrev = q;
                q = sigmaW2 * gh.Expect(h => { double a = activation.Value(h); return a * a; }, qPrev) + sigmaB2;
            }
            double s = Math.Sqrt(q);
            double mu1 = 0, mu2 = 0;
            for (int i = 0; i < gh.Order; i++)
            {
                double d = activation.Derivative(s * gh.Nodes[i]);
                mu1 += gh.Weights[i] * d * d;
                mu2 += gh.Weights[i] * d * d * d * d;
            }
            if (!(mu1 > 0)) throw new ArgumentException($"E[φ′(h)²] is 0 at layer {l + 1} (q = {q}): the Jacobian vanishes", nameof(activation));
            layers[l] = new MeanFieldLayer(l + 1, q, mu1, mu2);
        }
        // The density solver only needs the law of φ′(h)², on a coarser rule; equal atoms (the symmetric nodes of an even φ′) are merged.
        GaussHermite coarse = Rule(Math.Min(quadratureOrder, DensityQuadratureOrder));
        var atoms = new double[depth][];
        var atomWeights = new double[depth][];
        for (int l = 0; l < depth; l++)
        {
            var merged = new SortedDictionary<double, double>();
            double s = Math.Sqrt(layers[l].Q);
            for (int i = 0; i < coarse.Order; i++)
            {
                double d = activation.Derivative(s * coarse.Nodes[i]);
                merged[d * d] = merged.GetValueOrDefault(d * d) + coarse.Weights[i];
            }
            atoms[l] = [.. merged.Keys];
            atomWeights[l] = [.. merged.Values];
        }
        return new JacobianSpectrumTheory(activation, weights, sigmaW2, sigmaB2, inputMeanSquare, layers, atoms, atomWeights);
    }

    private static readonly Lazy<GaussHermite> FineRule = new(() => GaussHermite.Create(DefaultQuadratureOrder));
    private static readonly Lazy<GaussHermite> DensityRule = new(() => GaussHermite.Create(DensityQuadratureOrder));

    /// <summary>The rules are immutable: the two default orders are built once.</summary>
    private static GaussHermite Rule(int order) => order switch
    {
        DefaultQuadratureOrder => FineRule.Value,
        DensityQuadratureOrder => DensityRule.Value,
        _ => GaussHermite.Create(order),
    };

    /// <summary>
    /// The prediction for a random network recipe, or null with the reason when it does not apply: the theory needs
    /// independent (untied), non-residual layers, Gaussian or orthogonal weights and Gaussian (or zero) biases.
    /// </summary>
    public static JacobianSpectrumTheory? ForSpec(RandomNetworkSpec spec, double inputMeanSquare, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(spec);
        reason = null;
        if (spec.Tied) { reason = "tied layers reuse one W, so the layers are not free of each other"; return null; }
        if (spec.Residual) { reason = "residual layers (J = ∏(D W + I)) are outside the product formula"; return null; }
        double factor = spec.Scaling.Factor(spec.Width);
        double sigmaW2;
        WeightEnsemble ensemble;
        switch (spec.Weights)
        {
            case GaussianLaw g:
                sigmaW2 = spec.Width * (g.Std * factor) * (g.Std * factor);
                ensemble = WeightEnsemble.Gaussian;
                break;
            case OrthogonalLaw o:
                sigmaW2 = (o.Gain * factor) * (o.Gain * factor);
                ensemble = WeightEnsemble.Orthogonal;
                break;
            default:
                reason = $"the prediction assumes Gaussian or orthogonal weights, not {spec.Weights.Name}: the spectrum is measured only";
                return null;
        }
        double sigmaB2;
        switch (spec.Biases)
        {
            case GaussianLaw b: sigmaB2 = b.Std * b.Std; break;
            case ConstantLaw { C: 0 }: sigmaB2 = 0; break;
            default:
                reason = $"the prediction assumes zero-mean Gaussian biases, not {spec.Biases.Name}";
                return null;
        }
        try
        {
            return Create(spec.Activation, sigmaW2, sigmaB2, spec.Depth, inputMeanSquare, ensemble);
        }
        catch (ArgumentException e)
        {
            reason = e.Message.Split(" (Parameter")[0];
            return null;
        }
    }

    /// <summary>The density ρ(λ) of the squared singular values at each λ &gt; 0 (0 for λ ≤ 0).</summary>
    public double[] Density(ReadOnlySpan<double> lambdas, CancellationToken cancellationToken = default)
    {
        double[] lam = lambdas.ToArray();
        var rho = new double[lam.Length];
        Parallel.For(0, lam.Length, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            double x = lam[i];
            if (!(x > 0) || !double.IsFinite(x)) return;
            Complex? g = Stieltjes(x, DensityEta * x);
            rho[i] = g is Complex v ? Math.Max(0.0, -v.Imaginary / Math.PI) : double.NaN;
        });
        return rho;
    }

    /// <summary>G(λ + iη) = E[1/(λ + iη − s²)] by homotopy from large η; null when Newton loses the branch.</summary>
    public Complex? Stieltjes(double lambda, double eta)
    {
        if (!(eta > 0)) throw new ArgumentOutOfRangeException(nameof(eta), eta, "must be > 0");
        int depth = Layers.Count;
        double scale = Mean + Math.Sqrt(SecondMoment);
        double etaStart = Math.Max(100 * (Math.Abs(lambda) + scale), eta);
        var z = new Complex(lambda, etaStart);
        Complex psi = Mean / z;
        var y = new Complex[depth];
        for (int l = 0; l < depth; l++) y[l] = psi / Layers[l].Mu1;
        if (!SolvePsi(z, ref psi, y)) return null;
        double cur = etaStart;
        double ratio = 0.5;
        while (cur > eta)
        {
            double next = Math.Max(eta, cur * ratio);
            Complex psiTry = psi;
            var yTry = (Complex[])y.Clone();
            if (SolvePsi(new Complex(lambda, next), ref psiTry, yTry))
            {
                psi = psiTry;
                Array.Copy(yTry, y, depth);
                cur = next;
                ratio = Math.Max(0.2, ratio * 0.8);
            }
            else
            {
                ratio = Math.Sqrt(ratio); // shorter step towards the axis
                if (ratio > 0.999) return null;
            }
        }
        return (1 + psi) / new Complex(lambda, eta);
    }

    /// <summary>Damped Newton on log(χ(ψ)·z) = 0, with the subordination points y_l solved inside.</summary>
    private bool SolvePsi(Complex z, ref Complex psi, Complex[] y)
    {
        var yPrime = new Complex[y.Length];
        Complex f = Residual(z, psi, y, yPrime, out Complex df, out bool ok);
        if (!ok) return false;
        for (int it = 0; it < 60; it++)
        {
            if (f.Magnitude < 1e-13) return true;
            Complex step = f / df;
            double t = 1.0;
            bool accepted = false;
            for (int h = 0; h < 30; h++)
            {
                Complex psiNew = psi - t * step;
                var yNew = (Complex[])y.Clone();
                Complex fNew = Residual(z, psiNew, yNew, yPrime, out Complex dfNew, out bool okNew);
                if (okNew && fNew.Magnitude < f.Magnitude * (1 - 1e-4 * t))
                {
                    psi = psiNew;
                    Array.Copy(yNew, y, y.Length);
                    f = fNew;
                    df = dfNew;
                    accepted = true;
                    break;
                }
                t *= 0.5;
            }
            if (!accepted) return f.Magnitude < 1e-10;
        }
        return f.Magnitude < 1e-10;
    }

    /// <summary>log(χ_{JJᵀ}(ψ)·z) and its ψ-derivative; updates y_l = χ_{D_l²}(ψ) in place.</summary>
    private Complex Residual(Complex z, Complex psi, Complex[] y, Complex[] yPrime, out Complex derivative, out bool ok)
    {
        derivative = Complex.Zero;
        ok = false;
        if (psi == Complex.Zero || psi == -Complex.One) return Complex.Zero;
        // χ(ψ) = ψ/(1+ψ) ∏_l (1+ψ)/ψ · y_l · S_W(ψ)
        Complex ratio = psi / (1 + psi) * z;
        Complex dlog = 1 / psi - 1 / (1 + psi);
        double s2 = SigmaW2;
        for (int l = 0; l < y.Length; l++)
        {
            if (!SolveSubordination(l, psi, ref y[l], out Complex dpsiDy)) return Complex.Zero;
            yPrime[l] = 1 / dpsiDy;
            Complex factor = (1 + psi) / psi * y[l];
            Complex dfactor = 1 / (1 + psi) - 1 / psi + yPrime[l] / y[l];
            if (Weights == WeightEnsemble.Gaussian)
            {
                factor /= s2 * (1 + psi);
                dfactor -= 1 / (1 + psi);
            }
            else factor /= s2;
            ratio *= factor;
            dlog += dfactor;
        }
        if (!double.IsFinite(ratio.Real) || !double.IsFinite(ratio.Imaginary) || ratio == Complex.Zero) return Complex.Zero;
        derivative = dlog;
        ok = double.IsFinite(dlog.Real) && double.IsFinite(dlog.Imaginary);
        return Complex.Log(ratio);
    }

    /// <summary>Newton for ψ_{D²}(y) = ψ with ψ_{D²}(y) = E[y d/(1 − y d)], d = φ′(h)²; returns ψ_{D²}′(y).</summary>
    private bool SolveSubordination(int layer, Complex psi, ref Complex y, out Complex derivative)
    {
        double[] d = _d2[layer], w = _w[layer];
        derivative = Complex.One;
        (Complex val, Complex der) = PsiD(d, w, y);
        Complex f = val - psi;
        double target = 1e-14 * Math.Max(psi.Magnitude, 1e-300);
        for (int it = 0; it < 80; it++)
        {
            if (f.Magnitude <= target) { derivative = der; return true; }
            Complex step = f / der;
            double t = 1.0;
            bool accepted = false;
            for (int h = 0; h < 40; h++)
            {
                Complex yNew = y - t * step;
                (Complex v2, Complex d2) = PsiD(d, w, yNew);
                Complex fNew = v2 - psi;
                if (double.IsFinite(fNew.Real) && double.IsFinite(fNew.Imaginary) && fNew.Magnitude < f.Magnitude)
                {
                    y = yNew; f = fNew; val = v2; der = d2;
                    accepted = true;
                    break;
                }
                t *= 0.5;
            }
            if (!accepted) break;
        }
        derivative = der;
        return f.Magnitude <= 1e-9 * Math.Max(psi.Magnitude, 1e-300);
    }

    private static (Complex Value, Complex Derivative) PsiD(double[] d, double[] w, Complex y)
    {
        Complex v = Complex.Zero, dv = Complex.Zero;
        for (int i = 0; i < d.Length; i++)
        {
            Complex inv = 1 / (1 - y * d[i]);
            v += w[i] * d[i] * inv;
            dv += w[i] * d[i] * inv * inv;
        }
        return (y * v, dv);
    }
}
