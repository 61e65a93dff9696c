using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Tests.Kernels;

public class DenseProductTests
{
    private static double[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var a = new double[count];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextDouble() - 0.5;
        return a;
    }

    [Theory]
    [InlineData(7, 5, 3)]
    [InlineData(400, 130, 300)]
    public void ProductsAreTheFmaChainsWhateverTheThreadCount(int m, int k, int n)
    {
        double[] a = Random(m * k, 1), b = Random(n * k, 2);
        double[] one = DenseProduct.MultiplyTransposed(a, m, k, b, n, threads: 1);
        double[] two = DenseProduct.MultiplyTransposed(a, m, k, b, n, threads: 2);
        Assert.Equal(one, two);
        for (int i = 0; i < m; i += 37)
            for (int j = 0; j < n; j += 11)
            {
                double acc = 0;
                for (int l = 0; l < k; l++) acc = Math.FusedMultiplyAdd(a[i * k + l], b[j * k + l], acc);
                Assert.Equal(acc, one[i * n + j]);
            }
    }

    [Theory]
    [InlineData(10, 4)]
    [InlineData(450, 70)]
    public void TheGramMatrixFromItsLowerTriangleIsTheFullProductMirrored(int n, int k)
    {
        double[] f = Random(n * k, 3);
        double[] full = DenseProduct.MultiplyTransposed(f, n, k, f, n);
        Assert.Equal(full, DenseProduct.Gram(f, n, k, threads: 1));
        Assert.Equal(full, DenseProduct.Gram(f, n, k, threads: 2));
    }

    [Fact]
    public void TheFormedJacobianAppliesAsTheTangentProducts()
    {
        Network net = new RandomNetworkSpec(FormedJacobianOperator.FromDimension, 2, new TanhActivation(), new GaussianLaw(0.8), new GaussianLaw(0.1), Seed: 4).Build();
        int n = net.Dimension;
        double[] x = Random(n, 5);
        Assert.Null(FormedJacobianOperator.TryCreate(new RandomNetworkSpec(64, 2, new TanhActivation(), new GaussianLaw(0.8), new GaussianLaw(0.1), Seed: 4).Build(), new double[64]));
        FormedJacobianOperator formed = FormedJacobianOperator.TryCreate(net, x, threads: 2)!;
        FormedJacobianOperator single = FormedJacobianOperator.TryCreate(net, x, threads: 1)!;
        var tangents = new JacobianOperator(net, x);
        double[] vs = Random(3 * n, 6);
        double[] a = new double[3 * n], b = new double[3 * n], c = new double[3 * n];
        formed.Apply(vs, a, 3);
        single.Apply(vs, b, 3);
        tangents.Apply(vs, c, 3);
        Assert.Equal(a, b);
        Assert.True(DenseLinearAlgebra.MaxAbsDiff(a, c) < 1e-12 * Math.Max(1, DenseLinearAlgebra.MaxAbs(c)), $"{DenseLinearAlgebra.MaxAbsDiff(a, c)}");
    }
}
