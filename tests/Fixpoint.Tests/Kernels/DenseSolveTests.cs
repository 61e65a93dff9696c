using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Tests.Kernels;

/// <summary>The dense solves of DenseLinearAlgebra, and the Jacobians computed in a caller's workspace.</summary>
public class DenseSolveTests
{
    [Fact]
    public void LeastSquaresGivesTheMinimumNormSolutionOfASingularSystem()
    {
        // A zero column: x₂ is free, the minimum-norm solution sets it to 0.
        double[] b = [2, 3];
        Assert.True(DenseLinearAlgebra.LeastSquaresInPlace([1, 0, 1, 0], b, 2));
        Assert.Equal(2.5, b[0], 14); // the least-squares fit of x₁ = 2 and x₁ = 3
        Assert.Equal(0.0, b[1], 14);

        // Rank one and inconsistent: A = [[1, 1], [1, 1]], b = (1, 3). The fits x₁ + x₂ = 2, and the
        // shortest such x is (1, 1); the residual ‖Ax − b‖ = √2 is the least possible.
        b = [1, 3];
        Assert.True(DenseLinearAlgebra.LeastSquaresInPlace([1, 1, 1, 1], b, 2));
        Assert.Equal(1.0, b[0], 14);
        Assert.Equal(1.0, b[1], 14);

        // A 3×3 of rank 2 (third row = first + second), consistent right-hand side, against the pseudo-inverse.
        double[] a = [1, 2, 0, 0, 1, 1, 1, 3, 1];
        double[] x = [0.3, -0.2, 0.5];
        double[] rhs = Multiply(a, x, 3);
        var pinv = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(3, 3, (i, j) => a[i * 3 + j]).PseudoInverse();
        double[] expect = [.. pinv.Multiply(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(rhs))];
        Assert.True(DenseLinearAlgebra.LeastSquaresInPlace(a, rhs, 3));
        for (int i = 0; i < 3; i++) Assert.Equal(expect[i], rhs[i], 12);
        double[] back = Multiply(a, rhs, 3), want = Multiply(a, x, 3);
        for (int i = 0; i < 3; i++) Assert.Equal(want[i], back[i], 12); // it solves the system
    }

    [Fact]
    public void LeastSquaresEqualsLuOnANonsingularSystemAndRefusesNonFiniteInput()
    {
        double[] a = [4, 1, -2, 1, 3, 0.5, 2, -1, 5];
        double[] b1 = [1, 2, 3], b2 = [1, 2, 3];
        Assert.True(DenseLinearAlgebra.SolveInPlace((double[])a.Clone(), b1, 3));
        Assert.True(DenseLinearAlgebra.LeastSquaresInPlace(a, b2, 3));
        for (int i = 0; i < 3; i++) Assert.Equal(b1[i], b2[i], 12);
        Assert.False(DenseLinearAlgebra.LeastSquaresInPlace([double.NaN, 0, 0, 1], new double[2], 2));
        Assert.False(DenseLinearAlgebra.SolveInPlace([1, 2, 2, 4], new double[] { 1, 1 }, 2)); // singular: LU refuses
    }

    [Fact]
    public void TheInverseTimesTheMatrixIsTheIdentity()
    {
        double[] a = [4, 1, -2, 1, 3, 0.5, 2, -1, 5];
        var inv = new double[9];
        Assert.True(DenseLinearAlgebra.TryInvert((double[])a.Clone(), 3, inv));
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double s = 0;
                for (int k = 0; k < 3; k++) s += inv[i * 3 + k] * a[k * 3 + j];
                Assert.Equal(i == j ? 1.0 : 0.0, s, 14);
            }
        Assert.False(DenseLinearAlgebra.TryInvert([1, 2, 2, 4], 2, new double[4]));
    }

    [Fact]
    public void JacobiansInAWorkspaceEqualTheAllocatingOnesAndCentralDifferences()
    {
        var nets = new List<Network>
        {
            new RandomNetworkSpec(6, 3, Activation.Parse("tanh"), new GaussianLaw(0.8), new GaussianLaw(0.1), Seed: 31).Build(),
            new RandomNetworkSpec(5, 2, Activation.Parse("sigmoid"), new GaussianLaw(0.6), new GaussianLaw(0.1), Residual: true, Seed: 32).Build(),
            new Network([new DenseLayer(3, 7, KernelReference.Random(21, 1, 0.5), KernelReference.Random(7, 2, 0.1)),
                new DenseLayer(7, 3, KernelReference.Random(21, 3, 0.5), KernelReference.Random(3, 4, 0.1))], Activation.Parse("tanh")),
        };
        var workspace = new JacobianWorkspace(); // one workspace for every network and both calls: buffers are reused across shapes
        foreach (Network net in nets)
        {
            int n = net.Dimension;
            for (int trial = 0; trial < 3; trial++)
            {
                double[] x = KernelReference.Random(n, (ulong)(10 + trial));
                double[] v = KernelReference.Random(n, (ulong)(20 + trial));
                var plain = new double[n * n];
                var reused = new double[n * n];
                net.Jacobian(x, plain);
                ((IMap)net).Jacobian(x, reused, workspace);
                Assert.Equal(plain, reused);
                double[] fd = MapTests.CentralDifferences(net, x);
                for (int i = 0; i < n * n; i++) Assert.True(Math.Abs(plain[i] - fd[i]) <= 1e-7, $"J[{i}] = {plain[i]} vs {fd[i]}");
                var jv1 = new double[n];
                var jv2 = new double[n];
                net.JacobianVector(x, v, jv1);
                ((IMap)net).JacobianVector(x, v, jv2, workspace);
                Assert.Equal(jv1, jv2);
            }
        }
    }

    [Fact]
    public void AJacobianInAWarmWorkspaceDoesNotAllocate()
    {
        Network net = KernelReference.RandomNetwork(64, 2);
        double[] x = KernelReference.Random(64, 3);
        var j = new double[64 * 64];
        var jv = new double[64];
        var workspace = new JacobianWorkspace();
        net.Jacobian(x, j, workspace);
        net.JacobianVector(x, x, jv, workspace);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            net.Jacobian(x, j, workspace);
            net.JacobianVector(x, x, jv, workspace);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"{allocated} bytes in 10 Jacobians at N = 64");
    }

    private static double[] Multiply(double[] a, double[] x, int n)
    {
        var y = new double[n];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++) y[i] += a[i * n + k] * x[k];
        return y;
    }
}
