using System.Diagnostics;
using System.Globalization;
using Fixpoint.Census;
using Fixpoint.Init;
using Fixpoint.Maps;

namespace Fixpoint.Bench;

/// <summary>
/// Where dense eigenvalues stop paying: at the fixed point of a tanh 4-layer network with Gaussian 0.8/√N weights
/// (biases 0.1·Gaussian), the census's stability step by the dense Jacobian and EVD against Krylov–Schur on J·v,
/// best of --repeats, one thread. Prints one CSV row per N: seconds of each, Krylov products, ρ of each, and the
/// seconds of the dense Jacobian alone, row by row and by blocked products.
/// </summary>
internal static class EigenThreshold
{
    public static int Run(QuickArgs args)
    {
        int[] sizes = args.Ints("n", [128, 256, 512, 1024]);
        int repeats = args.Int("repeats", 3);
        args.RejectUnknown();
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine("n,dense_s,krylov_s,ratio,krylov_products,rho_dense,rho_krylov,unstable_dense,unstable_krylov,jacobian_rows_s,jacobian_products_s");
        foreach (int n in sizes)
        {
            Network net = new RandomNetworkSpec(n, 4, new TanhActivation(), new GaussianLaw(0.8), new GaussianLaw(0.1), Seed: 7).Build();
            var x = new double[n];
            var y = new double[n];
            for (int it = 0; it < 10_000; it++)
            {
                net.Evaluate(x, y);
                double d = 0;
                for (int i = 0; i < n; i++) d = Math.Max(d, Math.Abs(y[i] - x[i]));
                (x, y) = (y, x);
                if (d <= 1e-14) break;
            }
            var ws = new JacobianWorkspace();
            (double dense, StabilityVerdict dv) = Best(repeats, () => FixedPointStability.Of(net, x, EigenMethod.Dense, CensusOptions.DefaultStabilityMargin, ws));
            (double krylov, StabilityVerdict kv) = Best(repeats, () => FixedPointStability.Of(net, x, EigenMethod.Krylov, CensusOptions.DefaultStabilityMargin, ws));
            var jac = new double[n * n];
            (double rows, _) = Best(repeats, () => { net.RowJacobian(x, jac, ws); return 0; });
            (double blocked, _) = Best(repeats, () => { net.ProductJacobian(x, jac, ws); return 0; });
            int products = Fixpoint.Numerics.KrylovSchur.Eigenvalues(new JacobianOperator(net, x), new Fixpoint.Numerics.KrylovSchurOptions()).Products;
            Console.WriteLine(string.Join(",", n.ToString(inv), dense.ToString("F4", inv), krylov.ToString("F4", inv), (dense / krylov).ToString("F2", inv),
                products.ToString(inv), dv.SpectralRadius.ToString("R", inv), kv.SpectralRadius.ToString("R", inv),
                dv.UnstableDimensions.ToString(inv), kv.UnstableDimensions.ToString(inv), rows.ToString("F4", inv), blocked.ToString("F4", inv)));
        }
        return 0;
    }

    private static (double Seconds, T Result) Best<T>(int repeats, Func<T> f)
    {
        double best = double.PositiveInfinity;
        T result = default!;
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            result = f();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return (best, result);
    }
}
