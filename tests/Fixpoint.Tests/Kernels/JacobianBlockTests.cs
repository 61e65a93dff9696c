using Fixpoint.Init;
using Fixpoint.Maps;
using Fixpoint.Numerics;

namespace Fixpoint.Tests.Kernels;

/// <summary>Block tangents J·V through the batched kernel, and the dense Jacobian formed by matrix products.</summary>
public class JacobianBlockTests
{
    public static TheoryData<string> Shapes => new() { "plain", "residual", "tied", "wide-hidden", "relu" };

    private static Network Build(string shape, int n) => shape switch
    {
        "plain" => new RandomNetworkSpec(n, 3, new TanhActivation(), new GaussianLaw(1.2), new GaussianLaw(0.3), Seed: 11).Build(),
        "residual" => new RandomNetworkSpec(n, 2, new TanhActivation(), new GaussianLaw(0.7), new GaussianLaw(0.3), Residual: true, Seed: 12).Build(),
        "tied" => new RandomNetworkSpec(n, 3, new TanhActivation(), new GaussianLaw(1.1), new GaussianLaw(0.3), Tied: true, Seed: 13).Build(),
        "relu" => new RandomNetworkSpec(n, 2, new ReluActivation(), new GaussianLaw(1.0), new GaussianLaw(0.3), Seed: 14).Build(),
        _ => Hourglass(n),
    };

    /// <summary>N → 2N+3 → N: hidden layers of another width.</summary>
    private static Network Hourglass(int n)
    {
        var rng = new Rng(5);
        DenseLayer Layer(int inp, int outp) => new(inp, outp,
            Enumerable.Range(0, inp * outp).Select(_ => rng.Normal() / Math.Sqrt(inp)).ToArray(), Enumerable.Range(0, outp).Select(_ => 0.2 * rng.Normal()).ToArray());
        return new Network([Layer(n, 2 * n + 3), Layer(2 * n + 3, n)], new TanhActivation());
    }

