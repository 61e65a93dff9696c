using Fixpoint.Maps;
using static Fixpoint.Numerics.DenseLinearAlgebra;

namespace Fixpoint.Solvers;

/// <summary>
/// The line search of the Newton steps: from x along d, t = 1, ½, ¼, … (at most
/// <c>maxBacktracks</c> halvings) until ½‖G(x + t d)‖₂² ≤ (1 − 2c t)·½‖G(x)‖₂², G(x) = F(x) − x (Armijo).
/// The accepted point and F there are written into x and fx; no accepted point is
/// <see cref="SolveStatus.Stalled"/>.
/// </summary>
internal sealed class ArmijoBacktracking(IMap map)
{
    private readonly double[] _xt = new double[map.Dimension];
    private readonly double[] _yt = new double[map.Dimension];
    private readonly double[] _gt = new double[map.Dimension];

    public StepOutcome Search(Span<double> x, Span<double> fx, ReadOnlySpan<double> g, ReadOnlySpan<double> d, int maxBacktracks, double c)
    {
        int n = x.Length;
        double[] xt = _xt, yt = _yt, gt = _gt;
        double phi0 = 0.5 * Dot(g, g);
        double t = 1.0;
        long evaluations = 0;
        for (int bt = 0; bt <= maxBacktracks; bt++, t *= 0.5)
        {
            for (int j = 0; j < n; j++) xt[j] = x[j] + t * d[j];
            map.Evaluate(xt, yt);
            evaluations++;
            for (int j = 0; j < n; j++) gt[j] = yt[j] - xt[j];
            if (double.IsFinite(MaxAbs(gt)) && 0.5 * Dot(gt, gt) <= (1 - 2 * c * t) * phi0)
            {
                xt.CopyTo(x);
                yt.CopyTo(fx);
                return StepOutcome.MovedEvaluated(evaluations);
            }
        }
        return StepOutcome.Stop(SolveStatus.Stalled, evaluations);
    }

    // Sequential, so the sum's rounding does not depend on the vector width the JIT picked.
    public static double Dot(ReadOnlySpan<double> u, ReadOnlySpan<double> v)
    {
        double sum = 0;
        for (int i = 0; i < u.Length; i++) sum = Math.FusedMultiplyAdd(u[i], v[i], sum);
        return sum;
    }
}