    private static double[] Random(int count, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, count).Select(_ => rng.Uniform(-1, 1)).ToArray();
    }

    private static double RelativeError(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double diff = 0, scale = 0;
        for (int i = 0; i < a.Length; i++) { diff = Math.Max(diff, Math.Abs(a[i] - b[i])); scale = Math.Max(scale, Math.Abs(b[i])); }
        return diff / Math.Max(scale, 1e-300);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BlockEqualsSingleTangents(string shape)
    {
        int n = 17, k = 9;
        Network net = Build(shape, n);
        double[] x = Random(n, 1), vs = Random(k * n, 2);
        var jvs = new double[k * n];
        net.JacobianVectors(x, vs, jvs, k, new JacobianWorkspace());
        var single = new double[n];
        for (int r = 0; r < k; r++)
        {
            net.JacobianVector(x, vs.AsSpan(r * n, n), single);
            Assert.True(RelativeError(jvs.AsSpan(r * n, n), single) <= 1e-12, $"{shape}, row {r}: {RelativeError(jvs.AsSpan(r * n, n), single)}");
        }
    }

    [Fact]
    public void BlockRowDoesNotDependOnTheOtherRows()
    {
        int n = 23;
        Network net = Build("plain", n);
        double[] x = Random(n, 3), vs = Random(13 * n, 4);
        var all = new double[13 * n];
        var one = new double[n];
        var ws = new JacobianWorkspace();
        net.JacobianVectors(x, vs, all, 13, ws);
        net.JacobianVectors(x, vs.AsSpan(7 * n, n), one, 1, ws);
        Assert.Equal(all.AsSpan(7 * n, n).ToArray(), one);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BlockMatchesCentralDifferences(string shape)
    {
        int n = 12, k = 4;
        Network net = Build(shape, n);
        double[] x = Random(n, 5), vs = Random(k * n, 6);
        var jvs = new double[k * n];
        net.JacobianVectors(x, vs, jvs, k);
        var fd = new double[n];
        for (int r = 0; r < k; r++)
        {
            FiniteDifferenceJacobian.DirectionalDerivative(net, x, vs.AsSpan(r * n, n), fd, 1e-16);
            for (int i = 0; i < n; i++) Assert.Equal(fd[i], jvs[r * n + i], 1e-6);
        }
    }

    /// <summary>A map that only has the single product: F(x) = A x with A[i, j] = i − 2j.</summary>
    private sealed class Linear(int n) : IMap
    {
        public int Dimension => n;
        public bool HasExactJacobian => true;
        public void Evaluate(ReadOnlySpan<double> x, Span<double> y) { for (int i = 0; i < n; i++) { double s = 0; for (int j = 0; j < n; j++) s += (i - 2 * j) * x[j]; y[i] = s; } }
        public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count) { for (int r = 0; r < count; r++) Evaluate(xs.Slice(r * n, n), ys.Slice(r * n, n)); }
        public void Jacobian(ReadOnlySpan<double> x, Span<double> jacobian) { for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) jacobian[i * n + j] = i - 2 * j; }
        public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv) => Evaluate(v, jv);
    }

    [Fact]
    public void DefaultBlockOfOtherMapsCallsTheSingleProduct()
    {
        IMap map = new Linear(6);
        double[] x = Random(6, 7), vs = Random(12, 8);
        var jvs = new double[12];
        map.JacobianVectors(x, vs, jvs, 2, new JacobianWorkspace());
        var single = new double[6];
        map.JacobianVector(x, vs.AsSpan(6, 6), single);
        Assert.Equal(single, jvs.AsSpan(6, 6).ToArray());
    }

    [Fact]
    public void Float32MapTakesTheFloat64NetworksBlock()
    {
        Network net = Build("plain", 6);
        double[] x = Random(6, 7), vs = Random(12, 8);
        var a = new double[12];
        var b = new double[12];
        ((IMap)new Float32Map(net)).JacobianVectors(x, vs, a, 2, new JacobianWorkspace());
        net.JacobianVectors(x, vs, b, 2);
        Assert.Equal(b, a);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ProductJacobianEqualsRowByRow(string shape)
    {
        int n = 31;
        Network net = Build(shape, n);
        double[] x = Random(n, 9);
        var rows = new double[n * n];
        var products = new double[n * n];
        net.RowJacobian(x, rows, new JacobianWorkspace());
        net.ProductJacobian(x, products, new JacobianWorkspace());
        var viaJacobian = new double[n * n];
        net.Jacobian(x, viaJacobian);
        Assert.Equal(rows, viaJacobian); // below the size, the row-by-row bits
        Assert.True(RelativeError(products, rows) <= 1e-12, $"{shape}: {RelativeError(products, rows)}");
    }

    [Fact]
    public void LargeJacobianUsesProductsAndMatchesTangentsAndDifferences()
    {
        int n = Network.ProductJacobianMinDimension + 3;
        Network net = new RandomNetworkSpec(n, 2, new TanhActivation(), new GaussianLaw(1.0), new GaussianLaw(0.3), Seed: 21).Build();
        double[] x = Random(n, 10);
        var jac = new double[n * n];
        net.Jacobian(x, jac);
        var products = new double[n * n];
        var rows = new double[n * n];
        net.ProductJacobian(x, products, new JacobianWorkspace());
        net.RowJacobian(x, rows, new JacobianWorkspace());
        Assert.Equal(products, jac);
        Assert.True(RelativeError(jac, rows) <= 1e-12);
        var e = new double[n];
        var col = new double[n];
        var fd = new double[n];
        foreach (int j in new[] { 0, 1, n / 2, n - 1 })
        {
            Array.Clear(e);
            e[j] = 1;
            net.JacobianVector(x, e, col);
            FiniteDifferenceJacobian.DirectionalDerivative(net, x, e, fd, 1e-16);
            for (int i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(jac[i * n + j] - col[i]) <= 1e-12 * Math.Max(1, Math.Abs(col[i])), $"({i}, {j})");
                Assert.Equal(fd[i], jac[i * n + j], 1e-6);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AReusedWorkspaceGivesTheBitsOfAFreshOneAtEveryPointAndNetwork(string shape)
    {
        // The workspace keeps g′ at the last point; a new point, or another network, must not see it.
        const int n = 12, count = 3;
        Network a = Build(shape, n), b = Build("plain", n);
        double[] x = Random(n, 1), y = Random(n, 2), vs = Random(count * n, 3);
        double[] Fresh(Network net, double[] at)
        {
            var r = new double[count * n];
            net.JacobianVectors(at, vs, r, count, new JacobianWorkspace());
            return r;
        }
        var shared = new JacobianWorkspace();
        foreach ((Network net, double[] at) in new[] { (a, x), (a, x), (a, y), (b, y), (a, y), (a, x) })
        {
            var r = new double[count * n];
            net.JacobianVectors(at, vs, r, count, shared);
            Assert.Equal(Fresh(net, at), r);
        }
    }
}
